"""The client over real HTTPS on loopback: CA verification, bearer tokens, client certificates,
tls-server-name, proxy-url (HTTP CONNECT), and how transport failures are reported."""

from __future__ import annotations

import base64
import json
import select
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from karmada_test_helpers import load_fixture

from i3plat.karmada_client import (
    ClientConfig,
    ClientTimeout,
    ConnectError,
    KarmadaClient,
    NotFound,
    TLSError,
    TransportError,
    Unauthorized,
)
from tests.support.pki import Pki

TOKEN = "loopback-token"


class _Handler(BaseHTTPRequestHandler):
    server: _TLSServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.server.seen.append(
            (
                self.path,
                self.headers.get("Authorization"),
                self.connection.getpeercert() if isinstance(self.connection, ssl.SSLSocket) else None,
            )
        )
        if self.path.endswith("/slow/proxy/version"):
            time.sleep(1.0)
        if self.headers.get("Authorization") != f"Bearer {TOKEN}" and self.server.require_token:
            self._send(
                401,
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Failure",
                    "message": "Unauthorized",
                    "reason": "Unauthorized",
                    "code": 401,
                },
            )
        elif self.path == "/apis/cluster.karmada.io/v1alpha1/clusters":
            self._send(200, load_fixture("cluster_list.json"))
        elif self.path.endswith("/proxy/version"):
            self._send(200, {"gitVersion": "v1.31.4"})
        else:
            self._send(
                404,
                {
                    "kind": "Status",
                    "apiVersion": "v1",
                    "metadata": {},
                    "status": "Failure",
                    "message": "the server could not find the requested resource",
                    "reason": "NotFound",
                    "details": {},
                    "code": 404,
                },
            )

    def _send(self, code: int, body: Any) -> None:
        data = json.dumps(body).encode()
        try:
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except OSError:
            pass


class _TLSServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, ctx: ssl.SSLContext) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.ctx = ctx
        self.seen: list[tuple[str, str | None, Any]] = []
        self.require_token = True

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, addr = super().get_request()
        return self.ctx.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # failed handshakes are what some tests provoke


def _serve(pki: Pki, *, require_client_cert: bool = False) -> Iterator[_TLSServer]:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(pki.server_cert, pki.server_key)
    if require_client_cert:
        ctx.verify_mode = ssl.CERT_REQUIRED
        ctx.load_verify_locations(cafile=str(pki.ca_file))
    server = _TLSServer(ctx)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def https(pki: Pki) -> Iterator[_TLSServer]:
    yield from _serve(pki)


@pytest.fixture
def mtls(pki: Pki) -> Iterator[_TLSServer]:
    yield from _serve(pki, require_client_cert=True)


def _url(server: _TLSServer, host: str = "127.0.0.1") -> str:
    return f"https://{host}:{server.server_address[1]}"


def test_ca_verification_and_bearer_token(https: _TLSServer, pki: Pki) -> None:
    with KarmadaClient(ClientConfig(server=_url(https), ca_data=pki.ca_pem, token=TOKEN)) as client:
        assert [c.name for c in client.clusters()] == ["site-a", "site-b"]
        assert client.member_version("site-a") == {"gitVersion": "v1.31.4"}
        with pytest.raises(NotFound):
            client.proxy("site-a", "GET", "/api/v1/nope")
    assert https.seen[0][:2] == ("/apis/cluster.karmada.io/v1alpha1/clusters", f"Bearer {TOKEN}")
    with KarmadaClient(
        ClientConfig(server=_url(https, "localhost"), ca_file=str(pki.ca_file), token=TOKEN)
    ) as c:
        assert len(c.clusters()) == 2


def test_wrong_token_is_unauthorized(https: _TLSServer, pki: Pki) -> None:
    with (
        KarmadaClient(ClientConfig(server=_url(https), ca_data=pki.ca_pem, token="wrong")) as client,
        pytest.raises(Unauthorized),
    ):
        client.clusters()


def test_untrusted_server_is_a_tls_error(https: _TLSServer, pki: Pki) -> None:
    with (
        KarmadaClient(
            ClientConfig(server=_url(https), ca_file=str(pki.other_ca_file), token=TOKEN)
        ) as client,
        pytest.raises(TLSError) as info,
    ):
        client.member_version("site-a")
    assert info.value.cluster == "site-a" and info.value.status_code is None
    assert info.value.remedy and "certificate-authority" in info.value.remedy
    assert "CERTIFICATE_VERIFY_FAILED" in str(info.value)


def test_insecure_skip_verify(https: _TLSServer) -> None:
    with KarmadaClient(
        ClientConfig(server=_url(https), insecure_skip_tls_verify=True, token=TOKEN)
    ) as client:
        assert len(client.clusters()) == 2


