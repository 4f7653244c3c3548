"""A plain-text progress bar on stderr for the long-running CLI commands."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30
REDRAW_SECONDS = 0.1


class ProgressBar:
    """Redrawn in place on a terminal; elsewhere (logs, CI) one line per tenth of the way."""

    def __init__(self, label: str, total: int, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.done = 0
        self._stream = stream or sys.stderr
        self._live = self._stream.isatty()
        self._drawn_at = 0.0
        self._tenths_shown = -1
        self._last_line = ""
        self._draw(force=True)

    def advance(self, steps: int = 1) -> None:
        self.done += steps
        self._draw(force=False)

    def close(self) -> None:
        """The final state, on a line of its own."""
        self._draw(force=True)
        if self._live:
            self._stream.write("\n")
            self._stream.flush()

    def line(self) -> str:
        share = 1.0 if self.total <= 0 else min(self.done / self.total, 1.0)
        filled = round(share * WIDTH)
        bar = "#" * filled + "-" * (WIDTH - filled)
        return f"{self.label:<10} [{bar}] {share:4.0%} {self.done}/{self.total}"

    def _draw(self, *, force: bool) -> None:
        if self._live:
            now = time.monotonic()
            if force or now - self._drawn_at >= REDRAW_SECONDS:
                self._stream.write("\r" + self.line())
                self._stream.flush()
                self._drawn_at = now
            return
        tenths = 10 if self.total <= 0 else self.done * 10 // self.total
        line = self.line()
        if (force or tenths > self._tenths_shown) and line != self._last_line:
            self._tenths_shown = max(tenths, self._tenths_shown)
            self._last_line = line
            self._stream.write(line + "\n")
            self._stream.flush()
