"""The embedded PostgreSQL's memory settings: sized from the machine, overridable, kept."""

from __future__ import annotations

from pathlib import Path

from adapters.postgres.tuning import CONF_NAME, INCLUDE, sized_settings, write_conf

GIB = 1024**3


def test_settings_follow_the_machines_memory() -> None:
    small, big = sized_settings(4 * GIB), sized_settings(64 * GIB)

    assert small["shared_buffers"] == "1024MB"
    assert small["effective_cache_size"] == "3072MB"
    assert small["work_mem"] == "32MB"
    assert big["shared_buffers"] == "8192MB", "capped at 8 GB"
    assert big["maintenance_work_mem"] == "1024MB", "capped at 1 GB"
    assert big["work_mem"] == "64MB"
    # Writes at size: fewer checkpoints, smaller full-page images (README "Data at scale").
    assert (big["max_wal_size"], big["checkpoint_timeout"]) == ("4GB", "15min")
    assert big["wal_compression"] == "pglz"


def test_overrides_win_and_may_add_settings() -> None:
    settings = sized_settings(8 * GIB, {"shared_buffers": "2GB", "jit": "off"})

    assert settings["shared_buffers"] == "2GB"
    assert settings["jit"] == "off"


def test_the_file_is_written_and_included_once_and_reports_changes(tmp_path: Path) -> None:
    (tmp_path / "postgresql.conf").write_text("max_connections = 100\n")

    assert write_conf(tmp_path, {"work_mem": "64MB"}) is True
    assert write_conf(tmp_path, {"work_mem": "64MB"}) is False, "unchanged: no restart"
    assert write_conf(tmp_path, {"work_mem": "32MB"}) is True

    assert "work_mem = '32MB'" in (tmp_path / CONF_NAME).read_text()
    assert (tmp_path / "postgresql.conf").read_text().count(INCLUDE) == 1
