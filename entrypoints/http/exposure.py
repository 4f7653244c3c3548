"""Which port answers what: /metrics is never public outside development."""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from entrypoints.http.middleware import send_json

METRICS = "/metrics"
OPERATIONS = frozenset({METRICS, "/livez", "/readyz"})


class OperationsPortMiddleware:
    """With an operations port (METRICS_PORT), requests that arrive there reach only
    /metrics, /livez and /readyz, and /metrics is answered only there. Without one,
    /metrics is answered on the API port when `metrics_public` (development), else 404."""

    def __init__(self, app: ASGIApp, operations_port: int | None, metrics_public: bool) -> None:
        self.app = app
        self.operations_port = operations_port
        self.metrics_public = metrics_public

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._answers(scope):
            await send_json(send, 404, {"errors": {"route": ["not found"]}})
            return
        await self.app(scope, receive, send)

    def _answers(self, scope: Scope) -> bool:
        path: str = scope["path"]
        if self.operations_port is None:
            return path != METRICS or self.metrics_public
        server = scope.get("server")
        on_operations_port = server is not None and server[1] == self.operations_port
        if on_operations_port:
            return path in OPERATIONS
        return path != METRICS
