"""Go-compatible path cleaning, service ids and request classification."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from i3plat.federation_sim._paths import (
    ServiceId,
    classify_member_path,
    clean_path,
    clean_proxy_subpath,
    match_service_proxy,
    split_service_id,
)

# The table of Go's own path_test.go (cleantests).
GO_CLEAN_CASES = [
    ("", "."), ("abc", "abc"), ("abc/def", "abc/def"), ("a/b/c", "a/b/c"), (".", "."), ("..", ".."),
    ("../..", "../.."), ("../../abc", "../../abc"), ("/abc", "/abc"), ("/", "/"), ("abc/", "abc"),
    ("abc/def/", "abc/def"), ("a/b/c/", "a/b/c"), ("./", "."), ("../", ".."), ("../../", "../.."),
    ("/abc/", "/abc"), ("abc//def//ghi", "abc/def/ghi"), ("//abc", "/abc"), ("///abc", "/abc"),
    ("//abc//", "/abc"), ("abc//", "abc"), ("abc/./def", "abc/def"), ("/./abc/def", "/abc/def"),
    ("abc/.", "abc"), ("abc/def/ghi/../jkl", "abc/def/jkl"), ("abc/def/../ghi/../jkl", "abc/jkl"),
    ("abc/def/..", "abc"), ("abc/def/../..", "."), ("/abc/def/../..", "/"), ("abc/def/../../..", ".."),
    ("/abc/def/../../..", "/"), ("abc/def/../../../ghi/jkl/../../../mno", "../../mno"),
    ("abc/./../def", "def"), ("abc//./../def", "def"), ("abc/../../././../def", "../../def"),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "cleaned"), GO_CLEAN_CASES)
def test_clean_path_matches_go(raw: str, cleaned: str) -> None:
    assert clean_path(raw) == cleaned


@given(st.text(alphabet="ab./", max_size=30))
def test_clean_path_is_idempotent_and_canonical(raw: str) -> None:
    cleaned = clean_path(raw)
    assert clean_path(cleaned) == cleaned
    rooted = clean_path("/" + raw)
    assert rooted.startswith("/")
    assert "//" not in rooted and "/./" not in rooted + "/" and "/../" not in rooted + "/"


@pytest.mark.parametrize(
    ("rest", "member_path"),
    [
        ("", ""),
        ("/", "/"),
        ("/api/v1/", "/api/v1/"),
        ("/api//v1", "/api/v1"),
        ("/a/../b/", "/b/"),
        ("/../../version", "/version"),
        ("//", "/"),
    ],
)
def test_proxy_subpath_keeps_a_trailing_slash(rest: str, member_path: str) -> None:
    assert clean_proxy_subpath(rest) == member_path


@pytest.mark.parametrize(
    ("raw", "parsed"),
    [
        ("prometheus-k8s", ServiceId("", "prometheus-k8s", "")),
        ("prometheus-k8s:web", ServiceId("", "prometheus-k8s", "web")),
        ("prometheus-k8s:9090", ServiceId("", "prometheus-k8s", "9090")),
        ("http:prometheus-k8s:9090", ServiceId("http", "prometheus-k8s", "9090")),
        ("https:svc:443", ServiceId("https", "svc", "443")),
        (":svc:443", ServiceId("", "svc", "443")),
        ("ftp:svc:21", None),
        ("a:b:c:d", None),
        ("", None),
        (":9090", None),
    ],
)
def test_split_service_id(raw: str, parsed: ServiceId | None) -> None:
    assert split_service_id(raw) == parsed


def test_match_service_proxy() -> None:
    target = match_service_proxy(
        "/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy/api/v1/query"
    )
    assert target is not None
    assert (target.namespace, target.service_id, target.subpath) == (
        "monitoring",
        "prometheus-k8s:web",
        "/api/v1/query",
    )
    bare = match_service_proxy("/api/v1/namespaces/monitoring/services/prometheus-k8s:web/proxy")
    assert bare is not None and bare.subpath == ""
    assert match_service_proxy("/api/v1/namespaces/monitoring/services/prometheus-k8s") is None


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/api/v1/namespaces/m/services/p:web/proxy/api/v1/query", "service_proxy"),
        ("/api/v1/namespaces/adc/pods/x/log", "logs"),
        ("/api/v1/namespaces/adc/pods", "pods"),
        ("/api/v1/namespaces/adc/pods/x", "pods"),
        ("/api/v1/pods", "pods"),
        ("/version", "other"),
        ("", "other"),
        ("/api/v1/namespaces", "other"),
    ],
)
def test_classify_member_path(path: str, kind: str) -> None:
    assert classify_member_path(path) == kind
