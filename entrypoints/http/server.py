"""How `serve` runs the app under uvicorn: the API port, and the operations port if any."""

from __future__ import annotations

import functools
import socket
import sys
from typing import Any

import orjson
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.supervisors import Multiprocess

from entrypoints.settings import Settings

APP = "entrypoints.http.app:app_from_environment"
STARTUP_FAILURE = 3


def serve(settings: Settings, host: str, port: int, workers: int) -> None:
    """Serve until a signal; with METRICS_PORT, every worker listens on both ports."""
    config = uvicorn.Config(
        APP,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop="uvloop",
        # A class uvicorn builds per connection; a partial pickles, for the worker processes.
        http=functools.partial(HeaderLimitedProtocol, max_head_bytes=settings.max_header_bytes),  # type: ignore[arg-type]
        access_log=False,
        server_header=False,
        date_header=False,
        log_config=None,
        proxy_headers=False,  # the app believes FORWARDED_ALLOW_IPS only
        timeout_graceful_shutdown=settings.shutdown_grace_seconds,
    )
    sockets = [config.bind_socket()]
    if settings.metrics_port is not None:
        sockets.append(_listen(host, settings.metrics_port))
    server = uvicorn.Server(config)
    try:
        if workers > 1:
            Multiprocess(config, sockets=sockets).run()
        else:
            server.run(sockets=sockets)
    except KeyboardInterrupt:  # Ctrl-C: uvicorn has drained, as uvicorn.run would
        pass
    if workers == 1 and not server.started:
        sys.exit(STARTUP_FAILURE)


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)  # the workers are other processes
    return sock


class _HeadTooLarge(Exception):
    pass


class HeaderLimitedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a limit on a request's head (request line and
    headers), which it otherwise reads without end: past the limit, 431 and the connection
    closes, before the head is even complete.

    Bytes are counted as they arrive while a head is being read (so one endless header
    cannot grow unseen inside the parser), and header by header as the parser completes
    them (so a head that arrives in one read is measured exactly).
    """

    def __init__(self, *args: Any, max_head_bytes: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_head_bytes = max_head_bytes
        self._in_body = False
        self._arrived = 0  # bytes received since the current head began
        self._head = 0  # bytes of the current head the parser has completed so far

    def data_received(self, data: bytes) -> None:
        if not self._in_body:
            self._arrived += len(data)
        super().data_received(data)
        if not self._in_body and self._arrived > self.max_head_bytes:
            self._refuse()

    def send_400_response(self, msg: str) -> None:
        # The parser reports an exception from a callback as a malformed request.
        if self._head > self.max_head_bytes:
            self._refuse()
        else:
            super().send_400_response(msg)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head = 0

    def on_url(self, url: bytes) -> None:
        self._count(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count(len(name) + len(value) + 4)  # ": " and CRLF
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._in_body, self._arrived = True, 0
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._in_body, self._arrived = False, 0
        super().on_message_complete()

    def _count(self, size: int) -> None:
        self._head += size
        if self._head > self.max_head_bytes:
            raise _HeadTooLarge()

    def _refuse(self) -> None:
        if self.transport.is_closing():
            return
        body = orjson.dumps(
            {"errors": {"headers": [f"are too large (maximum is {self.max_head_bytes} bytes)"]}}
        )
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: application/json\r\n"
            b"content-length: " + str(len(body)).encode() + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self.transport.close()
