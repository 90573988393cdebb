"""Talking to the OIDC provider: discovery, JWKS (cached), the code exchange, ID token checks.

One httpx client is the choke point for every request to the provider (bounded timeout, TLS
verification on, against `I3PLAT_OIDC_CA_BUNDLE` when set, injectable transport for tests).
Pure helpers build the authorization URL and validate claims; `OidcProvider` only adds the
HTTP and the caches. Every failure is an `OidcError` whose message names what was wrong and
never contains a token or a secret.
"""

from __future__ import annotations

import base64
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from authlib.oauth2.rfc6749.parameters import prepare_grant_uri  # type: ignore[import-untyped]
from authlib.oauth2.rfc7636 import create_s256_code_challenge  # type: ignore[import-untyped]
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from i3plat.auth.oidc import OidcError

DISCOVERY_PATH = "/.well-known/openid-configuration"
DEFAULT_TIMEOUT = 10.0
JWKS_TTL = 3600.0
JWKS_REFRESH_FLOOR = 60.0
"""At most one JWKS refetch per minute for an unknown `kid` (no amplification of garbage)."""
CLOCK_LEEWAY = 60
MAX_ID_TOKEN_AGE = 600
MAX_RESPONSE_BYTES = 512 * 1024
SIGNING_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")
"""Asymmetric only: an ID token signed with the client secret (HS256) is never accepted."""
LOOPBACK_HOSTS = ("127.0.0.1", "::1", "localhost")
UNKNOWN_ISSUER_CODES = frozenset({2, 18, 19, 20, 21})
"""OpenSSL verify codes that mean "issued by a CA we do not trust" (X509_V_ERR_UNABLE_TO_GET_…)."""


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


def check_issuer_url(issuer: str) -> str:
    """https only, except on loopback (development and the tests' provider); no query/fragment."""
    parts = urlsplit(issuer)
    local = parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS
    if not (parts.scheme == "https" or local) or not parts.netloc or parts.query or parts.fragment:
        raise OidcError(f"oidc_issuer {issuer!r} must be an https:// URL (http only on loopback)")
    return issuer.rstrip("/")


def parse_metadata(document: Any, issuer: str) -> ProviderMetadata:
    """The discovery document, checked: it must name our issuer exactly (OIDC Discovery §4.3)."""
    if not isinstance(document, Mapping):
        raise OidcError("discovery document is not a JSON object")
    values = {}
    for name in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = document.get(name)
        if not isinstance(value, str) or not value:
            raise OidcError(f"discovery document lacks {name!r}")
        values[name] = value
    if values["issuer"].rstrip("/") != issuer.rstrip("/"):
        raise OidcError(f"discovery issuer {values['issuer']!r} is not the configured {issuer!r}")
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        check_issuer_url(values[name])  # same transport rules as the issuer
    return ProviderMetadata(**values)


def authorization_url(
    metadata: ProviderMetadata,
    *,
    client_id: str,
    redirect_uri: str,
    scopes: tuple[str, ...],
    state: str,
    nonce: str,
    code_verifier: str,
) -> str:
    """The provider URL the browser is sent to (code flow, PKCE S256, nonce)."""
    url: str = prepare_grant_uri(
        metadata.authorization_endpoint, client_id, "code", redirect_uri=redirect_uri,
        scope=" ".join(scopes), state=state, nonce=nonce,
        code_challenge=create_s256_code_challenge(code_verifier), code_challenge_method="S256",
    )  # fmt: skip
    return url


def claims_registry(issuer: str, client_id: str, nonce: str, now: int) -> JWTClaimsRegistry:
    return JWTClaimsRegistry(
        now=now,
        leeway=CLOCK_LEEWAY,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )


def validate_claims(claims: Mapping[str, Any], issuer: str, client_id: str, nonce: str, now: int) -> None:
    """OIDC Core §3.1.3.7: iss, aud (and azp), exp, iat (not too old), nonce."""
    try:
        claims_registry(issuer, client_id, nonce, now).validate(dict(claims))
    except JoseError as exc:
        raise OidcError(f"ID token claims refused: {exc.error}: {exc.description or ''}".strip()) from None
    audience = claims.get("aud")
    if isinstance(audience, list) and len(audience) > 1 and claims.get("azp") != client_id:
        raise OidcError("ID token has several audiences and azp is not our client id")
    issued = claims.get("iat")
    if isinstance(issued, int | float) and issued < now - MAX_ID_TOKEN_AGE - CLOCK_LEEWAY:
        raise OidcError(f"ID token was issued {now - int(issued)} s ago (limit {MAX_ID_TOKEN_AGE} s)")


def tls_verification(ca_bundle: Path | None) -> ssl.SSLContext | bool:
    """What httpx verifies the provider's certificate against: the bundle only, else its default."""
    if ca_bundle is None:
        return True
    try:
        return ssl.create_default_context(cafile=str(ca_bundle))
    except (ssl.SSLError, OSError) as exc:  # it was checked at start-up: changed since
        reason = getattr(exc, "reason", None) or exc.strerror or type(exc).__name__
        raise OidcError(f"I3PLAT_OIDC_CA_BUNDLE {str(ca_bundle)!r} cannot be loaded: {reason}") from None


