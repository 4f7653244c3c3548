"""The data-scale commands: `seed-bulk`, `db backfill-counters`, `db backfill-feed-totals`,
`db check-counters`."""

from __future__ import annotations

import argparse
import time
from dataclasses import fields

from adapters.postgres import counters
from adapters.postgres.bulk_seed import BulkOptions, BulkSeedRefused, bulk_seed
from adapters.sqlalchemy.engine import side_engine
from entrypoints.cli.progress import ProgressBar
from entrypoints.cli.seed import PASSWORD, seeding_container
from entrypoints.settings import Settings


def add_bulk_options(parser: argparse.ArgumentParser) -> None:
    for option in fields(BulkOptions):
        flag = "--" + option.name.replace("_", "-")
        parser.add_argument(flag, type=int, default=option.default, metavar="N")


def bulk_options(args: argparse.Namespace) -> BulkOptions:
    try:
        return BulkOptions(**{f.name: getattr(args, f.name) for f in fields(BulkOptions)})
    except BulkSeedRefused as error:
        raise SystemExit(f"seed-bulk: {error}") from error


async def seed_bulk(settings: Settings, url: str, options: BulkOptions) -> None:
    """Fill an empty database at `url`; every user's password is the seed's."""
    container = seeding_container(settings.model_copy(update={"database_url": url}))
    password_hash = await container.hasher().hash(PASSWORD)
    engine = side_engine(url)
    bars: dict[str, ProgressBar] = {}

    def progress(step: str, done: int, total: int) -> None:
        bar = bars.get(step) or bars.setdefault(step, ProgressBar(step, total))
        bar.advance(done - bar.done)
        if done >= total:
            bar.close()

    started = time.monotonic()
    try:
        await bulk_seed(engine, options, password_hash, progress)
    except BulkSeedRefused as error:
        raise SystemExit(f"seed-bulk: {error}") from error
    finally:
        await engine.dispose()
    print(
        f"seed-bulk {options.seed}: {options.users} users, {options.articles} articles in"
        f" {time.monotonic() - started:.0f} s; users are {options.username(1)} ..."
        f" {options.username(options.users)}, password {PASSWORD!r}"
    )


async def backfill_counters(url: str, batch_size: int, *, feed_totals_only: bool = False) -> None:
    engine = side_engine(url)
    bars: dict[str, ProgressBar] = {}
    fill = counters.backfill_feed_totals if feed_totals_only else counters.backfill
    try:
        batches = await fill(
            engine,
            batch_size,
            lambda what, rows: bars.setdefault(what, ProgressBar(what, 0)).advance(rows),
        )
    finally:
        await engine.dispose()
    for bar in bars.values():
        bar.close()
    print(f"counters backfilled: {batches} batches")


async def check_counters(url: str) -> None:
    engine = side_engine(url)
    try:
        wrong = await counters.mismatches(engine)
    finally:
        await engine.dispose()
    for mismatch in wrong[:50]:
        print(
            f"{mismatch.counter} {mismatch.owner!r}: kept {mismatch.kept},"
            f" counted {mismatch.counted}"
        )
    if wrong:
        raise SystemExit(f"{len(wrong)} counters differ from a recount")
    print("every counter equals a recount")
