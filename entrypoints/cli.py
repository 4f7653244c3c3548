"""Command line: `python -m entrypoints.cli serve | db ...` (the Makefile wraps these)."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from entrypoints import embedded_postgres, migrations
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings


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


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def serve(settings: Settings, args: argparse.Namespace) -> None:
    import uvicorn

    # uvicorn drains in-flight requests on SIGTERM, then re-raises the signal; exiting
    # through SystemExit lets the embedded database stop cleanly too.
    signal.signal(signal.SIGTERM, _exit_cleanly)

    with ExitStack() as stack:
        if settings.storage == "postgres":
            url = stack.enter_context(database_url(settings))
            if not settings.database_url or args.migrate:
                # Convenience for the embedded database; deployments migrate as a separate step.
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
            date_header=False,
            log_config=None,
            timeout_graceful_shutdown=settings.shutdown_grace_seconds,
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
    configure_logging(settings.log_level, settings.effective_log_format)
    {"serve": serve, "db": db}[args.command](settings, args)


if __name__ == "__main__":
    main(sys.argv[1:])
