"""Memory settings for the embedded PostgreSQL, sized from the machine like a DBA would.

PostgreSQL's defaults (128 MB of shared buffers, 4 MB per sort) suit a laptop demo, not a
million articles: the working set of the lists and the search index is a few GB. The
embedded server writes `conduit.conf` into its data directory (included from
postgresql.conf) and restarts once when the file changed, so the values hold from the
next start. Each can be overridden (`EMBEDDED_PG_SETTINGS`, see README "Configuration").
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

CONF_NAME = "conduit.conf"
INCLUDE = f"include_if_exists = '{CONF_NAME}'"
MIB = 1024 * 1024


def machine_memory() -> int:
    """Physical memory in bytes (cgroup limits ignored: the embedded server is for here)."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def sized_settings(memory: int, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
    """The usual starting points: shared_buffers 25% of memory (at most 8 GB),
    effective_cache_size 75%, maintenance_work_mem 5% (at most 1 GB), work_mem 32 MB
    (64 MB from 16 GB of memory), max_wal_size 4 GB, WAL compressed, a checkpoint every
    15 min; `overrides` win."""
    mib = memory // MIB
    settings = {
        "shared_buffers": f"{min(mib // 4, 8192)}MB",
        "effective_cache_size": f"{mib * 3 // 4}MB",
        "maintenance_work_mem": f"{min(mib // 20, 1024)}MB",
        "work_mem": "64MB" if mib >= 16 * 1024 else "32MB",
        "random_page_cost": "1.1",
        # Fewer checkpoints under write load (each flushes every dirty page at once), and
        # smaller full-page images in the WAL: write_mix at 1M went from 0.89 to 0.95 of 500.
        "max_wal_size": "4GB",
        "min_wal_size": "1GB",
        "wal_compression": "pglz",
        # After a checkpoint the first change to each page logs the whole page: fewer
        # checkpoints, fewer images. (Most of them came from inserts scattered over the
        # articles heap, which migration 0014's fillfactor sends to the table's end.)
        # Crash recovery then replays at most 15 min of WAL.
        "checkpoint_timeout": "15min",
        "effective_io_concurrency": "200",
    }
    settings.update(overrides or {})
    return settings


def render(settings: Mapping[str, str]) -> str:
    lines = [f"{name} = '{value}'" for name, value in sorted(settings.items())]
    return (
        "# Written by Conduit (adapters/postgres/tuning.py); edits are overwritten.\n"
        + "\n".join(lines)
        + "\n"
    )


def write_conf(data_dir: Path, settings: Mapping[str, str]) -> bool:
    """Write the settings and include them; True when anything changed (restart needed)."""
    conf = data_dir / CONF_NAME
    text = render(settings)
    changed = not conf.exists() or conf.read_text() != text
    if changed:
        conf.write_text(text)
        _same_owner(conf, data_dir)
    main = data_dir / "postgresql.conf"
    if INCLUDE not in main.read_text():
        with main.open("a") as f:
            f.write(f"\n{INCLUDE}\n")
        changed = True
    return changed


def _same_owner(path: Path, like: Path) -> None:
    stat = like.stat()
    if os.geteuid() == 0 and (path.stat().st_uid, path.stat().st_gid) != (stat.st_uid, stat.st_gid):
        os.chown(path, stat.st_uid, stat.st_gid)
