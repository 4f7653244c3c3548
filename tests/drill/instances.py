"""The app instances: `python -m entrypoints.cli serve` processes, started, stopped by
SIGTERM (the service drains its requests, then exits) and started again."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\w*: ")
"""A traceback's last line: the exception and its message, at the start of a line."""
START_SECONDS = 60.0
STOP_SECONDS = 30.0


class AppInstance:
    def __init__(self, name: str, port: int, env: dict[str, str], log: Path) -> None:
        self.name = name
        self.port = port
        self.base_url = f"http://127.0.0.1:{port}"
        self.log = log
        self._env = env
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        command = [sys.executable, "-m", "entrypoints.cli", "serve"]
        command += ["--host", "127.0.0.1", "--port", str(self.port), "--workers", "1"]
        # Appended to: a restart's lines follow the first run's.
        with self.log.open("ab") as log:
            self._process = subprocess.Popen(
                command,
                cwd=ROOT,
                env={**os.environ, **self._env},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
            )

    async def wait_ready(self) -> None:
        """Until /readyz answers 200: the instance reaches a primary."""
        deadline = time.monotonic() + START_SECONDS
        async with httpx.AsyncClient(base_url=self.base_url, timeout=3.0) as client:
            while True:
                if self._process is None or self._process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited while starting: see {self.log}")
                try:
                    if (await client.get("/readyz")).status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} not ready after {START_SECONDS:.0f} s")
                await asyncio.sleep(0.2)

    async def terminate(self) -> int:
        """SIGTERM, then the exit status once it has gone."""
        process = self._process
        if process is None:
            return 0
        process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_SECONDS
        while process.poll() is None:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} still running {STOP_SECONDS:.0f} s after SIGTERM")
            await asyncio.sleep(0.1)
        return process.returncode

    def kill(self) -> None:
        """On the way out, whatever happened: SIGTERM, and SIGKILL if it lingers."""
        process = self._process
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def errors_logged(self) -> list[str]:
        """The log's ERROR lines and the exceptions their tracebacks end in: evidence
        for a 500, in the instance's own words."""
        lines = self.log.read_text(errors="replace").splitlines() if self.log.exists() else []
        return [
            line
            for line in lines
            if (" ERROR " in line and "uvicorn.error" not in line) or _EXCEPTION.match(line)
        ]
