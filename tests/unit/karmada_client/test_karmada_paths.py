from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from i3plat.karmada_client import (
    InvalidName,
    ServiceRef,
    cluster_path,
    cluster_proxy_path,
    clusters_path,
    namespace_list_path,
    parse_service_ref,
    pod_list_path,
    pod_log_path,
    service_proxy_path,
    validate_name,
)

P = "/apis/cluster.karmada.io/v1alpha1/clusters"

HOSTILE = [
    "",
    "../x",
    "..",
    ".",
    "a/b",
    "%2e%2e",
    "%2E%2E",
    "a%2fb",
    "a" * 300,
    "Site-A",
    " site",
    "site ",
    "si te",
    "site\x00",
    "site\n",
    "\tsite",
    "-site",
    "site-",
    "site_a",
    "site?a",
    "site#a",
    "a\\b",
    "ﬁ",
    "site..a",
    "é",
]


def test_builders() -> None:
    assert clusters_path() == P
    assert cluster_path("site-a") == f"{P}/site-a"
    assert cluster_proxy_path("site-a", "/version") == f"{P}/site-a/proxy/version"
    assert cluster_proxy_path("site-a", "/") == f"{P}/site-a/proxy/"
    assert cluster_proxy_path("site-a", "/api/v1/namespaces/") == f"{P}/site-a/proxy/api/v1/namespaces/"
    assert namespace_list_path("site-a") == f"{P}/site-a/proxy/api/v1/namespaces"
    assert pod_list_path("site-a", "ml") == f"{P}/site-a/proxy/api/v1/namespaces/ml/pods"
    assert (
        pod_log_path("site-a", "ml", "train-1.x")
        == f"{P}/site-a/proxy/api/v1/namespaces/ml/pods/train-1.x/log"
    )
    assert cluster_path("site.a.example") == f"{P}/site.a.example"


@pytest.mark.parametrize(
    ("kwargs", "service_id"),
    [
        ({"service": "prometheus-k8s"}, "prometheus-k8s"),
        ({"service": "prometheus-k8s", "port": 9090}, "prometheus-k8s:9090"),
        ({"service": "prometheus-k8s", "port": "9090"}, "prometheus-k8s:9090"),
        ({"service": "prometheus-k8s", "port": "web"}, "prometheus-k8s:web"),
        ({"service": "prometheus-k8s", "scheme": "https", "port": 9090}, "https:prometheus-k8s:9090"),
        ({"service": "svc", "scheme": "http"}, "http:svc:"),
        ({"service": "prometheus-k8s:web"}, "prometheus-k8s:web"),
        ({"service": "https:svc:443"}, "https:svc:443"),
        ({"service": "https:svc:443", "port": 443, "scheme": "https"}, "https:svc:443"),
    ],
)
def test_service_id_forms(kwargs: dict[str, object], service_id: str) -> None:
    path = service_proxy_path("site-a", "monitoring", rest="/api/v1/query", **kwargs)  # type: ignore[arg-type]
    assert path == f"{P}/site-a/proxy/api/v1/namespaces/monitoring/services/{service_id}/proxy/api/v1/query"
    assert service_proxy_path("site-a", "monitoring", **kwargs).endswith(  # type: ignore[arg-type]
        f"/services/{service_id}/proxy/"
    )


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"service": "svc", "scheme": "ftp"}, "scheme"),
        ({"service": "svc", "scheme": "HTTPS"}, "scheme"),
        ({"service": "svc", "port": 0}, "port"),
        ({"service": "svc", "port": 65536}, "port"),
        ({"service": "svc", "port": "65536"}, "port"),
        ({"service": "svc", "port": "090"}, "port"),
        ({"service": "svc", "port": True}, "port"),
        ({"service": "svc", "port": "Web"}, "port"),
        ({"service": "svc", "port": "a/b"}, "port"),
        ({"service": "a:b:c:d"}, "service"),
        ({"service": "ftp:svc:80"}, "scheme"),
        ({"service": "svc:80", "port": 81}, "port"),
        ({"service": "x" * 64}, "service"),
        ({"service": "svc.other"}, "service"),
    ],
)
def test_service_id_refusals(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidName) as info:
        service_proxy_path("site-a", "monitoring", **kwargs)  # type: ignore[arg-type]
    assert info.value.field == field


@pytest.mark.parametrize("bad", HOSTILE)
def test_hostile_names_refused_everywhere(bad: str) -> None:
    for call, field in [
        (lambda: cluster_path(bad), "cluster"),
        (lambda: cluster_proxy_path(bad, "/version"), "cluster"),
        (lambda: namespace_list_path(bad), "cluster"),
        (lambda: pod_list_path("site-a", bad), "namespace"),
        (lambda: pod_log_path("site-a", "ml", bad), "pod"),
        (lambda: service_proxy_path("site-a", bad, "svc"), "namespace"),
        (lambda: service_proxy_path("site-a", "monitoring", bad.replace(":", "")), "service"),
    ]:
        with pytest.raises(InvalidName) as info:
            call()
        assert info.value.field == field, (bad, field)
        assert info.value.value in (bad, bad.replace(":", ""))
        assert isinstance(info.value, ValueError)


