"""Where a Cluster's apiEndpoint points, judged from the central cloud (pure)."""

from __future__ import annotations

import pytest

from i3plat.doctor import EndpointKind, classify_endpoint
from i3plat.doctor.endpoint import UNREACHABLE_KINDS


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://127.0.0.1:6443", EndpointKind.LOOPBACK),
        ("https://127.45.0.9:6443", EndpointKind.LOOPBACK),
        ("https://[::1]:6443", EndpointKind.LOOPBACK),
        ("https://[::ffff:127.0.0.1]:6443", EndpointKind.LOOPBACK),
        ("https://localhost:6443", EndpointKind.LOOPBACK),
        ("https://LocalHost.:6443", EndpointKind.LOOPBACK),
        ("https://api.localhost", EndpointKind.LOOPBACK),
        ("https://0.0.0.0:6443", EndpointKind.UNSPECIFIED),
        ("https://[::]:6443", EndpointKind.UNSPECIFIED),
        ("https://169.254.10.1:6443", EndpointKind.LINK_LOCAL),
        ("https://[fe80::1]:6443", EndpointKind.LINK_LOCAL),
        ("https://kubernetes.default.svc", EndpointKind.CLUSTER_LOCAL),
        ("https://kubernetes.default.svc.cluster.local:443", EndpointKind.CLUSTER_LOCAL),
        ("https://kubernetes:443", EndpointKind.CLUSTER_LOCAL),
        ("https://master01:6443", EndpointKind.UNQUALIFIED),
        ("https://10.20.1.5:6443", EndpointKind.PRIVATE),
        ("https://172.16.0.1:6443", EndpointKind.PRIVATE),
        ("https://192.168.1.10:6443", EndpointKind.PRIVATE),
        ("https://100.64.3.4:6443", EndpointKind.PRIVATE),
        ("https://[fd00::5]:6443", EndpointKind.PRIVATE),
        ("https://8.8.8.8:6443", EndpointKind.PUBLIC),
        ("https://site-b.example.net:6443", EndpointKind.HOSTNAME),
        ("https://rancher.example.com/k8s/clusters/c-1", EndpointKind.HOSTNAME),
        (None, EndpointKind.MISSING),
        ("", EndpointKind.MISSING),
        ("   ", EndpointKind.MISSING),
        ("10.20.1.5:6443", EndpointKind.INVALID),
        ("ftp://10.20.1.5", EndpointKind.INVALID),
        ("https://", EndpointKind.INVALID),
        ("https://10.20.1.5:99999", EndpointKind.INVALID),
        ("https://10.20.1.5:port", EndpointKind.INVALID),
    ],
)
def test_classify_endpoint(url: str | None, kind: EndpointKind) -> None:
    assert classify_endpoint(url).kind is kind


def test_host_is_reported_without_brackets() -> None:
    info = classify_endpoint("https://[::1]:6443")
    assert info.host == "::1" and info.url == "https://[::1]:6443"


def test_unreachable_kinds_are_exactly_the_ones_karmada_cannot_dial() -> None:
    assert {
        EndpointKind.LOOPBACK,
        EndpointKind.UNSPECIFIED,
        EndpointKind.LINK_LOCAL,
        EndpointKind.CLUSTER_LOCAL,
    } == UNREACHABLE_KINDS
    assert EndpointKind.PRIVATE not in UNREACHABLE_KINDS  # Pull/VPN sites may be private
