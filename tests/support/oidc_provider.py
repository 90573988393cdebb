"""A small but real OIDC provider for tests: discovery, JWKS, /authorize (PKCE), /token.

Served by werkzeug on 127.0.0.1 (ephemeral port) in its own thread; `stop()` ends it. Plain
HTTP by default; `tls=(cert, key)` serves HTTPS (an internal-CA IdP: see tests/support/pki.py).
It auto-approves one configured test user and signs RS256 ID tokens with an RSA key generated
when it starts (joserfc; no key is committed). `misbehaving(...)` switches it to answer wrongly
on purpose: a tampered payload, a foreign signing key, `alg: none`, the wrong audience, issuer
or nonce, an expired or stale token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import ssl
import threading
import time
import typing
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlencode

import flask
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import BaseWSGIServer, make_server

Misbehaviour = Literal[
    "tampered", "foreign_key", "alg_none", "wrong_audience", "wrong_issuer", "wrong_nonce", "expired", "stale"
]
MISBEHAVIOURS: tuple[Misbehaviour, ...] = typing.get_args(Misbehaviour)


@dataclass
class TestUser:
    __test__ = False  # not a pytest test class

    sub: str = "u-1001"
    preferred_username: str = "erin"
    name: str = "Erin Engineer"
    groups: list[str] = field(default_factory=lambda: ["staff", "i3plat-engineers"])


@dataclass
class Grant:
    client_id: str
    redirect_uri: str
    challenge: str
    nonce: str
    user: TestUser


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class OidcTestProvider:
    """Start with `OidcTestProvider.start(client_id, client_secret, redirect_uri)`; `stop()` it."""

    def __init__(self, client_id: str, client_secret: str | None, redirect_uri: str, role_claim: str) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.role_claim = role_claim
        self.user = TestUser()
        self.keys = [new_key("key-1")]
        self.hits: Counter[str] = Counter()
        self.misbehaviour: Misbehaviour | None = None
        self.grants: dict[str, Grant] = {}
        self.issued: list[str] = []
        """Every ID token handed out, so tests can check none leaks into logs or pages."""
        self.token_redirects: list[str] = []
        """The `redirect_uri` of every token request, as received."""
        self._lock = threading.Lock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.issuer = ""

    # ------------------------------------------------------------------ lifecycle
    @classmethod
    def start(
        cls,
        client_id: str,
        client_secret: str | None,
        redirect_uri: str,
        role_claim: str = "groups",
        *,
        tls: tuple[Path, Path] | None = None,
    ) -> OidcTestProvider:
        """`tls`: a server certificate (for 127.0.0.1) and its key file; the issuer is then https."""
        provider = cls(client_id, client_secret, redirect_uri, role_claim)
        context = None
        if tls is not None:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
        server = make_server("127.0.0.1", 0, provider.wsgi_app(), threaded=True, ssl_context=context)
        provider._server = server
        scheme = "https" if tls is not None else "http"
        provider.issuer = f"{scheme}://127.0.0.1:{server.server_port}/realms/test"
        provider._thread = threading.Thread(target=server.serve_forever, name="oidc-provider", daemon=True)
        provider._thread.start()
        return provider

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
            assert not self._thread.is_alive(), "the OIDC test provider did not stop"

    @contextmanager
    def misbehaving(self, how: Misbehaviour) -> Iterator[None]:
        self.misbehaviour = how
        try:
            yield
        finally:
            self.misbehaviour = None

    def rotate_key(self) -> None:
        """A new signing key; the JWKS keeps publishing the old one too (as providers do)."""
        self.keys.insert(0, new_key(f"key-{len(self.keys) + 1}"))

    # ------------------------------------------------------------------ tokens
    def id_token(self, grant: Grant) -> str:
        now = int(time.time())
        how = self.misbehaviour
        claims: dict[str, Any] = {
            "iss": "http://evil.example/realms/test" if how == "wrong_issuer" else self.issuer,
            "sub": grant.user.sub,
            "aud": "someone-else" if how == "wrong_audience" else grant.client_id,
            "iat": now - 7200 if how in ("expired", "stale") else now,
            "exp": now - 3600 if how == "expired" else now + 300,
            "nonce": "not-your-nonce" if how == "wrong_nonce" else grant.nonce,
            "name": grant.user.name,
            "preferred_username": grant.user.preferred_username,
            self.role_claim: list(grant.user.groups),
        }
        if how == "alg_none":
            header = b64(json.dumps({"alg": "none", "kid": self.keys[0].kid}).encode())
            token = f"{header}.{b64(json.dumps(claims).encode())}."
            self.issued.append(token)
            return token
        key = new_key(self.keys[0].kid or "key-1") if how == "foreign_key" else self.keys[0]
        token = jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)
        if how == "tampered":  # escalate the groups, keep the original signature
            header, _, signature = token.split(".")
            claims[self.role_claim] = ["i3plat-admins"]
            token = f"{header}.{b64(json.dumps(claims).encode())}.{signature}"
        self.issued.append(token)
        return token

    # ------------------------------------------------------------------ HTTP
    def wsgi_app(self) -> flask.Flask:
        app = flask.Flask("oidc-test-provider")

        @app.before_request
        def count() -> None:
            self.hits[flask.request.path.rsplit("/", 1)[-1]] += 1

        @app.get("/realms/test/.well-known/openid-configuration")
        def discovery() -> flask.Response:
            return flask.jsonify({
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/authorize",
                "token_endpoint": f"{self.issuer}/token",
                "jwks_uri": f"{self.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_basic", "none"],
            })  # fmt: skip

        @app.get("/realms/test/jwks")
        def jwks() -> flask.Response:
            return flask.jsonify(KeySet(list(self.keys)).as_dict(private=False))

        @app.get("/realms/test/authorize")
        def authorize() -> Any:
            args = flask.request.args
            if args.get("client_id") != self.client_id or args.get("redirect_uri") != self.redirect_uri:
                return flask.jsonify({"error": "invalid_request"}), 400  # never redirect to an unknown URI
            problems = [
                args.get("response_type") != "code",
                "openid" not in (args.get("scope") or "").split(),
                args.get("code_challenge_method") != "S256",
                not args.get("code_challenge"),
                not args.get("nonce"),
            ]
            if any(problems):
                refusal = urlencode({"error": "invalid_request", "state": args.get("state", "")})
                return flask.redirect(f"{self.redirect_uri}?{refusal}")
            code = secrets.token_urlsafe(24)
            with self._lock:
                self.grants[code] = Grant(
                    self.client_id, self.redirect_uri, args["code_challenge"], args["nonce"], self.user
                )
            query = urlencode({"code": code, "state": args.get("state", "")})
            return flask.redirect(f"{self.redirect_uri}?{query}")

        @app.post("/realms/test/token")
        def token() -> Any:
            form = flask.request.form
            self.token_redirects.append(form.get("redirect_uri", ""))
            client_id, secret = self.client_credentials(flask.request)
            if client_id != self.client_id or not hmac.compare_digest(secret or "", self.client_secret or ""):
                return flask.jsonify({"error": "invalid_client"}), 401
            with self._lock:
                grant = self.grants.pop(form.get("code", ""), None)  # single use
            if form.get("grant_type") != "authorization_code" or grant is None:
                return flask.jsonify({"error": "invalid_grant"}), 400
            if form.get("redirect_uri") != grant.redirect_uri or grant.client_id != client_id:
                return flask.jsonify({"error": "invalid_grant"}), 400
            if not hmac.compare_digest(s256(form.get("code_verifier", "")), grant.challenge):
                return flask.jsonify({"error": "invalid_grant", "error_description": "PKCE"}), 400
            return flask.jsonify({
                "access_token": secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": 300,
                "id_token": self.id_token(grant),
            })  # fmt: skip

        return app

    def client_credentials(self, request: flask.Request) -> tuple[str | None, str | None]:
        header = request.headers.get("Authorization", "")
        if header.startswith("Basic "):
            pair = base64.b64decode(header[6:]).decode()
            client_id, _, secret = pair.partition(":")
            return unquote(client_id), unquote(secret)
        return request.form.get("client_id"), request.form.get("client_secret")
