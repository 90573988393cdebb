"""The Karmada and member RBAC in deploy/karmada/ grants exactly what the code sends.

The requests are read from the source (`deploy_requests`), mapped to RBAC the way Kubernetes
authorises them (GET/HEAD -> get, or list on a collection; POST -> create; PUT -> update;
PATCH -> patch; DELETE -> delete), and compared with the manifests: a new request kind without
a grant fails here, and so does a grant nothing uses.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.unit.deploy_requests import Target, Use, find_uses, source_files

KARMADA_DIR = Path(__file__).resolve().parents[2] / "deploy" / "karmada"
VERB = {"GET": "get", "HEAD": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}
PROXY = ("cluster.karmada.io", "clusters/proxy")
Grant = tuple[str, str, str | None]
"""(apiGroup, resource, namespace or None for cluster-wide)."""

# Karmada API paths every authenticated user may use (bootstrap RBAC: system:basic-user).
DEFAULT_ALLOWED = {("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews")}
# Member non-resource URLs readable by every authenticated user (system:public-info-viewer).
MEMBER_PUBLIC = {"/version", "/healthz", "/readyz", "/livez"}

_MEMBER_PATH = re.compile(
    r"^/api/v1/(?:namespaces/(?P<ns>[^/]+)/)?(?P<resource>[a-z]+)(?:/(?P<name>[^/]+)(?:/(?P<sub>[a-z]+))?)?$"
)


def rbac_verb(method: str, collection: bool) -> str:
    verb = VERB[method]
    return "list" if verb == "get" and collection else verb


def member_grant(method: str, rest: str) -> tuple[Grant, str] | None:
    """The member RBAC a path sent through the cluster proxy needs; None for public URLs."""
    if rest in MEMBER_PUBLIC:
        return None
    match = _MEMBER_PATH.match(rest)
    if match is None:
        raise AssertionError(f"unclassified member path {rest!r}: teach test_deploy_rbac its RBAC")
    resource = match["resource"] + (f"/{match['sub']}" if match["sub"] else "")
    return ("", resource, None), rbac_verb(method, collection=match["name"] is None)


# path builder -> (karmada grant or None, member grant or None, member path is a collection)
BUILDERS: dict[str, tuple[Grant | None, Grant | None, bool]] = {
    "clusters_path": (("cluster.karmada.io", "clusters", None), None, True),
    "cluster_path": (("cluster.karmada.io", "clusters", None), None, False),
    "namespace_list_path": (None, ("", "namespaces", None), True),
    "pod_list_path": (None, ("", "pods", None), True),
    "pod_log_path": (None, ("", "pods/log", None), False),
    "service_proxy_path": (None, ("", "services/proxy", None), False),
    "cluster_proxy_path": (None, None, False),
}


def required_rbac(uses: list[Use]) -> tuple[dict[Grant, set[str]], dict[Grant, set[str]]]:
    """(Karmada-side verbs, member-side verbs) the uses need, keyed by grant."""
    karmada: dict[Grant, set[str]] = {}
    member: dict[Grant, set[str]] = {}
    for use in uses:
        if isinstance(use.path, str):
            if (use.method, use.path) in DEFAULT_ALLOWED:
                continue
            raise AssertionError(f"unclassified Karmada path {use.path!r} at {use.where}")
        target: Target = use.path
        if target.builder in ("secrets_path", "secret_path"):
            assert isinstance(target.namespace, str), f"namespace of {use} must be a constant"
            grant: Grant = ("", "secrets", target.namespace)
            karmada.setdefault(grant, set()).add(rbac_verb(use.method, target.builder == "secrets_path"))
            continue
        if target.builder not in BUILDERS:
            raise AssertionError(f"unclassified path builder {target.builder} at {use.where}")
        karmada_grant, member_path_grant, collection = BUILDERS[target.builder]
        if karmada_grant is not None:
            karmada.setdefault(karmada_grant, set()).add(rbac_verb(use.method, collection))
            continue
        karmada.setdefault((*PROXY, None), set()).add(VERB[use.method])
        if target.builder == "cluster_proxy_path":
            assert isinstance(target.rest, str), f"member path of {use} must be a constant"
            found = member_grant(use.method, target.rest)
            if found is not None:
                member.setdefault(found[0], set()).add(found[1])
        elif member_path_grant is not None:
            member.setdefault(member_path_grant, set()).add(rbac_verb(use.method, collection))
    return karmada, member


def load(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((KARMADA_DIR / name).read_text()) if d]


def granted(docs: list[dict[str, Any]]) -> dict[Grant, set[str]]:
    out: dict[Grant, set[str]] = {}
    for doc in docs:
        if doc["kind"] not in ("ClusterRole", "Role"):
            continue
        namespace = doc["metadata"].get("namespace") if doc["kind"] == "Role" else None
        for rule in doc["rules"]:
            assert "resourceNames" not in rule or rule["resourceNames"], rule
            for group in rule["apiGroups"]:
                for resource in rule["resources"]:
                    out.setdefault((group, resource, namespace), set()).update(rule["verbs"])
    return out


def by_kind_name(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    found = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
    return found[0]


@pytest.fixture(scope="module")
def uses() -> list[Use]:
    return find_uses(source_files())


@pytest.fixture(scope="module")
def needed(uses: list[Use]) -> tuple[dict[Grant, set[str]], dict[Grant, set[str]]]:
    return required_rbac(uses)


def console_identity() -> tuple[str, str]:
    accounts = [d for d in load("identity.yaml") if d["kind"] == "ServiceAccount"]
    assert len(accounts) == 1
    return accounts[0]["metadata"]["namespace"], accounts[0]["metadata"]["name"]


# ---------------------------------------------------------------------------- the code side


def test_the_scan_sees_the_console_s_core_requests(uses: list[Use]) -> None:
    """Guards against a scanner that silently finds nothing (and so matches any manifest)."""
    seen = {(u.method, u.path.builder if isinstance(u.path, Target) else u.path) for u in uses}
    for expected in [
        ("GET", "clusters_path"),
        ("GET", "pod_log_path"),
        ("POST", "service_proxy_path"),
        ("GET", "service_proxy_path"),
    ]:
        assert expected in seen, f"{expected} not found by the scan: {sorted(seen)}"


def test_the_scan_follows_wrappers_and_would_catch_a_new_method() -> None:
    source = """