def test_tls_server_name_is_used_for_verification(https: _TLSServer, pki: Pki) -> None:
    ok = ClientConfig(server=_url(https), ca_data=pki.ca_pem, token=TOKEN, tls_server_name="karmada.test")
    with KarmadaClient(ok) as client:
        assert len(client.clusters()) == 2
    bad = ClientConfig(server=_url(https), ca_data=pki.ca_pem, token=TOKEN, tls_server_name="wrong.test")
    with KarmadaClient(bad) as client, pytest.raises(TLSError) as info:
        client.clusters()
    assert info.value.remedy and "tls-server-name" in info.value.remedy


def test_client_certificate_data(mtls: _TLSServer, pki: Pki) -> None:
    mtls.require_token = False
    cfg = ClientConfig(
        server=_url(mtls), ca_data=pki.ca_pem, client_cert_data=(pki.client_cert_pem, pki.client_key_pem)
    )
    with KarmadaClient(cfg) as client:
        assert len(client.clusters()) == 2
    peer = mtls.seen[-1][2]
    assert (
        peer
        and dict(x[0] for x in peer["subject"])["commonName"] == "system:serviceaccount:monitoring:site-dash"
    )
    files = ClientConfig(
        server=_url(mtls), ca_file=str(pki.ca_file), client_cert=(str(pki.client_cert), str(pki.client_key))
    )
    with KarmadaClient(files) as client:
        assert len(client.clusters()) == 2


def test_missing_client_certificate_is_a_tls_error(mtls: _TLSServer, pki: Pki) -> None:
    with (
        KarmadaClient(ClientConfig(server=_url(mtls), ca_data=pki.ca_pem, token=TOKEN)) as client,
        pytest.raises(TLSError) as info,
    ):
        client.clusters()
    assert isinstance(info.value, TransportError)
    assert info.value.remedy and "client-certificate" in info.value.remedy


def test_connection_refused() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with (
        KarmadaClient(
            ClientConfig(server=f"https://127.0.0.1:{port}", insecure_skip_tls_verify=True)
        ) as client,
        pytest.raises(ConnectError) as info,
    ):
        client.member_version("site-a")
    assert info.value.cluster == "site-a" and info.value.remedy


def test_read_timeout_names_the_phase(https: _TLSServer, pki: Pki) -> None:
    cfg = ClientConfig(server=_url(https), ca_data=pki.ca_pem, token=TOKEN)
    with KarmadaClient(cfg, timeout=0.3) as client, pytest.raises(ClientTimeout) as info:
        client.member_version("slow")
    assert info.value.phase == "read" and info.value.cluster == "slow"


# ---------------------------------------------------------------------------------------------
# proxy-url


class _ConnectHandler(socketserver.BaseRequestHandler):
    server: _ConnectProxy

    def handle(self) -> None:
        sock: socket.socket = self.request
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(4096)
            if not chunk:
                return
            data += chunk
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
        method, target, _ = head[0].split(" ", 2)
        headers = dict(line.split(": ", 1) for line in head[1:] if ": " in line)
        self.server.connects.append((method, target, headers.get("Proxy-Authorization")))
        if method != "CONNECT":
            sock.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
            return
        host, port = target.rsplit(":", 1)
        with socket.create_connection((host, int(port)), timeout=5) as upstream:
            sock.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            pair = [sock, upstream]
            while True:
                readable, _, _ = select.select(pair, [], [], 5)
                if not readable:
                    return
                for r in readable:
                    chunk = r.recv(65536)
                    if not chunk:
                        return
                    (upstream if r is sock else sock).sendall(chunk)


class _ConnectProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ConnectHandler)
        self.connects: list[tuple[str, str, str | None]] = []


@pytest.fixture
def connect_proxy() -> Iterator[_ConnectProxy]:
    proxy = _ConnectProxy()
    thread = threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield proxy
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join(5)


def test_proxy_url_tunnels_with_connect(https: _TLSServer, pki: Pki, connect_proxy: _ConnectProxy) -> None:
    proxy_url = f"http://user:pw@127.0.0.1:{connect_proxy.server_address[1]}"
    cfg = ClientConfig(server=_url(https, "localhost"), ca_data=pki.ca_pem, token=TOKEN, proxy_url=proxy_url)
    with KarmadaClient(cfg) as client:
        assert len(client.clusters()) == 2
        with client.service_client("site-a", "monitoring", "prometheus-k8s", port=9090) as sc:
            assert sc.get("/api/v1/query").status_code == 404
    method, target, auth = connect_proxy.connects[0]
    assert (method, target) == ("CONNECT", f"localhost:{https.server_address[1]}")
    assert auth == "Basic " + base64.b64encode(b"user:pw").decode()
    # the bearer token travelled inside the tunnel, not to the proxy
    assert https.seen[0][1] == f"Bearer {TOKEN}"


def test_unreachable_proxy_is_a_connect_error(https: _TLSServer, pki: Pki) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cfg = ClientConfig(
        server=_url(https), ca_data=pki.ca_pem, token=TOKEN, proxy_url=f"http://127.0.0.1:{port}"
    )
    with KarmadaClient(cfg) as client, pytest.raises(ConnectError):
        client.clusters()
