"""The local cluster's files: where its binaries are, who runs them, and what each data
directory holds beyond what initdb, pg_basebackup and pg_rewind write (see cluster.py)."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

_DEBIAN_BIN_DIRS = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
_NEEDED = ("initdb", "pg_ctl", "pg_basebackup", "pg_rewind", "pg_controldata", "psql")
CONF_FILE = "cluster.conf"


class ClusterError(RuntimeError):
    pass


class ClusterUnavailable(ClusterError):
    """No PostgreSQL binaries with everything a replicated cluster needs."""


def find_bin_dir() -> Path:
    """pgserver's binaries (what `make install` brings) first, else the machine's."""
    candidates: list[Path] = []
    try:
        import pgserver
    except ImportError:
        pass
    else:
        candidates.append(Path(pgserver.__file__).parent / "pginstall" / "bin")
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).resolve().parent)
    candidates.extend(_DEBIAN_BIN_DIRS)
    for candidate in candidates:
        if all((candidate / program).exists() for program in _NEEDED):
            return candidate
    raise ClusterUnavailable(
        f"no PostgreSQL binaries with {', '.join(_NEEDED)}: run `make install` (pgserver) "
        "or install PostgreSQL's server package"
    )


def server_user() -> str | None:
    """Who runs the servers: None (ourselves) unless we are root, which PostgreSQL refuses;
    then pgserver's user (made the way pgserver makes it when missing), else `postgres`."""
    if os.geteuid() != 0:
        return None
    for user in ("pgserver", "postgres"):
        try:
            pwd.getpwnam(user)
        except KeyError:
            continue
        return user
    subprocess.run(["useradd", "-s", "/bin/bash", "pgserver"], check=True, capture_output=True)  # noqa: S607
    return "pgserver"


def initialised(data_dir: Path) -> bool:
    return (data_dir / "PG_VERSION").exists()


def is_standby(data_dir: Path) -> bool:
    return (data_dir / "standby.signal").exists()


def postmaster_pid(data_dir: Path) -> int | None:
    """The pid postmaster.pid names, or None without one (alive or not: see below)."""
    try:
        return int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None


def postmaster_alive(data_dir: Path) -> bool:
    """Whether the postmaster named by postmaster.pid is alive (what `pg_ctl status` does)."""
    pid = postmaster_pid(data_dir)
    if pid is None:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    return True


def empty_dir(path: Path, owner: str | None) -> Path:
    """A fresh directory for initdb or pg_basebackup; an unfinished one is ours to replace."""
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(mode=0o700, parents=True)
    _chown(path, owner)
    return path


def write(path: Path, text: str, owner: str | None) -> None:
    # The server user must own every file: pg_rewind overwrites them.
    path.write_text(text)
    _chown(path, owner)


def socket_dir(root: Path, owner: str | None) -> Path:
    """The servers' unix sockets, outside their data directories: pg_rewind copies every
    file of the source's and stops at a socket it cannot read."""
    path = root / "sockets"
    path.mkdir(exist_ok=True)
    _chown(path, owner)
    return path


def write_config(
    data_dir: Path, name: str, port: int, names: Sequence[str], owner: str | None
) -> None:
    """This node's settings in cluster.conf (included by postgresql.conf) and pg_hba.conf."""
    sockets = socket_dir(data_dir.parent, owner)
    write(data_dir / CONF_FILE, _settings(sockets, name, port, names), owner)
    write(data_dir / "pg_hba.conf", _HBA, owner)
    main = data_dir / "postgresql.conf"
    include = f"include '{CONF_FILE}'\n"
    if include not in main.read_text():
        with main.open("a") as conf:
            conf.write("\n" + include)


def _settings(sockets: Path, name: str, port: int, names: Sequence[str]) -> str:
    standbys = ", ".join(names)
    return f"""\
# Written by adapters/postgres/cluster.py for {name}, again at every `cluster up`.
cluster_name = '{name}'
listen_addresses = '127.0.0.1'
port = {port}
unix_socket_directories = '{sockets}'
wal_level = replica
max_wal_senders = 10
max_replication_slots = 10
hot_standby = on
hot_standby_feedback = on
# pg_rewind needs every page's first change after a checkpoint in the WAL.
wal_log_hints = on
# A commit returns once one standby has flushed it: promoting the most advanced standby
# loses no acknowledged write. With every standby down, writes wait.
synchronous_standby_names = 'ANY 1 ({standbys})'
synchronous_commit = on
fsync = on
# Three servers share the machine.
shared_buffers = 128MB
"""


_HBA = """\
# Written by adapters/postgres/cluster.py: a local cluster, trusted from this machine only.
local all         all               trust
host  all         all  127.0.0.1/32 trust
local replication all               trust
host  replication all  127.0.0.1/32 trust
"""


def set_auto_conf(data_dir: Path, **settings: str) -> bool:
    """Set `settings` in postgresql.auto.conf (what ALTER SYSTEM writes; works with the
    server stopped); whether anything changed."""
    path = data_dir / "postgresql.auto.conf"
    before = path.read_text() if path.exists() else ""
    kept = [line for line in before.splitlines() if line.split("=", 1)[0].strip() not in settings]
    quoted = [f"{key} = {conf_string(value)}" for key, value in settings.items()]
    after = "\n".join([*kept, *quoted]) + "\n"
    if after == before:
        return False
    path.write_text(after)
    return True


def conf_string(value: str) -> str:
    """`value` quoted for a configuration file (and for SQL: the rule is the same)."""
    return "'" + value.replace("'", "''") + "'"


def log_file(root: Path, name: str, owner: str | None) -> Path:
    """Beside the data directory, not in it: pg_basebackup would copy it to the replicas."""
    path = root / f"{name}.log"
    path.touch()
    _chown(path, owner)
    return path


def log_tails(root: Path, names: Iterable[str], lines: int = 15) -> str:
    tails = []
    for name in names:
        path = root / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else "(no log)\n"
        tail = "\n".join(text.splitlines()[-lines:])
        tails.append(f"--- {path} ---\n{tail}")
    return "\n".join(tails)


def _chown(path: Path, owner: str | None) -> None:
    if owner is not None:
        entry = pwd.getpwnam(owner)
        os.chown(path, entry.pw_uid, entry.pw_gid)