def request(self, method, path):
    return self._client.request(method.upper(), path)

def delete_pod(self, cluster, ns, pod):
    return self.proxy(cluster, "DELETE", "/api/v1/namespaces/x/pods/p")

def proxy(self, cluster, method, rest):
    return self.request(method, cluster_proxy_path(cluster, rest))

def member_get(self, rest):
    return self.get(cluster_proxy_path(self.site, rest))

def get(self, path):
    return self.karmada.request("GET", path)

def nodes(probe):
    return probe.member_get("/api/v1/nodes")
"""
    uses = find_uses([("example.py", source)])
    karmada, member = required_rbac(uses)
    assert karmada == {("cluster.karmada.io", "clusters/proxy", None): {"get", "delete"}}
    assert member == {("", "pods", None): {"delete"}, ("", "nodes", None): {"list"}}


# ---------------------------------------------------------------------------- Karmada side


def test_cluster_proxy_verbs_are_exactly_the_methods_sent_through_it(needed: Any) -> None:
    karmada, _ = needed
    rules = granted(load("karmada-rbac.yaml"))
    assert rules[(*PROXY, None)] == karmada[(*PROXY, None)] == {"get", "create"}


def test_karmada_side_grants_match_the_code(needed: Any) -> None:
    karmada, _ = needed
    assert granted(load("karmada-rbac.yaml")) == karmada


def test_proxy_binding_names_the_identity_and_its_groups() -> None:
    """Karmada's unified auth lets members impersonate only these subjects, groups included."""
    namespace, name = console_identity()
    docs = load("karmada-rbac.yaml")
    proxy_roles = {
        d["metadata"]["name"]
        for d in docs
        if d["kind"] == "ClusterRole" and any("clusters/proxy" in r["resources"] for r in d["rules"])
    }
    bindings = [d for d in docs if d["kind"] == "ClusterRoleBinding" and d["roleRef"]["name"] in proxy_roles]
    assert bindings, "clusters/proxy must be granted by a ClusterRoleBinding (RoleBindings are ignored)"
    subjects = {(s["kind"], s["name"], s.get("namespace")) for b in bindings for s in b["subjects"]}
    assert subjects == {
        ("ServiceAccount", name, namespace),
        ("Group", "system:serviceaccounts", None),
        ("Group", f"system:serviceaccounts:{namespace}", None),
    }


