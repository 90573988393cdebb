"""deploy/k8s/: the manifests parse, hang together, and ask for a hardened, working console.

Cross-checks rather than spot checks: labels against selectors, named ports against probes and
the Service, volume names against mounts, env names against the real Settings fields, container
arguments against the real `i3plat` parser, and the configured values against `load_settings`.
"""

from __future__ import annotations

import shlex
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml

from i3plat.cli import build_parser
from i3plat.serving import check_bind
from i3plat.settings import Settings, load_settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
K8S = DEPLOY / "k8s"
CLUSTER_SCOPED = {"Namespace", "ClusterRole", "ClusterRoleBinding", "ClusterPropagationPolicy"}
NON_SETTINGS_ENV = {"KUBECONFIG", "PROMETHEUS_MULTIPROC_DIR"}
EXAMPLES = {"ingress.example.yaml", "secret-kubeconfig.example.yaml", "secret-settings.example.yaml"}


def docs_in(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def all_yaml() -> list[Path]:
    return sorted(DEPLOY.rglob("*.yaml"))


def k8s_docs(include_examples: bool = True) -> list[dict[str, Any]]:
    return [
        d for p in sorted(K8S.glob("*.yaml")) if p.name != "kustomization.yaml"
        if include_examples or p.name not in EXAMPLES for d in docs_in(p)
    ]  # fmt: skip


def one(kind: str, name: str | None = None) -> dict[str, Any]:
    found = [d for d in k8s_docs() if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {len(found)}"
    return found[0]


@pytest.fixture(scope="module")
def deployment() -> dict[str, Any]:
    return one("Deployment")


@pytest.fixture(scope="module")
def pod(deployment: dict[str, Any]) -> dict[str, Any]:
    return dict(deployment["spec"]["template"]["spec"])


def container(pod: dict[str, Any], name: str) -> dict[str, Any]:
    (found,) = [c for c in pod["containers"] if c["name"] == name]
    return dict(found)


def settings_env_names() -> set[str]:
    """The environment variable of every Settings field (I3PLAT_<FIELD>, or its alias)."""
    names = set()
    for field_name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names.add(alias if isinstance(alias, str) else f"I3PLAT_{field_name.upper()}")
    return names


# ---------------------------------------------------------------------------- every file


@pytest.mark.parametrize("path", all_yaml(), ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_document_has_the_required_fields(path: Path) -> None:
    docs = docs_in(path)
    assert docs, f"{path} is empty"
    for doc in docs:
        assert doc.get("apiVersion") and doc.get("kind"), doc
        if doc["kind"] == "Kustomization":
            continue
        meta = doc.get("metadata") or {}
        assert meta.get("name"), f"{path}: {doc['kind']} without metadata.name"
        if doc["kind"] in CLUSTER_SCOPED:
            assert "namespace" not in meta, f"{path}: {doc['kind']} is cluster-scoped"
        else:
            assert meta.get("namespace"), f"{path}: {doc['kind']}/{meta['name']} needs a namespace"


def test_kustomization_lists_every_manifest_but_the_examples() -> None:
    (kustomization,) = docs_in(K8S / "kustomization.yaml")
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files - EXAMPLES
    assert files >= EXAMPLES
    namespace = kustomization["namespace"]
    assert {d["metadata"].get("namespace", namespace) for d in k8s_docs() if d["kind"] != "Namespace"} == {
        namespace
    }
    assert one("Namespace")["metadata"]["name"] == namespace
    images = {c["image"] for c in one("Deployment")["spec"]["template"]["spec"]["containers"]}
    assert images == {i["name"] for i in kustomization["images"]}


def test_examples_hold_placeholders_not_secrets() -> None:
    for name in ("secret-kubeconfig.example.yaml", "secret-settings.example.yaml"):
        (secret,) = docs_in(K8S / name)
        assert secret["kind"] == "Secret" and "data" not in secret
        for key, value in secret["stringData"].items():
            if key == "kubeconfig":
                user = yaml.safe_load(value)["users"][0]["user"]
                assert all(str(v).startswith("REPLACE-") for v in user.values()), user
            else:
                assert value.startswith("REPLACE-"), key


# ---------------------------------------------------------------------------- workload


def test_one_pod_with_web_and_poller_recreated_not_rolled(
    deployment: dict[str, Any], pod: dict[str, Any]
) -> None:
    spec = deployment["spec"]
    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}, "RWO volume and one poller per data dir"
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items()
    assert [c["name"] for c in pod["containers"]] == ["web", "poller"]
    assert pod["shareProcessNamespace"] is True, "metrics files are named by pid across both containers"
    parser = build_parser()
    web = parser.parse_args(container(pod, "web")["args"])
    assert (web.command, web.host, web.no_poller) == ("serve", "0.0.0.0", True)
    assert web.workers >= 2
    assert pod["terminationGracePeriodSeconds"] > web.graceful_timeout
    assert parser.parse_args(container(pod, "poller")["args"]).command == "poller"


def test_probes_hit_healthz_and_readyz_on_the_served_port(pod: dict[str, Any]) -> None:
    web = container(pod, "web")
    args = build_parser().parse_args(web["args"])
    ports = {p["name"]: p["containerPort"] for p in web["ports"]}
    assert ports == {"http": args.port}
    for probe, path in (
        ("startupProbe", "/healthz"),
        ("livenessProbe", "/healthz"),
        ("readinessProbe", "/readyz"),
    ):
        get = web[probe]["httpGet"]
        assert get["path"] == path, probe
        assert ports.get(get["port"], get["port"]) == args.port, probe


def test_containers_are_hardened(pod: dict[str, Any]) -> None:
    security = pod["securityContext"]
    assert security["runAsNonRoot"] is True
    assert isinstance(security["runAsUser"], int) and security["runAsUser"] > 0
    assert security["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    for c in pod["containers"]:
        context = c["securityContext"]
        assert context["readOnlyRootFilesystem"] is True, c["name"]
        assert context["allowPrivilegeEscalation"] is False, c["name"]
        assert context["capabilities"] == {"drop": ["ALL"]}, c["name"]
        assert context.get("privileged") is not True
        resources = c["resources"]
        assert resources["requests"]["cpu"] and resources["requests"]["memory"], c["name"]
        assert resources["limits"]["memory"], c["name"]


def env_of(c: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in c.get("env", []) if "value" in e}


def test_every_write_lands_on_a_volume(pod: dict[str, Any]) -> None:
    """Read-only root: the data dir, the metrics dir and /tmp must be mounted, and shared."""
    volumes = {v["name"]: v for v in pod["volumes"]}
    used: set[str] = set()
    mounts_of: dict[str, dict[str, str]] = {}
    for c in pod["containers"]:
        mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
        assert set(mounts.values()) <= volumes.keys(), c["name"]
        used |= set(mounts.values())
        env = env_of(c)
        for writable in (env["I3PLAT_DATA_DIR"], env["PROMETHEUS_MULTIPROC_DIR"], "/tmp"):
            assert writable in mounts, f"{c['name']}: nothing mounted at {writable}"
            assert not any(m.get("readOnly") for m in c["volumeMounts"] if m["mountPath"] == writable)
        mounts_of[c["name"]] = {
            k: mounts[k] for k in (env["I3PLAT_DATA_DIR"], env["PROMETHEUS_MULTIPROC_DIR"])
        }
    assert used == volumes.keys(), "every volume is mounted"
    assert mounts_of["web"] == mounts_of["poller"], "web and poller share data and metrics"
    data = volumes[mounts_of["web"][env_of(container(pod, "web"))["I3PLAT_DATA_DIR"]]]
    assert data["persistentVolumeClaim"]["claimName"] == one("PersistentVolumeClaim")["metadata"]["name"]
    assert one("PersistentVolumeClaim")["spec"]["accessModes"] == ["ReadWriteOnce"]


def test_mounted_files_are_where_the_env_points(pod: dict[str, Any]) -> None:
    volumes = {v["name"]: v for v in pod["volumes"]}
    config_files = {d["metadata"]["name"]: d for d in k8s_docs() if d["kind"] == "ConfigMap"}
    env_config = config_files["i3plat-env"]["data"]
    for c in pod["containers"]:
        env = {**env_config, **env_of(c)}
        mounts = {m["mountPath"]: m for m in c["volumeMounts"]}
        kubeconfig = PurePosixPath(env["KUBECONFIG"])
        secret = volumes[mounts[str(kubeconfig.parent)]["name"]]["secret"]
        (example,) = docs_in(K8S / "secret-kubeconfig.example.yaml")
        assert secret["secretName"] == example["metadata"]["name"]
        assert kubeconfig.name in example["stringData"]
        config = mounts[env["I3PLAT_CONFIG"]]
        source = volumes[config["name"]]["configMap"]["name"]
        assert config["subPath"] in config_files[source]["data"]
        for ref in c["envFrom"]:
            if "configMapRef" in ref:
                assert ref["configMapRef"]["name"] in config_files
            else:
                (settings_secret,) = docs_in(K8S / "secret-settings.example.yaml")
                assert ref["secretRef"] == {"name": settings_secret["metadata"]["name"], "optional": True}


def test_env_names_are_real_settings(pod: dict[str, Any]) -> None:
    known = settings_env_names() | NON_SETTINGS_ENV
    names = set(one("ConfigMap", "i3plat-env")["data"])
    (secret,) = docs_in(K8S / "secret-settings.example.yaml")
    names |= set(secret["stringData"])
    for c in pod["containers"]:
        names |= {e["name"] for e in c.get("env", [])}
    assert names - known == set(), f"not settings: {sorted(names - known)}"
    assert "I3PLAT_AUTH" in names and "I3PLAT_DATA_DIR" in names


def test_configured_values_load_and_may_bind_publicly(
    pod: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = dict(one("ConfigMap", "i3plat-env")["data"])
    config = tmp_path / "config.yaml"
    config.write_text(one("ConfigMap", "i3plat-config")["data"]["config.yaml"])
    env["I3PLAT_CONFIG"] = str(config)
    for name in list(settings_env_names()):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.auth != "off"
    check_bind(settings, build_parser().parse_args(container(pod, "web")["args"]).host)


def test_service_and_ingress_reach_the_web_container(deployment: dict[str, Any], pod: dict[str, Any]) -> None:
    service = one("Service")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["selector"] == deployment["spec"]["selector"]["matchLabels"]
    names = {p["name"] for p in container(pod, "web")["ports"]}
    (port,) = service["spec"]["ports"]
    assert port["targetPort"] in names
    ingress = one("Ingress")
    backends = [p["backend"]["service"] for r in ingress["spec"]["rules"] for p in r["http"]["paths"]]
    assert backends == [{"name": service["metadata"]["name"], "port": {"name": port["name"]}}]
    assert pod["serviceAccountName"] == one("ServiceAccount")["metadata"]["name"]


def test_readme_commands_in_the_manifest_comments_are_well_formed() -> None:
    """The `kubectl create secret` lines in the examples are what docs/deployment.md tells."""
    for name in ("secret-kubeconfig.example.yaml", "secret-settings.example.yaml"):
        (secret,) = docs_in(K8S / name)
        lines = [line.lstrip("# ").strip() for line in (K8S / name).read_text().splitlines()]
        commands = [shlex.split(line) for line in lines if line.startswith("kubectl ")]
        assert commands, name
        for command in commands:
            assert command[:4] == ["kubectl", "-n", secret["metadata"]["namespace"], "create"]
            assert secret["metadata"]["name"] in command
