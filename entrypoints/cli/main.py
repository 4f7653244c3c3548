"""Command line: `python -m entrypoints.cli serve | db ... | seed | seed-bulk | cluster ...`
(the Makefile wraps these)."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import fields
from pathlib import Path

from sqlalchemy import make_url

from adapters.postgres import embedded, schema, search_backfill, tuning
from adapters.sqlalchemy.engine import side_engine
from entrypoints.cli import cluster, scale
from entrypoints.cli.progress import ProgressBar
from entrypoints.cli.seed import seed as write_demo_data
from entrypoints.cli.seed import seeding_container
from entrypoints.cli.seed_plan import SeedOptions
from entrypoints.http.metrics import MULTIPROCESS_DIR
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings


@contextmanager
def database_url(settings: Settings) -> Iterator[str]:
    """DATABASE_URL when set; otherwise the embedded PostgreSQL under DATA_DIR."""
    if settings.database_url:
        yield settings.database_url
        return
    tuned = tuning.sized_settings(tuning.machine_memory(), settings.embedded_pg_settings)
    server = embedded.start(Path(settings.data_dir) / "postgres", tuned)
    try:
        yield server.url
    finally:
        server.stop()


def _exit_cleanly(signum: int, frame: object) -> None:
    raise SystemExit(0)


def serve(settings: Settings, args: argparse.Namespace) -> None:
    from entrypoints.http import server

    # uvicorn drains in-flight requests on SIGTERM, then re-raises the signal; exiting
    # through SystemExit lets the embedded database stop cleanly too.
    signal.signal(signal.SIGTERM, _exit_cleanly)

    if args.cluster:
        # The cluster outlives the server: `make cluster-stop` stops it.
        settings = cluster.serve_on_cluster(settings)
    with ExitStack() as stack:
        if settings.storage == "postgres":
            url = stack.enter_context(database_url(settings))
            if not settings.database_url or args.migrate:
                # Convenience for the embedded database; deployments migrate as a separate step.
                schema.upgrade(url)
            os.environ["DATABASE_URL"] = url
        workers = args.workers or settings.workers
        if workers > 1 and MULTIPROCESS_DIR not in os.environ:
            # Workers share their metrics through files here; a fresh directory per run.
            directory = stack.enter_context(tempfile.TemporaryDirectory(prefix="conduit-metrics-"))
            os.environ[MULTIPROCESS_DIR] = directory
        server.serve(settings, args.host or settings.host, args.port or settings.port, workers)


def db(settings: Settings, args: argparse.Namespace) -> None:
    if args.action == "reset" and settings.database_url and not args.force:
        shown = make_url(settings.database_url).render_as_string(hide_password=True)
        raise SystemExit(
            f"refusing to reset {shown}: it is not the embedded database. "
            "If you mean it: `make db-reset FORCE=1` (or `db reset --force`)."
        )
    with database_url(settings) as url:
        match args.action:
            case "upgrade":
                schema.upgrade(url, args.revision or "head")
            case "downgrade":
                schema.downgrade(url, args.revision or "-1")
            case "check":
                # Compare the models with the schema the migrations build.
                schema.upgrade(url)
                schema.check(url)
                print("models and migrations agree")
            case "current":
                schema.current(url)
            case "history":
                schema.history(url)
            case "revision":
                if not args.message:
                    raise SystemExit("db revision needs -m/--message")
                print(f"wrote {schema.revision(url, args.message)}")
            case "reset":
                schema.reset(url)
                print("database reset: empty, migrated to head")
            case "backfill-search":
                asyncio.run(_backfill_search(url, args.batch_size))
            case "backfill-counters":
                asyncio.run(scale.backfill_counters(url, args.batch_size))
            case "backfill-feed-totals":
                asyncio.run(scale.backfill_counters(url, args.batch_size, feed_totals_only=True))
            case "check-counters":
                asyncio.run(scale.check_counters(url))
            case "shell":
                _psql(url)
            case "url":
                print(url)


async def _backfill_search(url: str, batch_size: int) -> None:
    engine = side_engine(url)
    try:
        try:
            pending = await search_backfill.pending(engine)
        except search_backfill.SearchColumnMissing as error:
            raise SystemExit(str(error)) from error
        bar = ProgressBar("backfill", pending)
        done = await search_backfill.backfill(engine, batch_size, bar.advance)
        bar.close()
    finally:
        await engine.dispose()
    print(f"search vectors written: {done.updated} articles in {done.batches} batches")


def seed(settings: Settings, args: argparse.Namespace) -> None:
    if settings.storage != "postgres":
        raise SystemExit("seed writes to PostgreSQL (STORAGE=memory would lose it on exit)")
    try:
        options = SeedOptions(**{f.name: getattr(args, f.name) for f in fields(SeedOptions)})
    except ValueError as error:
        raise SystemExit(f"seed: {error}") from error
    with database_url(settings) as url:
        if not settings.database_url:
            schema.upgrade(url)  # the embedded database is ours to migrate, as in serve
        asyncio.run(_seed(settings.model_copy(update={"database_url": url}), options))


async def _seed(settings: Settings, options: SeedOptions) -> None:
    container = seeding_container(settings)
    started = time.monotonic()
    try:
        report = await write_demo_data(container, options, ProgressBar)
    finally:
        await container.storage_runtime().stop()
    seconds = time.monotonic() - started
    print(f"seed {options.seed}: {report.summary()} in {seconds:.1f} s")


def seed_bulk(settings: Settings, args: argparse.Namespace) -> None:
    options = scale.bulk_options(args)
    with database_url(settings) as url:
        if not settings.database_url:
            schema.upgrade(url)
        asyncio.run(scale.seed_bulk(settings, url, options))


def _psql(url: str) -> None:
    libpq_url = url.replace("postgresql+asyncpg://", "postgresql://", 1)
    try:
        psql = embedded.psql()
    except embedded.EmbeddedPostgresUnavailable as error:
        raise SystemExit(str(error)) from error
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
    serve_parser.add_argument(
        "--cluster",
        action="store_true",
        help="on the local cluster (`cluster up` first): writes to its primary, reads replicas",
    )

    db_parser = commands.add_parser("db", help="migrations and database tools")
    db_parser.add_argument("action", choices=DB_ACTIONS)
    db_parser.add_argument("revision", nargs="?", help="upgrade/downgrade target")
    db_parser.add_argument("-m", "--message", help="revision: what the new revision changes")
    db_parser.add_argument(
        "--batch-size",
        type=_positive,
        default=search_backfill.DEFAULT_BATCH_SIZE,
        help="backfill-search, backfill-counters: rows per transaction"
        " (backfill-feed-totals: authors, and at most 50 readers' filters)",
    )
    db_parser.add_argument(
        "--force", action="store_true", help="reset: allow an external DATABASE_URL"
    )

    seed_parser = commands.add_parser("seed", help="demo data through the use cases")
    for option in fields(SeedOptions):
        flag = "--" + option.name.replace("_", "-")
        seed_parser.add_argument(flag, type=int, default=option.default)

    bulk_parser = commands.add_parser(
        "seed-bulk", help="a real site's data written by PostgreSQL (COPY-speed, set-based)"
    )
    scale.add_bulk_options(bulk_parser)

    cluster.add_parser(commands)

    args = parser.parse_args(argv)
    try:
        settings = Settings()
    except ValueError as error:
        raise SystemExit(f"invalid configuration:\n{error}") from error
    configure_logging(settings.log_level, settings.effective_log_format)
    commands_by_name = {
        "serve": serve,
        "db": db,
        "seed": seed,
        "seed-bulk": seed_bulk,
        "cluster": cluster.run,
    }
    commands_by_name[args.command](settings, args)


def _positive(raw: str) -> int:
    value = int(raw)
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


DB_ACTIONS = [
    "upgrade",
    "downgrade",
    "check",
    "current",
    "history",
    "revision",
    "reset",
    "backfill-search",
    "backfill-counters",
    "backfill-feed-totals",
    "check-counters",
    "shell",
    "url",
]