def test_other_karmada_grants_go_to_the_service_account_only() -> None:
    namespace, name = console_identity()
    docs = load("karmada-rbac.yaml")
    for binding in docs:
        if binding["kind"] not in ("ClusterRoleBinding", "RoleBinding"):
            continue
        role = by_kind_name(docs, binding["roleRef"]["kind"], binding["roleRef"]["name"])
        if binding["kind"] == "RoleBinding":
            assert role["metadata"]["namespace"] == binding["metadata"]["namespace"]
        if any("clusters/proxy" in r["resources"] for r in role["rules"]):
            continue
        assert binding["subjects"] == [{"kind": "ServiceAccount", "name": name, "namespace": namespace}]


def test_the_identity_namespace_is_not_copied_to_the_sites() -> None:
    namespace, _ = console_identity()
    ns = by_kind_name(load("identity.yaml"), "Namespace", namespace)
    assert ns["metadata"]["labels"]["namespace.karmada.io/skip-auto-propagation"] == "true"
    token = next(d for d in load("identity.yaml") if d["kind"] == "Secret")
    assert token["type"] == "kubernetes.io/service-account-token"
    assert "data" not in token and "stringData" not in token, "the token controller fills it in"


# ---------------------------------------------------------------------------- member side


def test_member_grants_match_the_code(needed: Any) -> None:
    _, member = needed
    docs = load("member-rbac.yaml")
    assert [d["kind"] for d in docs] == ["ClusterRole", "ClusterRoleBinding"]
    assert granted(docs) == member


def test_member_binding_names_the_impersonated_user_only() -> None:
    """The user Karmada impersonates; its groups would extend the grant to every service account."""
    namespace, name = console_identity()
    docs = load("member-rbac.yaml")
    role = by_kind_name(docs, "ClusterRole", docs[0]["metadata"]["name"])
    binding = by_kind_name(docs, "ClusterRoleBinding", docs[1]["metadata"]["name"])
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": role["metadata"]["name"],
    }
    assert binding["subjects"] == [
        {
            "kind": "User",
            "name": f"system:serviceaccount:{namespace}:{name}",
            "apiGroup": "rbac.authorization.k8s.io",
        }
    ]


def test_the_member_rbac_is_propagated_to_every_site() -> None:
    member = load("member-rbac.yaml")
    (policy,) = load("propagation.yaml")
    assert policy["apiVersion"] == "policy.karmada.io/v1alpha1"
    assert policy["kind"] == "ClusterPropagationPolicy"
    assert "namespace" not in policy["metadata"]
    selected = {(s["apiVersion"], s["kind"], s["name"]) for s in policy["spec"]["resourceSelectors"]}
    assert selected == {(d["apiVersion"], d["kind"], d["metadata"]["name"]) for d in member}
    assert "clusterAffinity" not in policy["spec"]["placement"], "no affinity: all member clusters"


def test_the_kustomization_applies_every_karmada_file() -> None:
    (kustomization,) = load("kustomization.yaml")
    files = sorted(p.name for p in KARMADA_DIR.glob("*.yaml") if p.name != "kustomization.yaml")
    assert sorted(kustomization["resources"]) == files
