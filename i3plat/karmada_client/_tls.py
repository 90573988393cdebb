"""TLS context and bearer-token authentication built from a `ClientConfig`."""

from __future__ import annotations

import os
import ssl
import tempfile
import threading
import time
from collections.abc import Callable, Generator
from pathlib import Path

import httpx

from ._config import ClientConfig
from ._errors import ConfigError

__all__ = ["TokenAuth", "build_ssl_context"]

TOKEN_REFRESH_SECONDS = 60.0


def build_ssl_context(config: ClientConfig) -> ssl.SSLContext:
    """An SSL context that trusts the configured CA (system roots when none) and presents the
    client certificate if one is configured. Inline key material is written to a private
    temporary directory (0700, files 0600) only for the moment `load_cert_chain` reads it."""
    ctx = ssl.create_default_context(ssl.Purpose.SERVER_AUTH)
    if config.insecure_skip_tls_verify:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    try:
        if config.ca_file:
            ctx.load_verify_locations(cafile=config.ca_file)
        elif config.ca_data:
            data = config.ca_data
            if b"-----BEGIN" in data:
                ctx.load_verify_locations(cadata=data.decode("ascii", errors="strict"))
            else:
                ctx.load_verify_locations(cadata=data)
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot load certificate-authority: {exc}",
            remedy="certificate-authority(-data) must hold PEM CA certificates",
        ) from None
    try:
        if config.client_cert is not None:
            ctx.load_cert_chain(certfile=config.client_cert[0], keyfile=config.client_cert[1])
        elif config.client_cert_data is not None:
            with tempfile.TemporaryDirectory(prefix="i3plat-tls-") as tmp:
                os.chmod(tmp, 0o700)
                cert, key = Path(tmp) / "client.crt", Path(tmp) / "client.key"
                for p, data in ((cert, config.client_cert_data[0]), (key, config.client_cert_data[1])):
                    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                    with os.fdopen(fd, "wb") as fh:
                        fh.write(data)
                ctx.load_cert_chain(certfile=str(cert), keyfile=str(key))
    except (ssl.SSLError, OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot load client-certificate/client-key: {exc}",
            remedy="they must be a PEM certificate and its matching unencrypted key",
        ) from None
    return ctx


class TokenAuth(httpx.Auth):
    """Bearer token auth. With a token file, the file is re-read every minute and after a 401
    (then the request is retried once if the token changed); the static token is the fallback.
    Thread-safe; one instance may serve several clients."""

    def __init__(
        self, token: str | None, token_file: str | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._static = token
        self._file = token_file
        self._clock = clock
        self._lock = threading.Lock()
        self._cached: str | None = None
        self._read_at = float("-inf")

    def _read_file(self) -> str | None:
        assert self._file is not None
        try:
            text = Path(self._file).read_text(encoding="utf-8").strip()
        except OSError:
            return None
        return text or None

    def token(self, *, force: bool = False) -> str | None:
        if self._file is None:
            return self._static
        with self._lock:
            now = self._clock()
            if force or self._cached is None or now - self._read_at >= TOKEN_REFRESH_SECONDS:
                fresh = self._read_file()
                if fresh is not None:
                    self._cached, self._read_at = fresh, now
                elif self._cached is None and self._static is None:
                    raise ConfigError(
                        f"cannot read tokenFile {self._file!r}",
                        remedy="check the file exists and is readable (tokens rotate)",
                    )
            return self._cached or self._static

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self.token()
        if token:
            request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401 and self._file is not None:
            fresh = self.token(force=True)
            if fresh and fresh != token:
                request.headers["Authorization"] = f"Bearer {fresh}"
                yield request