def transport_failure(exc: httpx.HTTPError, what: str) -> OidcError:
    """Name a refused certificate plainly: the usual cause is an internal CA nobody configured."""
    cause: BaseException | None = exc
    for _ in range(8):  # httpx → httpcore → ssl; bounded in case a chain loops
        if cause is None:
            break
        if isinstance(cause, ssl.SSLCertVerificationError):
            if cause.verify_code not in UNKNOWN_ISSUER_CODES:  # e.g. expired, or another host's name
                reason = cause.verify_message
                return OidcError(f"{what}: the provider's TLS certificate is refused ({reason})")
            return OidcError(
                f"{what}: the provider's TLS certificate is not trusted ({cause.verify_message}); "
                "set I3PLAT_OIDC_CA_BUNDLE to the CA certificates that issued it"
            )
        if isinstance(cause, ssl.SSLError):
            return OidcError(f"{what}: TLS handshake failed ({cause.reason})")
        cause = cause.__cause__ or cause.__context__
    return OidcError(f"{what} unreachable: {type(exc).__name__}")


def basic_credentials(client_id: str, client_secret: str) -> str:
    """client_secret_basic: both parts form-encoded before base64 (RFC 6749 §2.3.1)."""
    pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode()


def read_json(response: httpx.Response, what: str) -> Any:
    if response.status_code != 200:
        code = ""
        try:
            body = response.json()
            code = str(body.get("error", ""))[:64] if isinstance(body, dict) else ""
        except ValueError:
            pass
        raise OidcError(f"{what} answered HTTP {response.status_code} {code}".strip())
    if len(response.content) > MAX_RESPONSE_BYTES:
        raise OidcError(f"{what} answer is larger than {MAX_RESPONSE_BYTES} bytes")
    try:
        return response.json()
    except ValueError:
        raise OidcError(f"{what} answer is not JSON") from None


class OidcProvider:
    """The configured provider: discovery and JWKS fetched lazily and cached, thread-safe."""

    def __init__(
        self,
        issuer: str,
        client_id: str,
        client_secret: str | None = None,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        transport: httpx.BaseTransport | None = None,
        verify: ssl.SSLContext | bool = True,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.issuer = check_issuer_url(issuer)
        self.client_id = client_id
        self.client_secret = client_secret
        self.clock = clock
        self.http = httpx.Client(timeout=timeout, transport=transport, verify=verify, follow_redirects=False)
        self._lock = threading.Lock()
        self._metadata: ProviderMetadata | None = None
        self._keys: KeySet | None = None
        self._keys_at = float("-inf")

    def close(self) -> None:
        self.http.close()

    def get(self, url: str, what: str) -> Any:
        try:
            response = self.http.get(url, headers={"Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise transport_failure(exc, what) from None
        return read_json(response, what)

    def metadata(self) -> ProviderMetadata:
        with self._lock:
            if self._metadata is None:
                document = self.get(self.issuer + DISCOVERY_PATH, "discovery")
                self._metadata = parse_metadata(document, self.issuer)
            return self._metadata

    def key_set(self, *, refresh: bool = False) -> KeySet:
        """The provider's JWKS; `refresh` refetches (key rotation) unless fetched < a minute ago."""
        metadata = self.metadata()
        with self._lock:
            age = self.clock() - self._keys_at
            stale = self._keys is None or age > JWKS_TTL or (refresh and age > JWKS_REFRESH_FLOOR)
            if stale:
                document = self.get(metadata.jwks_uri, "JWKS")
                try:
                    self._keys = KeySet.import_key_set(document)
                except (JoseError, ValueError, TypeError, KeyError) as exc:
                    raise OidcError(f"JWKS cannot be read: {type(exc).__name__}") from None
                self._keys_at = self.clock()
            assert self._keys is not None
            return self._keys

    def exchange_code(self, code: str, code_verifier: str, redirect_uri: str) -> str:
        """The code (and PKCE verifier) for tokens; returns the raw ID token."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "code_verifier": code_verifier}  # fmt: skip
        headers = {"Accept": "application/json"}
        if self.client_secret:
            headers["Authorization"] = basic_credentials(self.client_id, self.client_secret)
        else:
            form["client_id"] = self.client_id  # a public client: PKCE is its proof
        try:
            response = self.http.post(self.metadata().token_endpoint, data=form, headers=headers)
        except httpx.HTTPError as exc:
            raise transport_failure(exc, "token endpoint") from None
        answer = read_json(response, "token endpoint")
        id_token = answer.get("id_token") if isinstance(answer, dict) else None
        if not isinstance(id_token, str) or not id_token:
            raise OidcError("token endpoint answer has no id_token")
        return id_token

    def verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """Signature against the JWKS (refetched once for an unknown key id), then the claims."""
        try:
            token = jwt.decode(id_token, self.key_set(), algorithms=SIGNING_ALGORITHMS)
        except JoseError as exc:
            if exc.error != "invalid_key_id":
                raise OidcError(f"ID token refused: {exc.error}") from None
            try:
                token = jwt.decode(id_token, self.key_set(refresh=True), algorithms=SIGNING_ALGORITHMS)
            except JoseError as again:
                raise OidcError(f"ID token refused: {again.error}") from None
        except (ValueError, TypeError):
            raise OidcError("ID token is malformed") from None
        claims = dict(token.claims)
        validate_claims(claims, self.issuer, self.client_id, nonce, int(self.clock()))
        return claims
