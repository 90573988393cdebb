"""Threaded HTTPS server with HTTP/1.1 keep-alive, built on Werkzeug's request handler.

Two departures from Werkzeug's dev server, both for fidelity and speed:
- Werkzeug closes every connection after one response; a kube-apiserver keeps it alive, and a
  fresh TLS handshake per request would cost the console's tests ~5-10 ms each. Responses here
  are buffered Werkzeug `Response`s written with a Content-Length, and the request body is always
  read fully first, so the connection can safely carry the next request.
- Werkzeug's TLS wrapping handshakes inside `accept()`, so one silent client could stall the
  accept loop; here the handshake happens on the first read in the connection's own thread.
`stop()` also shuts down idle keep-alive connections, so a stopped server answers nobody.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import ssl
import threading
from typing import Any, Protocol

from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wrappers import Request, Response

from ._responses import status_response
from ._status import build_internal_error

log = logging.getLogger("i3plat.federation_sim")


class Dispatcher(Protocol):
    """What the server calls for each request."""

    def dispatch(self, request: Request) -> Response: ...


class KeepAliveRequestHandler(WSGIRequestHandler):
    """Runs the dispatcher directly and keeps HTTP/1.1 connections open; no access log on stderr."""

    protocol_version = "HTTP/1.1"
    timeout = 120  # idle keep-alive connections are closed after this many seconds
    server: SimHTTPSServer

    def run_wsgi(self) -> None:
        if self.headers.get("Expect", "").lower().strip(" \t") == "100-continue":
            self.wfile.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        environ = self.make_environ()
        request = Request(environ)
        request.get_data()  # consume the whole body so the next request line is where we expect it
        try:
            response = self.server.dispatcher.dispatch(request)
        except Exception:
            log.exception("simulator failed on %s %s", request.method, request.path)
            response = status_response(build_internal_error("internal error in the federation simulator"))
        body = response.get_data()
        self.send_response_only(response.status_code, response.status.partition(" ")[2])
        self.send_header("Date", self.date_time_string())
        for key, value in response.headers.items():
            if key.lower() not in ("content-length", "connection", "transfer-encoding"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if request.method != "HEAD":
            self.wfile.write(body)
        self.wfile.flush()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        return None

    def log(self, type: str, message: str, *args: Any) -> None:
        log.debug("%s: " + message, type, *args)


class SimHTTPSServer(ThreadedWSGIServer):
    """A threaded server bound to `host:port` speaking TLS with `context`."""

    def __init__(self, host: str, port: int, dispatcher: Dispatcher, context: ssl.SSLContext) -> None:
        super().__init__(host, port, app=None, handler=KeepAliveRequestHandler)  # type: ignore[arg-type]
        self.dispatcher = dispatcher
        self.socket = context.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.ssl_context = context
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept with TCP_NODELAY (headers and body are separate writes) and remember the connection."""
        connection, address = super().get_request()
        connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._connections_lock:
            self._connections.add(connection)
        return connection, address

    def shutdown_request(self, request: Any) -> None:
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection error from %s", client_address, exc_info=True)

    def start_background(self) -> None:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="federation-sim-https",
            daemon=True,
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, close the listening socket and cut every open keep-alive connection."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join(timeout)
            self._thread = None
        self.server_close()
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
