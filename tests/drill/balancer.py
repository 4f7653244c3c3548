"""The drill's load balancer: two app instances, requests counted per phase, and draining.

A backend being drained gets no new request; `drain` returns once its requests in flight
have all been answered, so stopping it then cuts nobody off.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.drill.stats import Recorder
from tests.drill.timeline import Timeline

SHOWN_FAILURES = 3
"""Per phase, the first few non-2xx go to the timeline; the results file has more."""
CLIENT_TIMEOUT = httpx.Timeout(15.0, connect=3.0)
"""Above the instances' 5 s request deadline: a slow request is answered 503 by them."""


UPSTREAM_KEEPALIVE = httpx.Limits(keepalive_expiry=2.0)
"""A balancer closes idle upstream connections before the server does (uvicorn: after 5 s),
or a request sent as the server closes one is lost on the way (as nginx is told to)."""


def new_client(base_url: str) -> httpx.AsyncClient:
    return httpx.AsyncClient(base_url=base_url, timeout=CLIENT_TIMEOUT, limits=UPSTREAM_KEEPALIVE)


@dataclass
class Backend:
    name: str
    base_url: str
    client: httpx.AsyncClient
    in_flight: int = 0
    draining: bool = False
    idle: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class Answer:
    """A response, or `status` "conn" when the request got none (the body names why)."""

    status: str
    body: Any = None

    @property
    def ok(self) -> bool:
        return self.status.startswith("2")


class Balancer:
    def __init__(self, backends: list[Backend], recorder: Recorder, timeline: Timeline) -> None:
        self.backends = backends
        self.recorder = recorder
        self.timeline = timeline
        self.failures: list[str] = []
        """Every non-2xx: when, which phase and instance, the request and the answer."""

    def pick(self, preferred: int) -> Backend:
        """`preferred` (0 or 1) unless it is draining; then the other one."""
        backend = self.backends[preferred % len(self.backends)]
        if backend.draining:
            backend = next(b for b in self.backends if not b.draining)
        return backend

    async def send(
        self,
        preferred: int,
        method: str,
        path: str,
        *,
        token: str | None = None,
        body: dict[str, Any] | None = None,
        write: bool = False,
    ) -> Answer:
        # Picked and counted in one step of the event loop: a drain started after this
        # line waits for the request.
        backend = self.pick(preferred)
        backend.in_flight += 1
        backend.idle.clear()
        phase = self.recorder.current
        headers = {"Authorization": f"Token {token}"} if token else None
        started = time.monotonic()
        try:
            response = await backend.client.request(method, path, headers=headers, json=body)
        except httpx.TransportError as error:
            answer = Answer("conn", f"{type(error).__name__}: {error}")
        else:
            answer = Answer(str(response.status_code), _json(response))
        finally:
            backend.in_flight -= 1
            if backend.in_flight == 0:
                backend.idle.set()
        if phase is not None:
            phase.record(answer.status, (time.monotonic() - started) * 1000)
            if not answer.ok:
                self._failed(phase.name, phase.non_2xx, backend, f"{method} {path}", answer)
        if write and answer.ok:
            self.recorder.write_acks.append(time.monotonic())
        return answer

    def _failed(
        self, phase: str, count: int, backend: Backend, request: str, answer: Answer
    ) -> None:
        detail = f"{phase}: {backend.name} {request} -> {answer.status} {str(answer.body)[:160]}"
        self.failures.append(f"[{self.timeline.elapsed():6.1f} s] {detail}")
        if count <= SHOWN_FAILURES:
            self.timeline.say(f"non-2xx in {detail}")

    async def drain(self, index: int) -> None:
        backend = self.backends[index]
        backend.draining = True
        if backend.in_flight:
            await backend.idle.wait()
        # Its kept-alive connections die with it: the balancer opens new ones after.
        await backend.client.aclose()

    def restore(self, index: int) -> None:
        backend = self.backends[index]
        backend.client = new_client(backend.base_url)
        backend.draining = False

    async def close(self) -> None:
        for backend in self.backends:
            await backend.client.aclose()


def _json(response: httpx.Response) -> Any:
    try:
        return response.json() if response.content else None
    except ValueError:  # a proxy's or a crash's plain text: the status says enough
        return None
