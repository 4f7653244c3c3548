"""`make drill`: set up the cluster and two instances, run the phases under load, check
for lost writes, report. The cluster and the instances are stopped however it ends (the
directory stays for inspection); the exit status is 0 only when every goal is met."""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import traceback
from pathlib import Path

import httpx

from adapters.postgres import schema
from adapters.postgres.cluster import ClusterError, LocalCluster
from tests.drill.balancer import Backend, Balancer, new_client
from tests.drill.gameday import GameDay, asyncpg_dsn, labeller
from tests.drill.instances import ROOT, AppInstance
from tests.drill.ledger import Ledger, LostWrites, find_lost_writes
from tests.drill.load import DrillUser, Load, register
from tests.drill.phases import PHASES
from tests.drill.report import save, verdict
from tests.drill.stats import Recorder
from tests.drill.timeline import Timeline
from tests.drill.watch import ReadyzWatcher

DRILL_DIR = ROOT / ".data" / "drill-cluster"
BASE_PORT = 56432
INSTANCE_PORTS = (8101, 8102)
USERS = 16
SEED = ["--articles", "30000", "--users", "3000"]
RESULTS = ROOT / "bench-results"


def main() -> int:
    # A SIGTERM (a CI job cancelled) stops the drill like Ctrl-C: the finally below still
    # stops the instances and the cluster.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    timeline = Timeline()
    cluster = LocalCluster(root=DRILL_DIR, base_port=BASE_PORT)
    cluster.wipe()  # and a killed run's servers with it
    instances = _instances(cluster)
    recorder = Recorder()
    balancer = Balancer(
        [Backend(i.name, i.base_url, new_client(i.base_url)) for i in instances],
        recorder,
        timeline,
    )
    day = GameDay(
        cluster=cluster,
        instances=instances,
        timeline=timeline,
        recorder=recorder,
        ledger=Ledger(),
        balancer=balancer,
        watcher=ReadyzWatcher(balancer, timeline, labeller(cluster)),
    )
    try:
        return asyncio.run(_drill(day))
    except KeyboardInterrupt:
        timeline.say("interrupted")
        return 130
    finally:
        for instance in instances:
            instance.kill()
        try:
            cluster.down()
        except ClusterError as error:
            print(f"stopping the cluster: {error}", file=sys.stderr)
        timeline.say(f"instances and cluster stopped; kept {DRILL_DIR} for inspection")


async def _drill(day: GameDay) -> int:
    error: str | None = None
    lost: LostWrites | None = None
    try:
        await _setup(day)
        day.watcher.start()
        day.load = load = Load(day.balancer, day.ledger, day.timeline, await _users(day))
        load.start()
        for phase in PHASES:
            await phase(day)
    except Exception as failure:
        error = f"{type(failure).__name__}: {failure}"
        day.say(f"drill aborted: {error}")
        traceback.print_exc()
    finally:
        if day.load is not None:
            day.say("stop the load")
            await day.load.stop()
        day.recorder.end()
        await day.watcher.stop()
        await _reads_served(day)
        _errors_logged(day)
        await day.balancer.close()
    primary = day.cluster.primary_name()
    if day.load is not None and primary is not None:
        day.say(f"look for lost writes on the final primary {primary}")
        lost = await find_lost_writes(asyncpg_dsn(day.cluster.url(primary)), day.ledger)
    result = verdict(day, lost, error)
    print("\n".join(result.lines))
    day.say(f"results: {save(day, result, lost, RESULTS)}")
    return 0 if result.passed else 1


async def _setup(day: GameDay) -> None:
    cluster = day.cluster
    await day.cluster_call(f"cluster up under {DRILL_DIR}", cluster.up)
    primary = cluster.primary_name()
    assert primary is not None
    await day.cluster_call(f"migrate {primary} to head", schema.upgrade, cluster.url(primary))
    seed_log = DRILL_DIR / "seed.log"
    await day.cluster_call(
        f"seed-bulk {' '.join(SEED)} (output: {seed_log})",
        _seed,
        cluster.url(primary),
        seed_log,
    )
    for instance in day.instances:
        _ensure_free(instance.port)
        instance.start()
        day.say(f"{instance.name} on {instance.base_url}, log: {instance.log}")
    await asyncio.gather(*(instance.wait_ready() for instance in day.instances))
    day.say("both instances answer /readyz 200")


async def _users(day: GameDay) -> list[DrillUser]:
    tag = secrets.token_hex(3)
    users = [await register(day.balancer, f"drill{tag}u{n:02d}", n) for n in range(USERS)]
    day.say(f"{len(users)} users registered; the load starts")
    return users


def _seed(url: str, log: Path) -> None:
    with log.open("w") as output:
        subprocess.run(
            [sys.executable, "-m", "entrypoints.cli", "seed-bulk", *SEED],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url},
            stdout=output,
            stderr=subprocess.STDOUT,
            check=True,
        )


def _instances(cluster: LocalCluster) -> list[AppInstance]:
    env = {
        "DATABASE_URL": cluster.primary_url(),
        "DATABASE_REPLICA_URLS": json.dumps(cluster.replica_urls()),
        "REPLICA_MAX_LAG": "2",
        "JWT_SECRET": secrets.token_urlsafe(36),  # 48 characters, shared: tokens work on both
        "RATE_LIMIT_PER_MINUTE": "0",
        "LOG_LEVEL": "WARNING",
        "ENVIRONMENT": "development",
        "REQUEST_TIMEOUT_SECONDS": "5",
    }
    return [
        AppInstance(f"instance{n}", port, env, DRILL_DIR / f"instance{n}.log")
        for n, port in enumerate(INSTANCE_PORTS, start=1)
    ]


def _ensure_free(port: int) -> None:
    """An instance left from an earlier run would answer for the new one."""
    with socket.socket() as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            raise RuntimeError(f"port {port} is taken: stop what listens there first")


async def _reads_served(day: GameDay) -> None:
    """Where each instance's reads went (since it last started): the read-your-writes
    checks mean something only if replicas served a good share of them."""
    async with httpx.AsyncClient(timeout=3.0) as client:
        for instance in day.instances:
            try:
                databases = (await client.get(f"{instance.base_url}/readyz")).json()["databases"]
            except (httpx.HTTPError, ValueError, KeyError):
                continue
            reads = ", ".join(
                f"{'primary' if d['name'] == 'primary' else day.watcher.label(d['name'])}"
                f" {d['reads']}"
                for d in databases
            )
            note = f"reads served by {instance.name} since it (re)started: {reads}"
            day.say(note)
            day.notes.append(note)


def _errors_logged(day: GameDay) -> None:
    for instance in day.instances:
        # Each 500 logs its exception twice (the service's handler, then uvicorn's), the
        # first time with the request id: one line each is enough.
        errors: dict[str, str] = {}
        for line in instance.errors_logged():
            errors.setdefault(re.sub(r" request_id=\S+", "", line), line)
        for line in list(errors.values())[:10]:
            note = f"{instance.log.name}: {line}"
            day.say(note)
            day.notes.append(note)
