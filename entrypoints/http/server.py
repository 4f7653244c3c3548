"""How `serve` runs the app under uvicorn: the API port, and the operations port if any."""

from __future__ import annotations

import socket
import sys

import uvicorn
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
        http="httptools",
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