def test_label_vs_subdomain_rules() -> None:
    assert validate_name("cluster", "a" * 253) == "a" * 253
    assert validate_name("pod", "train.resnet-42") == "train.resnet-42"
    for field in ("namespace", "service", "container"):
        with pytest.raises(InvalidName, match="DNS-1123 label"):
            validate_name(field, "a.b")
        with pytest.raises(InvalidName, match="at most 63"):
            validate_name(field, "a" * 64)
    with pytest.raises(InvalidName, match="at most 253"):
        validate_name("cluster", "a" * 254)
    with pytest.raises(InvalidName, match="must be a string"):
        validate_name("cluster", None)  # type: ignore[arg-type]


def test_invalid_name_message_is_readable() -> None:
    with pytest.raises(InvalidName) as info:
        validate_name("cluster", "x" * 300)
    text = str(info.value)
    assert text.startswith("invalid cluster 'xxx") and "…" in text and "300 characters" in text
    with pytest.raises(InvalidName, match="must not contain '/'"):
        validate_name("namespace", "a/b")
    with pytest.raises(InvalidName, match="percent"):
        validate_name("namespace", "%2e%2e")
    with pytest.raises(InvalidName, match="lower case"):
        validate_name("namespace", "Monitoring")


@pytest.mark.parametrize(
    "rest",
    [
        "",
        "version",
        "/../secrets",
        "/api/../secrets",
        "/api/./v1",
        "/api//v1",
        "/api/v1?x=1",
        "/api/v1#frag",
        "/api/%2e%2e/x",
        "/api/v1 x",
        "/api/\x00",
        "/api/ü",
        "//",
        "/..",
        "/./",
    ],
)
def test_proxy_rest_refused(rest: str) -> None:
    with pytest.raises(InvalidName) as info:
        cluster_proxy_path("site-a", rest)
    assert info.value.field == "path"
    with pytest.raises(InvalidName):
        service_proxy_path("site-a", "monitoring", "svc", rest or "x")


def test_parse_service_ref() -> None:
    assert parse_service_ref("monitoring/prometheus-k8s:9090") == ServiceRef(
        "monitoring", "prometheus-k8s", 9090
    )
    ref = parse_service_ref("monitoring/https:prometheus-k8s:9090")
    assert ref == ServiceRef("monitoring", "prometheus-k8s", 9090, "https")
    assert ref.id == "https:prometheus-k8s:9090" and str(ref) == "monitoring/https:prometheus-k8s:9090"
    assert parse_service_ref("monitoring/prometheus-k8s:web").port == "web"
    bare = parse_service_ref("monitoring/prometheus-k8s")
    assert bare.port is None and bare.scheme is None and bare.id == "prometheus-k8s"


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("prometheus-k8s:9090", "service_ref"),
        ("", "service_ref"),
        ("a/b/c", "service_ref"),
        ("Monitoring/prom:9090", "namespace"),
        ("../prom:9090", "namespace"),
        ("monitoring/", "service"),
        ("monitoring/Prom", "service"),
        ("monitoring/prom:99999", "port"),
        ("monitoring/ftp:prom:21", "scheme"),
        ("monitoring/a:b:c:d", "service_ref"),
        (None, "service_ref"),
    ],
)
def test_parse_service_ref_errors(text: str, field: str) -> None:
    with pytest.raises(InvalidName) as info:
        parse_service_ref(text)
    assert info.value.field == field


_any_text = st.text(alphabet=st.characters(codec="utf-8"), max_size=80)


@given(_any_text)
def test_accepted_names_are_path_safe(name: str) -> None:
    try:
        validate_name("cluster", name)
    except InvalidName:
        return
    assert name and set(name) <= set("abcdefghijklmnopqrstuvwxyz0123456789-.")
    assert ".." not in name and not name.startswith((".", "-")) and not name.endswith((".", "-"))


@given(st.text(alphabet="/.%a2eF?#:@ \\", max_size=20))
def test_accepted_rest_has_no_dot_segments(rest: str) -> None:
    try:
        path = cluster_proxy_path("site-a", rest)
    except InvalidName:
        return
    segments = path.split("/")
    assert ".." not in segments and "." not in segments
    assert "%" not in path and "?" not in path and "#" not in path and " " not in path
    assert "//" not in path


def test_service_ref_validates_on_construction() -> None:
    with pytest.raises(InvalidName) as info:
        ServiceRef("monitoring", "prom:9090")
    assert info.value.field == "service"
    with pytest.raises(InvalidName) as info:
        ServiceRef("monitoring", "prom", 70000)
    assert info.value.field == "port"
    with pytest.raises(InvalidName) as info:
        ServiceRef("../x", "prom")
    assert info.value.field == "namespace"
