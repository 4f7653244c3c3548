"""What the drill did and when: one line per action, seconds since the drill started."""

from __future__ import annotations

import time


class Timeline:
    """Prints each line as it happens and keeps them for the results file."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.lines: list[str] = []

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def say(self, message: str) -> None:
        line = f"[{self.elapsed():6.1f} s] {message}"
        self.lines.append(line)
        print(line, flush=True)
