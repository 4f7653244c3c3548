"""The six phases. Each runs under the load for 10-15 s; what the drill does to the
cluster or the instances is on the timeline with the time it took."""

from __future__ import annotations

import asyncio
import time

from tests.drill import rehearsal
from tests.drill.gameday import GameDay, asyncpg_dsn, hold

PHASE_SECONDS = 12.0
REPLICA_DOWN_SECONDS = 8.0
REPLAY_PAUSE_SECONDS = 6.0
"""Longer than the instances' REPLICA_MAX_LAG (2 s): the paused replica leaves rotation at the
next check, and would by its lag alone."""
ROTATION_WAIT_SECONDS = 15.0
WRITES_BACK_WAIT_SECONDS = 30.0
AFTER_REJOIN_SECONDS = 5.0


def _replicas(day: GameDay) -> list[str]:
    return [name for name in day.cluster.names if day.cluster.role(name) == "replica"]


def _primary(day: GameDay) -> str:
    primary = day.cluster.primary_name()
    if primary is None:
        raise RuntimeError("no primary in the cluster")
    return primary


async def steady_state(day: GameDay) -> None:
    phase = day.begin("1 steady state")
    await hold(phase, PHASE_SECONDS)


async def replica_loss(day: GameDay) -> None:
    phase = day.begin("2 replica loss")
    await hold(phase, 2)
    replica, primary = _replicas(day)[0], _primary(day)
    await day.cluster_call(f"stop replica {replica} (fast)", day.cluster.stop, replica)
    await asyncio.sleep(REPLICA_DOWN_SECONDS)
    await day.cluster_call(f"start {replica}", day.cluster.start, replica)
    # follow() re-points nothing here (it already follows the primary): it returns once
    # the replica streams again.
    await day.cluster_call(
        f"wait until {replica} streams from {primary}", day.cluster.follow, replica, primary
    )
    await hold(phase, PHASE_SECONDS)


async def replay_pause(day: GameDay) -> None:
    phase = day.begin("3 replay pause")
    await hold(phase, 2)
    replica = _replicas(day)[-1]
    paused_at = time.monotonic()
    await day.cluster_call(
        f"pg_wal_replay_pause() on {replica} for {REPLAY_PAUSE_SECONDS:.0f} s",
        day.cluster.execute,
        replica,
        "SELECT pg_wal_replay_pause()",
    )
    await asyncio.sleep(REPLAY_PAUSE_SECONDS)
    await day.cluster_call(
        f"pg_wal_replay_resume() on {replica}",
        day.cluster.execute,
        replica,
        "SELECT pg_wal_replay_resume()",
    )
    instances = {instance.name for instance in day.instances}
    deadline = time.monotonic() + ROTATION_WAIT_SECONDS
    while time.monotonic() < deadline:
        back = day.watcher.seen_since(paused_at, replica, "replica in rotation")
        if back >= instances:
            break
        await asyncio.sleep(0.2)
    out = day.watcher.seen_since(paused_at, replica, "replica out of rotation")
    back = day.watcher.seen_since(paused_at, replica, "replica in rotation")
    note = (
        f"replay pause: {replica} left rotation on {', '.join(sorted(out)) or 'no instance'}"
        f" and came back on {', '.join(sorted(back)) or 'no instance'}"
    )
    day.say(note)
    day.notes.append(note)
    await hold(phase, PHASE_SECONDS)


async def rolling_restart(day: GameDay) -> None:
    phase = day.begin("4 rolling restart")
    await hold(phase, 2)
    for index, instance in enumerate(day.instances):
        day.say(f"drain {instance.name}: no new requests, wait for those in flight")
        await day.balancer.drain(index)
        day.say(f"{instance.name} drained: SIGTERM")
        status = await instance.terminate()
        day.say(f"{instance.name} exited with {status}; start it again")
        instance.start()
        await instance.wait_ready()
        day.balancer.restore(index)
        day.say(f"{instance.name} answers /readyz 200: back in the balancer")
        await asyncio.sleep(2)
    await hold(phase, PHASE_SECONDS)


async def migration(day: GameDay) -> None:
    phase = day.begin("5 migration + backfill")
    await hold(phase, 2)
    primary = _primary(day)
    url = day.cluster.url(primary)
    head = rehearsal.app_head(url)
    day.watcher.reset_max_lag()
    day.say(f"expand: alembic upgrade {head} -> {rehearsal.REVISION}")
    await rehearsal.migrate(url, rehearsal.REVISION, day.say)
    day.say("  articles.drill_rehearsal added; backfill in batches of 1,000")
    done = await rehearsal.backfill(asyncpg_dsn(url))
    day.say(
        f"  backfill: {done.rows} rows in {done.batches} batches, {done.seconds:.1f} s;"
        f" {done.left_null} of them left NULL; {done.newer} rows inserted meanwhile"
    )
    day.say(f"contract: alembic downgrade {rehearsal.REVISION} -> {head}")
    await rehearsal.migrate(url, head, day.say, down=True)
    rows = await asyncio.to_thread(
        day.cluster.execute, primary, "SELECT version_num FROM alembic_version"
    )
    note = (
        f"migration: {done.rows} rows backfilled in {done.batches} batches in"
        f" {done.seconds:.1f} s; replicas' max lag seen on /readyz meanwhile"
        f" {day.watcher.max_lag:.2f} s; schema back at {rows[0][0]} (app head {head})"
    )
    day.say(note)
    day.notes.append(note)
    if rows[0][0] != head or done.left_null:
        raise RuntimeError(f"the rehearsal did not end clean: {note}")
    await hold(phase, PHASE_SECONDS)


async def failover(day: GameDay) -> None:
    phase = day.begin("6 failover")
    await hold(phase, 3)
    old = _primary(day)
    stopped_at = time.monotonic()
    await day.cluster_call(f"stop primary {old} (immediate)", day.cluster.stop, old, immediate=True)
    target = await asyncio.to_thread(day.cluster.most_advanced_replica)
    if target is None:
        raise RuntimeError("no replica to promote")
    await day.cluster_call(
        f"promote {target} (the most advanced replica)", day.cluster.promote, target
    )
    promoted_at = time.monotonic()
    day.failover.stop_to_promotion = promoted_at - stopped_at
    day.say(f"{target} is the primary, {day.failover.stop_to_promotion:.1f} s after the stop")
    # At once: with ANY 1 synchronous replication the new primary's commits wait for a
    # standby, and until this one follows it, it has none.
    other = next(name for name in day.cluster.names if name not in (old, target))
    await day.cluster_call(f"{other} follows {target}", day.cluster.follow, other, target)
    first = await _first_write_after(day, promoted_at)
    if first is None:
        day.say(f"no write acknowledged within {WRITES_BACK_WAIT_SECONDS:.0f} s of the promotion")
    else:
        day.failover.promotion_to_write = first - promoted_at
        day.say(
            f"first write acknowledged {day.failover.promotion_to_write:.1f} s after the promotion"
        )
    await day.cluster_call(
        f"rejoin {old} as a replica of {target} (pg_rewind)", day.cluster.rejoin, old, target
    )
    await asyncio.sleep(AFTER_REJOIN_SECONDS)
    await hold(phase, PHASE_SECONDS)


async def _first_write_after(day: GameDay, moment: float) -> float | None:
    deadline = moment + WRITES_BACK_WAIT_SECONDS
    while time.monotonic() < deadline:
        acked = day.recorder.first_write_ack_after(moment)
        if acked is not None:
            return acked
        await asyncio.sleep(0.05)
    return None


PHASES = [steady_state, replica_loss, replay_pause, rolling_restart, migration, failover]
