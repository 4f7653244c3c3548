"""Command line: `python -m entrypoints.cli serve | db ...` (the Makefile wraps these)."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from entrypoints import embedded_postgres, migrations
from entrypoints.settings import Settings

logger = logging.getLogger("conduit.cli")


@contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """DATABASE_URL when set; otherwise the embedded PostgreSQL under DATA_DIR."""
    if settings.database_url:
        yield settings.database_url
        return
    server = embedded_postgres.start(Path(settings.data_dir) / "postgres")
    try:
        yield server.url
    finally:
        server.stop()


def serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    with database_url(settings) as url:
        if not settings.database_url or args.migrate:
            # Convenience for the embedded database; deployments migrate as their own step.
            migrations.upgrade(url)
        os.environ["DATABASE_URL"] = url
        uvicorn.run(
            "entrypoints.http.app:app_from_environment",
            factory=True,
            host=args.host or settings.host,
            port=args.port or settings.port,
            workers=args.workers or settings.workers,
            loop="uvloop",
            http="httptools",
            access_log=False,
            server_header=False,
            log_level=settings.log_level.lower(),
        )


def db(settings: Settings, args: argparse.Namespace) -> None:
    with database_url(settings) as url:
        match args.action:
            case "upgrade":
                migrations.upgrade(url, args.revision or "head")
            case "downgrade":
                migrations.downgrade(url, args.revision or "-1")
            case "check":
                migrations.check(url)
                print("models and migrations agree")
            case "current":
                migrations.current(url)
            case "history":
                migrations.history(url)
            case "revision":
                if not args.message:
                    raise SystemExit("db revision needs -m/--message")
                migrations.revision(url, args.message)
            case "shell":
                _psql(url)
            case "url":
                print(url)


def _psql(url: str) -> None:
    libpq_url = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    psql = shutil.which("psql")
    if psql is None:
        try:
            import pgserver

            psql = str(Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql")
        except ImportError as error:
            raise SystemExit("psql not found: install PostgreSQL's client") from error
    subprocess.run([psql, libpq_url], check=False)  # noqa: S603 - the operator's own shell


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="conduit", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve_parser = commands.add_parser("serve", help="serve the API (HOST, PORT, WORKERS)")
    serve_parser.add_argument("--host")
    serve_parser.add_argument("--port", type=int)
    serve_parser.add_argument("--workers", type=int)
    serve_parser.add_argument(
        "--migrate", action="store_true", help="apply migrations first (always on when embedded)"
    )

    db_parser = commands.add_parser("db", help="migrations and database tools")
    db_parser.add_argument(
        "action",
        choices=["upgrade", "downgrade", "check", "current", "history", "revision", "shell", "url"],
    )
    db_parser.add_argument("revision", nargs="?")
    db_parser.add_argument("-m", "--message")

    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValueError as error:
        raise SystemExit(f"invalid configuration:\n{error}") from error
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    {"serve": serve, "db": db}[args.command](settings, args)


if __name__ == "__main__":
    main(sys.argv[1:])
