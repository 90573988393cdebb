"""The IdP's TLS: what the httpx client trusts, and how a refused certificate is reported."""

from __future__ import annotations

import re
import ssl
from pathlib import Path

import httpx
import pytest

from i3plat.auth.oidc import OidcError
from i3plat.auth.oidc_client import tls_verification, transport_failure
from tests.support.pki import make_pki


def test_without_a_bundle_httpx_keeps_its_default_trust_store() -> None:
    assert tls_verification(None) is True


def test_a_bundle_replaces_the_default_trust_store(tmp_path: Path) -> None:
    context = tls_verification(make_pki(tmp_path).ca_file)
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.cert_store_stats()["x509_ca"] == 1  # only the company CA, no public roots


def test_a_bundle_that_went_away_is_an_oidc_error_naming_the_setting(tmp_path: Path) -> None:
    with pytest.raises(OidcError, match=r"I3PLAT_OIDC_CA_BUNDLE .*gone\.pem.* cannot be loaded"):
        tls_verification(tmp_path / "gone.pem")


def verify_failure(code: int, message: str) -> httpx.ConnectError:
    """What httpx raises for a refused certificate: ConnectError, caused by the ssl error."""
    cause = ssl.SSLCertVerificationError(1, f"[SSL: CERTIFICATE_VERIFY_FAILED] {message}")
    cause.verify_code, cause.verify_message = code, message
    try:
        try:
            raise cause
        except ssl.SSLError as exc:
            raise httpx.ConnectError(str(exc)) from exc
    except httpx.ConnectError as error:
        return error


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        (20, "unable to get local issuer certificate", "not trusted .* set I3PLAT_OIDC_CA_BUNDLE"),
        (19, "self-signed certificate in certificate chain", "not trusted .* set I3PLAT_OIDC_CA_BUNDLE"),
        (62, "Hostname mismatch, certificate is not valid for 'sso'", "refused \\(Hostname mismatch"),
        (10, "certificate has expired", "refused \\(certificate has expired\\)$"),
    ],
)
def test_a_refused_certificate_is_named_with_the_right_hint(code: int, message: str, expected: str) -> None:
    error = transport_failure(verify_failure(code, message), "discovery")
    assert str(error).startswith("discovery: the provider's TLS certificate")
    assert re.search(expected, str(error)), str(error)


def test_other_transport_failures_keep_the_short_form() -> None:
    assert str(transport_failure(httpx.ReadTimeout("slow"), "JWKS")) == "JWKS unreachable: ReadTimeout"
