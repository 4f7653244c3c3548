"""A local PostgreSQL streaming-replication cluster, for development and failover drills.

Three servers, `node1` to `node3`, each in `<root>/<name>/` and on 127.0.0.1 (ports base,
base+1, base+2): one primary and two hot standbys, each streaming through a physical slot
named after it. A commit is acknowledged once at least one standby has flushed it
(`ANY 1`), so promoting the most advanced standby loses no acknowledged write.

Everything is synchronous: the servers are driven by their own binaries and SQL goes through
psql, so the class works the same from a script, the CLI or an async test (it never needs an
event loop). Roles live in the data directories (`standby.signal`), not in this object.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Literal

from adapters.postgres import cluster_files as files
from adapters.postgres.cluster_files import ClusterError, ClusterUnavailable, find_bin_dir

__all__ = ["NAMES", "ClusterError", "ClusterUnavailable", "LocalCluster", "find_bin_dir"]

NAMES = ("node1", "node2", "node3")
HOST = "127.0.0.1"
USER = "postgres"
DATABASE = "conduit"
WAIT_SECONDS = 60.0

Role = Literal["primary", "replica", "down"]
Row = tuple[str | None, ...]

_NULL = "\x1d"  # psql prints NULL as this, so it differs from an empty string
_SETTING = re.compile(r"^[a-z_][a-z0-9_.]*$")


class LocalCluster:
    """The cluster under `root`; every method works from what is on disk and running."""

    def __init__(self, root: Path = Path(".data/cluster"), base_port: int = 55432) -> None:
        self.root = root.resolve()
        self.base_port = base_port
        self._bin = find_bin_dir()
        self._owner = files.server_user()
        # PostgreSQL refuses to run as root: its binaries run as an unprivileged user.
        self._as_owner = ["runuser", "-u", self._owner, "--"] if self._owner else []

    @property
    def names(self) -> tuple[str, ...]:
        return NAMES

    def port(self, name: str) -> int:
        return self.base_port + NAMES.index(name)

    def data_dir(self, name: str) -> Path:
        return self.root / name

    # --- URLs -------------------------------------------------------------------------

    def url(self, name: str, database: str = DATABASE) -> str:
        return f"postgresql+asyncpg://{USER}@{HOST}:{self.port(name)}/{database}"

    def primary_url(self) -> str:
        """One URL over every server; the driver keeps the one that accepts writes."""
        hosts = "&".join(f"host={HOST}:{self.port(name)}" for name in NAMES)
        return f"postgresql+asyncpg://{USER}@/{DATABASE}?{hosts}&target_session_attrs=read-write"

    def replica_urls(self) -> list[str]:
        """Every server: whoever reads asks each one whether it is in recovery."""
        return [self.url(name) for name in NAMES]

    # --- the whole cluster ------------------------------------------------------------

    def up(self) -> None:
        """Create what is missing, start what is stopped, return once every replica streams."""
        self.root.mkdir(parents=True, exist_ok=True)
        existing = [name for name in NAMES if files.initialised(self.data_dir(name))]
        if existing:
            primary, stale = self._find_primary(existing)
        else:
            primary, stale = self._bootstrap(), []
        self._start_if_stopped(primary)
        self._ensure_database(primary)
        for name in stale:
            self._rewind(name, primary)
        for name in NAMES:
            if name == primary:
                continue
            if not files.initialised(self.data_dir(name)):
                self._clone(name, primary)
            self._point_at(name, primary)
        self._wait_streaming(primary, [name for name in NAMES if name != primary])

    def down(self) -> None:
        """Stop every running server; the primary first, so its standbys receive its last
        checkpoint and restart level with it."""
        primary = self.primary_name()
        for name in sorted(NAMES, key=lambda name: name != primary):
            self.stop(name)

    def wipe(self) -> None:
        """Start from nothing: stop at once whatever runs in the directory (left by a run
        that was killed; nothing is kept, so no checkpoint to wait for), then delete it."""
        if not self.root.exists():
            return
        for name in NAMES:
            if self.running(name):
                self.stop(name, immediate=True)
        shutil.rmtree(self.root, ignore_errors=True)

    # --- one server -------------------------------------------------------------------

    def pid(self, name: str) -> int | None:
        """The server's postmaster process, when it has run (it may have died since)."""
        return files.postmaster_pid(self.data_dir(name))

    def running(self, name: str) -> bool:
        return files.postmaster_alive(self.data_dir(name))

    def start(self, name: str) -> None:
        """Start `name` unless it runs; returns once it accepts connections (read-only ones
        for a standby)."""
        if self.running(name):
            return
        log = files.log_file(self.root, name, self._owner)
        self._pg_ctl(name, "-l", str(log), "-t", str(int(WAIT_SECONDS)), "start")

    def stop(self, name: str, *, immediate: bool = False) -> None:
        """Stop `name` if it runs: `immediate` is a crash (no shutdown checkpoint)."""
        if not self.running(name):
            return
        self._pg_ctl(name, "-m", "immediate" if immediate else "fast", "stop")

    def role(self, name: str) -> Role:
        """`down` for a server that is stopped or does not answer yet."""
        if not self.running(name):
            return "down"
        try:
            rows = self.execute(name, "SELECT pg_is_in_recovery()", database="postgres")
        except ClusterError:
            return "down"
        return "replica" if rows[0][0] == "t" else "primary"

    def primary_name(self) -> str | None:
        return next((name for name in NAMES if self.role(name) == "primary"), None)

    def most_advanced_replica(self) -> str | None:
        """The running replica that has received the most WAL: the one to promote."""
        received = {
            name: self._received_lsn(name) for name in NAMES if self.role(name) == "replica"
        }
        return max(received, key=lambda name: received[name], default=None)

    def promote(self, name: str) -> None:
        self._pg_ctl(name, "-t", str(int(WAIT_SECONDS)), "promote")
        self._wait(f"{name} still in recovery", lambda: self.role(name) == "primary", [name])

    def follow(self, name: str, primary: str) -> None:
        """Re-point replica `name` (running or stopped) at `primary`; returns once it streams.
        It crosses to the new timeline itself (recovery_target_timeline is `latest`)."""
        if not (self.data_dir(name) / "standby.signal").exists():
            raise ClusterError(f"{name} is not a replica: rejoin it instead")
        self._point_at(name, primary)
        self._wait_streaming(primary, [name])

    def rejoin(self, name: str, primary: str) -> None:
        """Turn former primary `name` into a replica of `primary`: pg_rewind drops what it
        wrote after the two diverged (nothing acknowledged, with a synchronous standby)."""
        self.stop(name)
        self._rewind(name, primary)
        self._point_at(name, primary)
        self._wait_streaming(primary, [name])

    def set_conf(self, name: str, **settings: str) -> None:
        """ALTER SYSTEM each setting on `name`, then reload (`recovery_min_apply_delay="5s"`)."""
        statements = [
            f"ALTER SYSTEM SET {_setting(key)} = {files.conf_string(value)}"
            for key, value in settings.items()
        ]
        self._psql(name, "postgres", [*statements, "SELECT pg_reload_conf()"])

    def execute(self, name: str, sql: str, *, database: str = DATABASE) -> list[Row]:
        """Run one statement on `name` through psql (autocommit); its rows as text, as psql
        prints them (`t`/`f` for booleans), NULL as None."""
        return self._psql(name, database, [sql])

    # --- building blocks --------------------------------------------------------------

    def _bootstrap(self) -> str:
        primary = NAMES[0]
        directory = files.empty_dir(self.data_dir(primary), self._owner)
        self._run(
            self._as_owner,
            self._bin / "initdb",
            "-D", directory, "-U", USER, "--auth=trust", "--encoding=UTF8", "--locale=C",
        )  # fmt: skip
        self._configure(primary)
        return primary

    def _find_primary(self, existing: list[str]) -> tuple[str, list[str]]:
        """The node without standby.signal. After a failover nobody rejoined, there are
        several: the running one, else the newest timeline's; the others are stale."""
        candidates = [name for name in existing if not files.is_standby(self.data_dir(name))]
        if not candidates:
            raise ClusterError(f"no primary under {self.root}: promote a replica first")
        running = [name for name in candidates if self.running(name)]
        if len(running) > 1:
            raise ClusterError(f"{' and '.join(running)} both run as primaries: stop one")
        primary = running[0] if running else max(candidates, key=self._timeline)
        return primary, [name for name in candidates if name != primary]

    def _clone(self, name: str, primary: str) -> None:
        self._ensure_slot(primary, name)
        directory = files.empty_dir(self.data_dir(name), self._owner)
        self._run(
            self._as_owner,
            self._bin / "pg_basebackup",
            "-D", directory, "-h", HOST, "-p", str(self.port(primary)), "-U", USER,
            "-X", "stream", "-S", name, "--checkpoint=fast",
        )  # fmt: skip
        files.write(self.data_dir(name) / "standby.signal", "", self._owner)

    def _rewind(self, name: str, primary: str) -> None:
        # pg_rewind first runs crash recovery in single-user mode on a target that was
        # stopped immediately (or crashed), as it must be shut down cleanly.
        self._run(
            self._as_owner,
            self._bin / "pg_rewind",
            "-D", self.data_dir(name),
            f"--source-server=host={HOST} port={self.port(primary)} user={USER} dbname=postgres",
        )  # fmt: skip
        files.write(self.data_dir(name) / "standby.signal", "", self._owner)

    def _point_at(self, name: str, primary: str) -> None:
        """Slot on `primary`, configuration pointing there, then start or reload `name`."""
        self._ensure_slot(primary, name)
        self._configure(name)
        changed = files.set_auto_conf(
            self.data_dir(name),
            primary_conninfo=(
                f"host={HOST} port={self.port(primary)} user={USER} application_name={name}"
            ),
            primary_slot_name=name,
        )
        if not self.running(name):
            self.start(name)
        elif changed:
            self.execute(name, "SELECT pg_reload_conf()", database="postgres")

    def _configure(self, name: str) -> None:
        # Rewritten every time: pg_basebackup and pg_rewind copy the source's files.
        files.write_config(self.data_dir(name), name, self.port(name), NAMES, self._owner)

    def _start_if_stopped(self, name: str) -> None:
        if not self.running(name):
            self._configure(name)
            self.start(name)

    def _ensure_database(self, primary: str) -> None:
        exists = self.execute(
            primary,
            f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'",  # noqa: S608 - a constant
            database="postgres",
        )
        if not exists:
            # Local commit: on a first start there is no standby yet to acknowledge it.
            self._psql(
                primary,
                "postgres",
                ["SET synchronous_commit = local", f"CREATE DATABASE {DATABASE}"],
            )

    def _ensure_slot(self, primary: str, name: str) -> None:
        slot = files.conf_string(name)
        self.execute(
            primary,
            # A node's name, quoted. Reserve WAL at once: the replica is not connected yet.
            f"SELECT pg_create_physical_replication_slot({slot}, true) WHERE NOT EXISTS "  # noqa: S608
            f"(SELECT FROM pg_replication_slots WHERE slot_name = {slot})",
            database="postgres",
        )

    def _streaming(self, primary: str) -> set[str]:
        rows = self.execute(
            primary,
            "SELECT application_name FROM pg_stat_replication WHERE state = 'streaming'",
            database="postgres",
        )
        return {str(row[0]) for row in rows}

    def _wait_streaming(self, primary: str, replicas: list[str]) -> None:
        self._wait(
            f"not streaming from {primary}: {', '.join(replicas)}",
            lambda: set(replicas) <= self._streaming(primary),
            [primary, *replicas],
        )

    def _received_lsn(self, name: str) -> int:
        rows = self.execute(
            name,
            "SELECT (GREATEST(pg_last_wal_receive_lsn(), pg_last_wal_replay_lsn()) - '0/0')"
            "::bigint",
            database="postgres",
        )
        return int(rows[0][0] or 0)

    def _timeline(self, name: str) -> int:
        report = self._run(self._as_owner, self._bin / "pg_controldata", self.data_dir(name))
        found = re.search(r"Latest checkpoint's TimeLineID:\s+(\d+)", report)
        return int(found.group(1)) if found else 0

    def _wait(self, failure: str, ready: Callable[[], bool], names: Iterable[str]) -> None:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            try:
                if ready():
                    return
            except ClusterError:
                pass  # a server still starting refuses connections; ask again
            if time.monotonic() > deadline:
                tails = files.log_tails(self.root, names)
                raise ClusterError(f"{failure} after {WAIT_SECONDS:.0f} s\n{tails}")
            time.sleep(0.2)

    def _pg_ctl(self, name: str, *args: str) -> None:
        self._run(self._as_owner, self._bin / "pg_ctl", "-D", self.data_dir(name), "-w", *args)

    def _psql(self, name: str, database: str, statements: list[str]) -> list[Row]:
        commands = [arg for sql in statements for arg in ("-c", sql)]
        output = self._run(
            [],
            self._bin / "psql",
            "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
            "-F", "\x1f", "-R", "\x1e", "-P", f"null={_NULL}",
            "-h", HOST, "-p", str(self.port(name)), "-U", USER, "-d", database,
            *commands,
        )  # fmt: skip
        records = output.rstrip("\n").split("\x1e")
        return [
            tuple(None if value == _NULL else value for value in record.split("\x1f"))
            for record in records
            if record
        ]

    def _run(self, prefix: list[str], *args: str | Path) -> str:
        """Run a program to its end; its standard output (notices and progress, on standard
        error, only show in the error it raises)."""
        command = [*prefix, *map(str, args)]
        # Files, not pipes: `pg_ctl start` leaves the postmaster holding its output open.
        with tempfile.TemporaryFile("w+") as output, tempfile.TemporaryFile("w+") as errors:
            finished = subprocess.run(  # noqa: S603 - fixed programs, our own arguments
                command,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=errors,
                env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
                text=True,
                check=False,
            )
            output.seek(0)
            errors.seek(0)
            text, error_text = output.read(), errors.read()
        if finished.returncode != 0:
            program = Path(command[len(prefix)]).name
            raise ClusterError(f"{program} failed:\n{text}{error_text}")
        return text


def _setting(name: str) -> str:
    if not _SETTING.match(name):
        raise ValueError(f"not a setting name: {name!r}")
    return name
