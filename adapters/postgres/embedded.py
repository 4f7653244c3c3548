"""A private PostgreSQL for development and tests, so nobody needs DATABASE_URL.

pgserver (from PyPI) ships PostgreSQL binaries and copes with running as root. Where it
is not installed, PostgreSQL binaries found on the machine are used the same way.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from adapters.postgres import tuning

logger = logging.getLogger("conduit.embedded_postgres")

_DEBIAN_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)


class EmbeddedPostgresUnavailable(RuntimeError):
    pass


@dataclass
class EmbeddedPostgres:
    """A running server whose data lives in `data_dir`; `stop()` shuts it down."""

    data_dir: Path
    url: str
    _stop: object

    def stop(self) -> None:
        stopper = self._stop
        if callable(stopper):
            stopper()


def asyncpg_url(socket_dir: str, database: str = "postgres", user: str = "postgres") -> str:
    return f"postgresql+asyncpg://{user}@/{database}?host={socket_dir}"


def start(data_dir: Path, settings: Mapping[str, str] | None = None) -> EmbeddedPostgres:
    """Start (or reuse) the server of `data_dir`; with `settings` (see tuning.py) they are
    written to its configuration first, and a server that ran without them is restarted."""
    data_dir = data_dir.resolve()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    if settings is not None and (data_dir / "PG_VERSION").exists():
        tuning.write_conf(data_dir, settings)
    server = _start(data_dir)
    if settings is not None and tuning.write_conf(data_dir, settings):
        # A new data directory: initdb wrote postgresql.conf only as the server started.
        server.stop()
        server = _start(data_dir)
    return server


def _start(data_dir: Path) -> EmbeddedPostgres:
    try:
        from pgserver import get_server  # type: ignore[attr-defined]
    except ImportError:
        return _start_with_system_binaries(data_dir)
    server = get_server(data_dir, cleanup_mode="stop")
    socket_dir = server.get_postmaster_info().socket_dir
    logger.info("embedded PostgreSQL (pgserver) running in %s", data_dir)
    return EmbeddedPostgres(data_dir, asyncpg_url(str(socket_dir)), lambda: _stop(server))


def _stop(server: Any) -> None:
    """Stop the postmaster that serves the directory now, when we hold the last handle.

    pgserver stops the postmaster it saw at start. If PostgreSQL was restarted since (it
    crashed and `make migrate` started it again, an operator restarted it), that one is
    gone and the new one would be left running after Ctrl-C: point pgserver at whichever
    postmaster postmaster.pid names. Its own rule stays: while another process (a `make
    seed`, say) holds a handle on the server, the server keeps running.
    """
    from pgserver.utils import PostmasterInfo

    current = PostmasterInfo.read_from_pgdata(server.pgdata)
    if current is not None and current.is_running():
        server._postmaster_info = current  # pgserver keeps no other way to be told
    server.cleanup()


def psql() -> str:
    """psql from the PATH, else the one pgserver ships."""
    found = shutil.which("psql")
    if found is not None:
        return found
    try:
        import pgserver
    except ImportError as error:
        raise EmbeddedPostgresUnavailable("psql not found: install PostgreSQL's client") from error
    return str(Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql")


def _find_pg_ctl() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    for candidate in _DEBIAN_BIN_DIRS:
        if (candidate / "pg_ctl").exists():
            return candidate
    raise EmbeddedPostgresUnavailable(
        "No embedded PostgreSQL: install the extra (`pip install .[embedded]`, done by "
        "`make install`) or PostgreSQL's binaries, or set "
        "DATABASE_URL=postgresql+asyncpg://user:password@host:5432/dbname"
    )


def _start_with_system_binaries(data_dir: Path) -> EmbeddedPostgres:
    bin_dir = _find_pg_ctl()
    as_user: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: run it as the unprivileged `postgres` user.
        as_user = ["runuser", "-u", "postgres", "--"]
        data_dir.mkdir(parents=True, exist_ok=True)
        shutil.chown(data_dir, user="postgres")
    if not (data_dir / "PG_VERSION").exists():
        subprocess.run(  # noqa: S603 - fixed argument list
            [
                *as_user,
                str(bin_dir / "initdb"),
                "-D",
                str(data_dir),
                "-U",
                "postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
            ],
            check=True,
            capture_output=True,
        )
    subprocess.run(  # noqa: S603
        [
            *as_user,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data_dir),
            "-w",
            "-l",
            str(data_dir / "log"),
            "-o",
            f"-h '' -k {data_dir}",
            "start",
        ],
        check=True,
        capture_output=True,
    )

    def stop() -> None:
        subprocess.run(  # noqa: S603
            [*as_user, str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-w", "-m", "fast", "stop"],
            check=False,
            capture_output=True,
        )

    logger.info("embedded PostgreSQL (%s) running in %s", bin_dir, data_dir)
    return EmbeddedPostgres(data_dir, asyncpg_url(str(data_dir)), stop)
