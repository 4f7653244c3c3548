"""`make bench`: load-test the service the way `make run` serves it, with wrk.

`--scale 500` (the default) seeds 50 users (each following 10), 500 articles (2-4 tags of
20, 1-2 KB bodies), 10 comments and about 3 favorites per article; `--scale 1m` serves the
bulk-seeded database kept under .data/bench-1000000 (built once by seed-bulk); `--scale
compare` serves both and runs each scenario on each in turn, in --rounds rounds (3 by
default), and judges each ratio by the median of the rounds' ratios. Each scenario runs
for --duration seconds after a --warmup, with --connections connections, and reports
requests/s, latency percentiles, non-2xx responses, SQL statements per request, CPU seconds
of the service, PostgreSQL and wrk, and peak RSS per worker (statements come from /metrics,
summed over the workers). Any error fails the run.

`--topology cluster` serves the 500-article seed from a streaming cluster instead (a
primary and two replicas, tests/bench/cluster.py: writes on the primary, reads on the
replicas) and adds, per scenario, the CPU of the primary and of each replica and where the
reads went, then capacity on paper from CPU per request (tests/bench/capacity.py);
`--topology compare` serves both at once and runs each scenario on one then the other.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from pathlib import Path

import httpx
import psutil
from sqlalchemy import text

from adapters.sqlalchemy.engine import side_engine
from domain.views import MAX_OFFSET
from tests.bench import capacity
from tests.bench import cluster as bench_cluster
from tests.bench.cluster import BenchCluster
from tests.bench.scenarios import SCENARIOS, BenchData, script

ROOT = Path(__file__).resolve().parents[2]
SEED_PASSWORD = "password123"
DEMO_ARTICLES = 500
MILLION = 1_000_000
SINGLE, CLUSTER = "single", "cluster"
STATEMENTS = re.compile(r"^conduit_db_statements_total (\S+)$", re.M)

TARGETS = {  # scenario: (requests/s at least, p99 ms at most), one worker, 32 connections
    "list_anon": (1000, 100),
    "list_auth": (1000, 100),
    "feed": (1000, 100),
    "article": (1500, 60),
    "comments": (1000, 100),
    "read_mix": (1000, 100),
    "write_mix": (700, 150),
}


@dataclass(frozen=True)
class Round:
    """One round's figures, kept beside the median round that stands for them all."""

    rps: float
    p99_ms: float
    io_stall_s: float | None
    steal_s: float | None = None


@dataclass
class Result:
    scenario: str
    requests: int
    rps: float
    p50_ms: float
    p90_ms: float
    p99_ms: float
    errors: dict[str, int]
    statements_per_request: float | None
    cpu_service_s: float
    cpu_postgres_s: float | None
    cpu_wrk_s: float
    peak_rss_mb_per_worker: float
    fraction_of_livez: float | None = None
    target: dict[str, float] | None = None
    meets_target: bool | None = None
    extra: dict[str, object] = field(default_factory=dict)
    topology: str = SINGLE
    cpu_primary_s: float | None = None
    """The cluster's primary (cpu_postgres_s is then every server's)."""
    cpu_replicas_s: dict[str, float] = field(default_factory=dict)
    reads: dict[str, float] = field(default_factory=dict)
    """Read-model statements each database served during the run (cluster): `primary` is
    the app's primary pool, the others are replicas by node name."""
    io_stall_s: float | None = None
    """Seconds in which every runnable task of the machine waited on I/O during the run
    (Linux pressure stall information, `full`); None where the kernel does not say."""
    steal_s: float | None = None
    """CPU seconds the hypervisor gave to others while this VM's CPUs wanted them, during
    the run (`steal` of /proc/stat, both CPUs): a round that lost CPU says so in its row."""
    rounds: list[Round] = field(default_factory=list)
    """Every round of a scenario measured in several (--rounds); this result is the median
    round by throughput."""

    def ms_per_request(self, seconds: float | None) -> float | None:
        return None if seconds is None or not self.requests else seconds * 1000 / self.requests

    def cost(self) -> capacity.Cost | None:
        """CPU ms per request on the cluster, for capacity on paper."""
        if self.cpu_primary_s is None:
            return None
        return capacity.Cost.measured(
            self.requests, self.cpu_service_s, self.cpu_primary_s, self.cpu_replicas_s
        )

    def read_shares(self) -> dict[str, float]:
        total = sum(self.reads.values())
        return {name: n / total for name, n in self.reads.items()} if total else {}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _tree(pid: int) -> list[psutil.Process]:
    try:
        root = psutil.Process(pid)
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def _cpu(pid: int) -> dict[int, float]:
    """CPU seconds of each process of `pid`'s tree, by process id."""
    seconds = {}
    for process in _tree(pid):
        try:
            times = process.cpu_times()
        except psutil.NoSuchProcess:
            continue
        seconds[process.pid] = times.user + times.system
    return seconds


def _cpu_since(pid: int, before: dict[int, float]) -> float:
    """CPU seconds `pid`'s tree used since `before`: a process started since counts in
    full, one that ended since is left out (its last seconds unseen), never subtracted."""
    return sum(now - before.get(child, 0.0) for child, now in _cpu(pid).items())


class RssSampler(threading.Thread):
    """Peak resident memory of each worker process, sampled every 200 ms."""

    def __init__(self, server_pid: int) -> None:
        super().__init__(daemon=True)
        self.server_pid = server_pid
        self.peak: dict[int, int] = {}
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.wait(0.2):
            for process in _workers(self.server_pid):
                try:
                    rss = process.memory_info().rss
                except psutil.NoSuchProcess:
                    continue
                self.peak[process.pid] = max(self.peak.get(process.pid, 0), rss)

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return max(self.peak.values(), default=0) / 2**20


def _workers(server_pid: int) -> list[psutil.Process]:
    """uvicorn serves in-process with one worker, in child processes with more."""
    processes = _tree(server_pid)
    children = [
        p for p in processes[1:] if "multiprocessing.resource_tracker" not in " ".join(_cmdline(p))
    ]
    return children or processes[:1]


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return list(process.cmdline())
    except psutil.Error:
        return []


def _statements(metrics: str) -> float | None:
    found = STATEMENTS.search(metrics)
    return float(found.group(1)) if found else None


def _ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk is None:
        raise SystemExit("wrk is not installed: `make bench` installs it (apt-get install wrk)")
    return wrk


def _run_wrk(
    wrk: str, base: str, lua: Path, seconds: int, connections: int
) -> tuple[dict[str, object], float]:
    """Run wrk; returns its JSON summary and the CPU seconds wrk itself used."""
    command = [
        wrk,
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        str(lua),
        base,
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    output = process.stdout.read().decode() if process.stdout else ""
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(
            f"wrk failed: {output} {process.stderr.read().decode() if process.stderr else ''}"
        )
    line = next(ln for ln in output.splitlines() if ln.startswith("BENCH-JSON "))
    return json.loads(line.removeprefix("BENCH-JSON ")), usage.ru_utime + usage.ru_stime


def _wait_live(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the service exited with {server.returncode}")
        try:
            if httpx.get(f"{base}/livez", timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            time.sleep(0.2)
    raise SystemExit("the service did not start")


def _login_all(client: httpx.Client, users: list[tuple[str, str]]) -> list[str]:
    tokens = []
    for _, email in users:
        response = client.post(
            "/users/login", json={"user": {"email": email, "password": SEED_PASSWORD}}
        )
        response.raise_for_status()
        tokens.append(response.json()["user"]["token"])
    return tokens


def _bench_data(base: str, size: Size) -> BenchData:
    """The heavy reader's token (the first user) and 49 others', 500 slugs, the tags.

    The heavy reader is feed_heavy's alone: in the other scenarios one request in 50 would be
    hers, and at a million articles her feed cost ten times another's before migration 0015
    (about twice since)."""
    with httpx.Client(base_url=f"{base}/api", timeout=30) as client:
        users = [size.user(n) for n in range(1, 51)]
        tokens = _login_all(client, users)
        total = client.get("/articles", params={"limit": 1}).json()["articlesCount"]
        articles: list[dict[str, object]] = []
        for offset in size.slug_offsets(total):
            page = client.get("/articles", params={"limit": 100, "offset": offset}).json()
            articles.extend(page["articles"])
        tags = client.get("/tags").json()["tags"]
    used = Counter(tag for a in articles for tag in a["tagList"])  # type: ignore[attr-defined]
    return BenchData(
        tokens=tokens[1:],
        slugs=[str(a["slug"]) for a in articles],
        usernames=[name for name, _ in users],
        tags=tags[:100],
        article_count=total,
        popular_tag=used.most_common(1)[0][0],
        heavy_token=tokens[0],
    )


@dataclass(frozen=True)
class Size:
    """A data set to benchmark: the demo seed (500 articles) or a bulk-seeded site."""

    articles: int

    @property
    def bulk(self) -> bool:
        return self.articles > DEMO_ARTICLES

    @property
    def label(self) -> str:
        return f"{self.articles:,} articles"

    def user(self, n: int) -> tuple[str, str]:
        if self.bulk:
            name = f"b1_{n:06d}"  # seed-bulk's users; b1_000001 follows 5,000 authors
            return name, f"{name}@bulk.example"
        name = f"u1_{n:03d}"  # the demo seed's users, each following 10
        return name, f"{name}@seed.example"

    def slug_offsets(self, total: int) -> range:
        if self.bulk:
            return range(0, min(total, MAX_OFFSET), max(min(total, MAX_OFFSET) // 5, 100))
        return range(0, total, 100)


def _start_database(stack: ExitStack, size: Size) -> tuple[str, int | None]:
    """DATABASE_URL as given, else an embedded PostgreSQL tuned as `make run` tunes it: a
    fresh one seeded with the demo data, or the kept bulk database (built on first use)."""
    if os.environ.get("DATABASE_URL"):
        return os.environ["DATABASE_URL"], None
    from adapters.postgres import embedded, tuning

    if size.bulk:
        data_dir = _bulk_data_dir(size)
    else:
        data_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="conduit-bench-")))
    if size.bulk:
        _warm(data_dir / "postgres")
    server = embedded.start(data_dir / "postgres", tuning.sized_settings(tuning.machine_memory()))
    stack.callback(server.stop)
    pid = int((data_dir / "postgres" / "postmaster.pid").read_text().splitlines()[0])
    if size.bulk:
        # A database built by an older release is brought forward as a live site would be:
        # the migrations, then the backfill of what they added (quick when nothing is left).
        _cli(server.url, "db", "upgrade")
        _cli(server.url, "db", "backfill-feed-totals")
        asyncio.run(_forget_bench_writes(server.url))
    else:
        _cli(server.url, "db", "upgrade")
        _seed_demo(server.url)
    return server.url, pid


def _seed_demo(url: str) -> None:
    print("seeding (50 users, 500 articles, 5000 comments) ...", file=sys.stderr)
    _cli(url, "seed", "--seed", "1")


def _bulk_data_dir(size: Size) -> Path:
    """`.data/bench-<N>`, seeded once by `seed-bulk` and kept (write_mix adds to it)."""
    data_dir = ROOT / ".data" / f"bench-{size.articles}"
    done = data_dir / "seeded"
    if not done.exists():
        shutil.rmtree(data_dir, ignore_errors=True)
        print(f"building the {size.label} database in {data_dir} (once) ...", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "entrypoints.cli",
                "seed-bulk",
                "--articles",
                str(size.articles),
                "--users",
                str(max(size.articles // 10, 100)),
            ],
            cwd=ROOT,
            env={**os.environ, "DATA_DIR": str(data_dir)},
            check=True,
        )
        done.touch()
    return data_dir


WRITTEN_BY_WRITE_MIX = (
    "articles",
    "article_tags",
    "favorites",
    "comments",
    "tags",
    "users",
    "feed_totals",
)


async def _forget_bench_writes(url: str) -> None:
    """The kept database back to what seed-bulk wrote: an earlier write_mix's articles go
    (the counters' triggers count the deletion), so every run measures the same data.

    Every table the deletion reached is vacuumed, not only articles: the cascade leaves dead
    entries at the newest end of the popular tags' index, where the tag scenario reads."""
    await _autocommit(
        url,
        "DELETE FROM articles WHERE title LIKE 'Bench article %'",
        f"VACUUM ANALYZE {', '.join(WRITTEN_BY_WRITE_MIX)}",
    )


async def _checkpoint(url: str) -> None:
    """Every scenario starts right after a checkpoint, at both sizes: the first change to
    each page after one writes the whole page into the WAL, and at a million articles the
    writes touch many more distinct pages than at 500. A timed checkpoint falling in one
    size's run and not the other's would decide the ratio; this way both pay it."""
    await _autocommit(url, "CHECKPOINT")


async def _autocommit(url: str, *statements: str) -> None:
    """Each statement in a transaction of its own (VACUUM and CHECKPOINT need that)."""
    engine = side_engine(url)
    try:
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in statements:
                await conn.execute(text(statement))
    finally:
        await engine.dispose()


def _warm(data_dir: Path) -> None:
    """Read the database's files once, so the operating system caches them: a site that has
    been serving is warm, and the first scenario should not pay for the disk."""
    print(f"warming the file cache with {data_dir} ...", file=sys.stderr)
    for path in (data_dir / "base").rglob("*"):
        if path.is_file():
            with path.open("rb") as f:
                while f.read(1 << 20):
                    pass


def _cli(url: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "entrypoints.cli", *args],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        check=True,
    )


def main() -> int:
    # A SIGTERM (a cancelled job) unwinds like Ctrl-C: the services, the embedded server and
    # the cluster are stopped on the way out.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--duration", type=int, default=15)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--scenarios", default=",".join(SCENARIOS))
    parser.add_argument(
        "--scale",
        default="500",
        help="500 (the demo seed), 1m or any article count (a bulk-seeded site), or "
        "compare (500 and 1m in one run, with the ratios the targets are judged by)",
    )
    parser.add_argument(
        "--topology",
        default=SINGLE,
        choices=[SINGLE, CLUSTER, "compare"],
        help="single (one PostgreSQL), cluster (a primary and two streaming replicas, reads "
        "on the replicas; 500 articles only) or compare (both in one run)",
    )
    parser.add_argument("--output", type=Path)
    parser.add_argument(
        "--rounds",
        type=int,
        help="rounds per scenario, alternating between the services; a comparison takes the "
        f"median of the rounds' ratios (default {COMPARE_ROUNDS} when two services are "
        f"compared, else 1; write_mix at least {WRITE_ROUNDS})",
    )
    args = parser.parse_args()
    if args.rounds is None:
        compared = args.scale == "compare" or args.topology == "compare"
        args.rounds = COMPARE_ROUNDS if compared else 1
    if args.topology != SINGLE and args.scale.lower() not in ("500", "demo"):
        parser.error("--topology cluster or compare runs at --scale 500 only")
    wrk = _ensure_wrk()
    scenarios = ["livez", *[s for s in args.scenarios.split(",") if s and s != "livez"]]
    setups = _setups(args)
    runs = _bench(args, wrk, scenarios, setups)
    for label, results in runs.items():
        _report(results, args, label)
    if args.scale == "compare":
        _compare(*runs.values())
    by_topology = {results[0].topology: results for results in runs.values() if results}
    topologies = None
    if SINGLE in by_topology and CLUSTER in by_topology:
        topologies = _compare_topologies(by_topology[SINGLE], by_topology[CLUSTER])
        print("\n".join(_topology_lines(topologies)))
    plan = None
    if CLUSTER in by_topology:
        costs = {r.scenario: c for r in by_topology[CLUSTER] if (c := r.cost()) is not None}
        plan = capacity.plan(costs)
        print("\n".join(capacity.lines(plan)))
    _write(runs, args, topologies, plan)
    failed = [r.scenario for results in runs.values() for r in results if any(r.errors.values())]
    if failed:
        print(f"FAILED: errors in {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _setups(args: argparse.Namespace) -> list[tuple[Size, str]]:
    """What to serve: (data size, topology) pairs, measured side by side."""
    demo = Size(DEMO_ARTICLES)
    if args.scale == "compare":
        return [(demo, SINGLE), (Size(MILLION), SINGLE)]
    if args.topology == "compare":
        return [(demo, SINGLE), (demo, CLUSTER)]
    return [(_size(args.scale), args.topology)]


def _size(raw: str) -> Size:
    if raw.lower() == "demo":
        return Size(DEMO_ARTICLES)
    return Size(MILLION if raw.lower() == "1m" else int(raw.replace("_", "")))


@dataclass
class Service:
    """One size's service, up and seeded, and what the scenarios need of it."""

    size: Size
    topology: str
    base: str
    data: BenchData
    server_pid: int
    postgres_pid: int | None
    work: Path
    primary_url: str
    """The database that takes the writes (the primary of a cluster)."""
    cluster: BenchCluster | None = None
    results: list[Result] = field(default_factory=list)

    @property
    def label(self) -> str:
        return self.size.label if self.topology == SINGLE else f"{self.size.label}, cluster"


def _serve(stack: ExitStack, args: argparse.Namespace, size: Size, topology: str) -> Service:
    cluster: BenchCluster | None = None
    if topology == CLUSTER:
        cluster = bench_cluster.start(stack)
        url = cluster.seed_url()
        _seed_demo(url)
        database: dict[str, str] = cluster.service_env()
        postgres_pid = None
    else:
        url, postgres_pid = _start_database(stack, size)
        database = {"DATABASE_URL": url}
    env = {
        **os.environ,
        **database,
        "LOG_LEVEL": "WARNING",
        "RATE_LIMIT_PER_MINUTE": "0",
        "ENVIRONMENT": "development",
    }
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "entrypoints.cli",
            "serve",
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        cwd=ROOT,
        env=env,
    )
    stack.callback(_stop, server)
    _wait_live(base, server)
    if cluster is not None:
        _wait_replicas(base, cluster)
    work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="conduit-bench-")))
    data = _bench_data(base, size)
    return Service(size, topology, base, data, server.pid, postgres_pid, work, url, cluster)


def _wait_replicas(base: str, cluster: BenchCluster) -> None:
    """Until the service reads on every replica (they have replayed the seed)."""
    wanted = {node.address for node in cluster.replicas}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        databases = httpx.get(f"{base}/readyz", timeout=5).json().get("databases") or []
        if wanted <= {d["name"] for d in databases if d["role"] == "replica" and d["healthy"]}:
            return
        time.sleep(0.2)
    raise SystemExit(f"the service does not read on the replicas: {databases}")


COMPARE_ROUNDS = 3
"""Rounds per scenario when two services are compared (`--rounds` overrides)."""
WRITE_ROUNDS = 3
"""write_mix's rounds at the least, compared or not: every write waits for the disk, and
this VM's disk stalls now and then for seconds; one 15 s run that met a stall decided the
write ratio on its own."""


def rounds_of(scenario: str, rounds: int) -> int:
    return max(rounds, WRITE_ROUNDS) if scenario == "write_mix" else rounds


def _bench(
    args: argparse.Namespace, wrk: str, scenarios: list[str], setups: list[tuple[Size, str]]
) -> dict[str, list[Result]]:
    """Every service runs at once, and each scenario runs on each in turn: the two
    measurements of a scenario are seconds apart, so drift in the machine's speed (other
    work, thermal) touches both alike."""
    with ExitStack() as stack:
        services = [_serve(stack, args, size, topology) for size, topology in setups]
        for name in scenarios:
            rounds: list[list[Result]] = [[] for _ in services]
            for number in range(rounds_of(name, args.rounds)):
                for service, measured in zip(services, rounds, strict=True):
                    print(f"{name} on {service.label} (round {number + 1})", file=sys.stderr)
                    measured.append(_run_one(args, wrk, service, name))
            for service, measured in zip(services, rounds, strict=True):
                service.results.append(median_round(measured))
    for service in services:
        _judge(service.results, service.data)
    return {service.label: service.results for service in services}


def median_round(rounds: list[Result]) -> Result:
    """The round of median throughput (the lower middle of an even count), which stands for
    its service in the tables and keeps every round's figures; a single round is itself.
    Comparisons take the median of the rounds' paired ratios instead (paired_ratios)."""
    if len(rounds) == 1:
        return rounds[0]
    median = sorted(rounds, key=lambda r: r.rps)[(len(rounds) - 1) // 2]
    median.rounds = [Round(r.rps, r.p99_ms, r.io_stall_s, r.steal_s) for r in rounds]
    return median


def _run_one(args: argparse.Namespace, wrk: str, service: Service, name: str) -> Result:
    base, data = service.base, service.data
    server_pid, postgres_pid = service.server_pid, service.postgres_pid
    nodes = service.cluster.nodes if service.cluster else []
    lua = service.work / f"{name}.lua"
    lua.write_text(script(name, data))
    with httpx.Client(base_url=base, timeout=10) as client:
        _run_wrk(wrk, base, lua, args.warmup, args.connections)
        asyncio.run(_checkpoint(service.primary_url))
        cpu_service = _cpu(server_pid)
        cpu_pg = _cpu(postgres_pid) if postgres_pid else {}
        cpu_servers = {node.name: _cpu(node.pid) for node in nodes}
        metrics = client.get("/metrics").text
        sampler = RssSampler(server_pid)
        sampler.start()
        stalled, stolen = _io_stall_us(), _steal_ticks()
        summary, cpu_wrk = _run_wrk(wrk, base, lua, args.duration, args.connections)
        stalled_after, stolen_after = _io_stall_us(), _steal_ticks()
        peak = sampler.stop()
        used_servers = {
            node.name: round(_cpu_since(node.pid, cpu_servers[node.name]), 2) for node in nodes
        }
        if args.workers > 1:
            time.sleep(1.5)  # each worker publishes its statement count every second
        after = client.get("/metrics").text
        statements, after_statements = _statements(metrics), _statements(after)
        requests = int(summary["requests"])  # type: ignore[call-overload]
        seconds = int(summary["duration_us"]) / 1e6  # type: ignore[call-overload]
        latency: dict[str, float] = summary["latency_us"]  # type: ignore[assignment]
        per_request = None
        if statements is not None and after_statements is not None and requests:
            # One /metrics request sits between the two readings: not counted.
            per_request = round((after_statements - statements) / requests, 2)
        result = Result(
            scenario=name,
            requests=requests,
            rps=round(requests / seconds, 1),
            p50_ms=latency["p50"] / 1000,
            p90_ms=latency["p90"] / 1000,
            p99_ms=latency["p99"] / 1000,
            errors=dict(summary["errors"]),  # type: ignore[call-overload]
            statements_per_request=per_request,
            cpu_service_s=round(_cpu_since(server_pid, cpu_service), 2),
            cpu_postgres_s=round(_cpu_since(postgres_pid, cpu_pg), 2) if postgres_pid else None,
            cpu_wrk_s=round(cpu_wrk, 2),
            peak_rss_mb_per_worker=round(peak, 1),
            extra=_alone(client, name, data),
            io_stall_s=None
            if stalled is None or stalled_after is None
            else round((stalled_after - stalled) / 1e6, 2),
            steal_s=None
            if stolen is None or stolen_after is None
            else round((stolen_after - stolen) / os.sysconf("SC_CLK_TCK"), 2),
            topology=service.topology,
        )
        if service.cluster is not None:
            _cluster_figures(result, service.cluster, used_servers, metrics, after)
        return result


def _cluster_figures(
    result: Result,
    cluster: BenchCluster,
    cpu_servers: dict[str, float],
    metrics_before: str,
    metrics_after: str,
) -> None:
    """Each server's CPU and the reads each database served, into `result`."""
    result.cpu_postgres_s = round(sum(cpu_servers.values()), 2)
    result.cpu_primary_s = cpu_servers[cluster.primary.name]
    result.cpu_replicas_s = {node.name: cpu_servers[node.name] for node in cluster.replicas}
    before = bench_cluster.reads(metrics_before, cluster.nodes)
    after = bench_cluster.reads(metrics_after, cluster.nodes)
    served = {name: count - before.get(name, 0.0) for name, count in after.items()}
    # The primary's node is in DATABASE_REPLICA_URLS too (any server may be promoted), and
    # serves nothing under that name while it is the primary: left out unless it did.
    shown = [bench_cluster.PRIMARY, *(node.name for node in cluster.replicas)]
    shown += [name for name in served if name not in shown and served[name]]
    result.reads = {name: served.get(name, 0.0) for name in shown}


def _judge(results: list[Result], data: BenchData) -> None:
    livez = next(r for r in results if r.scenario == "livez")
    for result in results:
        result.fraction_of_livez = round(result.rps / livez.rps, 3) if livez.rps else None
        if result.scenario in TARGETS and data.article_count <= DEMO_ARTICLES + 100:
            rps, p99 = TARGETS[result.scenario]
            result.target = {"rps": rps, "p99_ms": p99}
            result.meets_target = result.rps >= rps and result.p99_ms <= p99


def _alone_path(scenario: str, data: BenchData) -> str | None:
    """The one request of a scenario that is also timed alone (the per-request targets)."""
    return {
        "list_deep": f"/api/articles?limit=20&offset={data.max_offset}",
        "search_common": f"/api/articles?limit=20&q={data.search_word}",
        "feed_heavy": "/api/articles/feed?limit=20",
    }.get(scenario)


ALONE_TIMES = 21


def _alone(client: httpx.Client, scenario: str, data: BenchData) -> dict[str, object]:
    """Median and worst of ALONE_TIMES requests sent one after another, in ms."""
    path = _alone_path(scenario, data)
    if path is None:
        return {}
    headers = {"Authorization": f"Token {data.heavy_token}"}
    times = []
    for _ in range(ALONE_TIMES):
        started = time.perf_counter()
        client.get(path, headers=headers).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return {
        "alone_median_ms": round(statistics.median(times), 1),
        "alone_max_ms": round(max(times), 1),
    }


def _stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()


def _dash(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _steal_ticks() -> int | None:
    """Clock ticks, since boot, in which the hypervisor ran something else while this VM
    had work for its CPUs (the 8th figure of /proc/stat's `cpu` line)."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        return int(fields[8]) if fields[0] == "cpu" and len(fields) > 8 else None
    except (OSError, ValueError):
        return None


def _io_stall_us() -> int | None:
    """Microseconds, since boot, in which every runnable task waited on I/O: this VM's disk
    stalls now and then for seconds, and a run that met one says so in its row."""
    try:
        for line in Path("/proc/pressure/io").read_text().splitlines():
            if line.startswith("full "):
                return int(line.rsplit("total=", 1)[1])
    except (OSError, ValueError, IndexError):
        pass
    return None


def _report(results: list[Result], args: argparse.Namespace, label: str) -> None:
    header = (
        f"{'scenario':<11} {'req/s':>8} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
        f"{'non-2xx':>7} {'stmt/req':>8} {'cpu app':>7} {'cpu pg':>6} {'cpu wrk':>7} "
        f"{'rss MB':>6} {'x livez':>7} {'io stall s':>10}  target"
    )
    print(
        f"\n{label}: workers={args.workers} connections={args.connections}"
        f" duration={args.duration}s"
    )
    print(header)
    for r in results:
        target = ""
        if r.target:
            verdict = "ok" if r.meets_target else "MISSED"
            target = f">={r.target['rps']:.0f}/s p99<={r.target['p99_ms']:.0f}ms {verdict}"
        errors = sum(r.errors.values())
        statements = _dash(r.statements_per_request)
        print(
            f"{r.scenario:<11} {r.rps:>8.0f} {r.p50_ms:>7.1f} {r.p90_ms:>7.1f} {r.p99_ms:>7.1f} "
            f"{errors:>7} {statements:>8} {r.cpu_service_s:>7.1f} {_dash(r.cpu_postgres_s):>6} "
            f"{r.cpu_wrk_s:>7.1f} {r.peak_rss_mb_per_worker:>6.0f} "
            f"{_dash(r.fraction_of_livez):>7} {_dash(r.io_stall_s):>10}  {target}"
        )
        alone = r.extra.get("alone_median_ms")
        if alone is not None:
            print(f"{'':<11} alone: median {alone} ms, worst {r.extra['alone_max_ms']} ms")
    if any(r.cpu_primary_s is not None for r in results):
        print(f"\n{label}: CPU ms per request by process tree, and where the reads went")
        print("\n".join(_cluster_table(results)))


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _table(headers: list[str], rows: list[list[str]], markdown: bool = False) -> list[str]:
    """Aligned text (the first column left, the others right), or a Markdown table."""
    if markdown:
        return [
            "| " + " | ".join(headers) + " |",
            "|---|" + "---:|" * (len(headers) - 1),
            *("| " + " | ".join(row) + " |" for row in rows),
        ]
    widths = [max(len(cells[i]) for cells in [headers, *rows]) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        return " ".join([first, *(c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True))])

    return [line(headers), *(line(row) for row in rows)]


def _cluster_table(results: list[Result], markdown: bool = False) -> list[str]:
    """Per scenario on the cluster: CPU ms per request of the app, of every server together,
    of the primary and of the replicas (together and each), and each database's share of
    the read-model statements (`primary`: reads sent to, or fallen back on, the primary)."""
    cluster = [r for r in results if r.cpu_primary_s is not None]
    replicas = list(cluster[0].cpu_replicas_s) if cluster else []
    databases = list(cluster[0].reads) if cluster else []
    headers = [
        "scenario",
        "app ms",
        "pg ms (all)",
        "primary ms",
        "replicas ms",
        *(f"{name} ms" for name in replicas),
        *(f"reads {name}" for name in databases),
    ]
    rows = []
    for r in cluster:
        shares = r.read_shares()
        rows.append(
            [
                r.scenario,
                _ms(r.ms_per_request(r.cpu_service_s)),
                _ms(r.ms_per_request(r.cpu_postgres_s)),
                _ms(r.ms_per_request(r.cpu_primary_s)),
                _ms(r.ms_per_request(sum(r.cpu_replicas_s.values()))),
                *(_ms(r.ms_per_request(r.cpu_replicas_s.get(name))) for name in replicas),
                *(_share(shares.get(name)) for name in databases),
            ]
        )
    return _table(headers, rows, markdown)


READ_TARGET, P99_TARGET, WRITE_TARGET, ALONE_TARGET_MS = 0.8, 1.25, 0.9, 50.0


def _compare(small: list[Result], big: list[Result]) -> None:
    """The data-scale targets: each scenario at the big size against itself at 500."""
    print("\nbig / small, same run")
    print(f"{'scenario':<14} {'req/s':>7} {'p99':>7} {'io stall s':>11}  target")
    before = {r.scenario: r for r in small}
    for r in big:
        base = before.get(r.scenario)
        if base is None or r.scenario == "livez" or not base.rps or not base.p99_ms:
            continue
        rps, p99 = paired_ratios(base, r)
        if r.scenario == "write_mix":
            verdict = f">={WRITE_TARGET:.0%} req/s: " + ("ok" if rps >= WRITE_TARGET else "MISSED")
        else:
            ok = rps >= READ_TARGET and p99 <= P99_TARGET
            verdict = f">={READ_TARGET:.0%} req/s, p99 <={P99_TARGET}x: " + (
                "ok" if ok else "MISSED"
            )
        alone = r.extra.get("alone_median_ms")
        if isinstance(alone, float):
            ok = alone <= ALONE_TARGET_MS
            verdict += f"; alone {alone} ms <= {ALONE_TARGET_MS:.0f}: " + ("ok" if ok else "MISSED")
        # A ratio from a run where the disk stalled says more about the disk than the data.
        stall = f"{_dash(base.io_stall_s)}/{_dash(r.io_stall_s)}"
        print(f"{r.scenario:<14} {rps:>7.2f} {p99:>7.2f} {stall:>11}  {verdict}")
        for line in _round_lines(base, r):
            print(f"{'':<14} {line}")


def paired_ratios(small: Result, big: Result) -> tuple[float, float]:
    """big / small in requests/s and in p99: the median over the rounds, each round's two
    runs seconds apart (so each ratio is of one moment of the machine), or the one run's."""
    pairs = [(b.rps / s.rps, b.p99_ms / s.p99_ms) for s, b in _round_pairs(small, big)]
    if len(pairs) < 2:
        return big.rps / small.rps, big.p99_ms / small.p99_ms
    return statistics.median(x for x, _ in pairs), statistics.median(y for _, y in pairs)


def _round_lines(small: Result, big: Result) -> list[str]:
    """Each round's ratio and stalls, under the verdict their medians gave."""
    return [
        f"round {n}: req/s {b.rps / s.rps:.2f} ({s.rps:g} -> {b.rps:g}), "
        f"p99 {s.p99_ms:g} -> {b.p99_ms:g} ms, stall {_dash(s.io_stall_s)}/{_dash(b.io_stall_s)} s,"
        f" steal {_dash(s.steal_s)}/{_dash(b.steal_s)} s"
        for n, (s, b) in enumerate(_round_pairs(small, big), start=1)
    ]


def _round_pairs(small: Result, big: Result) -> list[tuple[Round, Round]]:
    """The two services' rounds side by side, those whose small side divides."""
    return [(s, b) for s, b in zip(small.rounds, big.rounds, strict=False) if s.rps and s.p99_ms]


@dataclass(frozen=True)
class TopologyRow:
    """One scenario on the single server and on the cluster, measured seconds apart."""

    scenario: str
    rps_single: float
    rps_cluster: float
    rps_cluster_over_single: float | None
    p50_ms_single: float
    p50_ms_cluster: float
    p99_ms_single: float
    p99_ms_cluster: float
    statements_per_request_single: float | None
    statements_per_request_cluster: float | None
    app_ms_single: float | None
    app_ms_cluster: float | None
    postgres_ms_single: float | None
    """The single server's CPU per request."""
    primary_ms_cluster: float | None
    replicas_ms_cluster: float | None


def _compare_topologies(single: list[Result], cluster: list[Result]) -> list[TopologyRow]:
    on_cluster = {r.scenario: r for r in cluster}
    rows = []
    for one in single:
        many = on_cluster.get(one.scenario)
        if many is None:
            continue
        replicas = sum(many.cpu_replicas_s.values()) if many.cpu_replicas_s else None
        rows.append(
            TopologyRow(
                scenario=one.scenario,
                rps_single=one.rps,
                rps_cluster=many.rps,
                rps_cluster_over_single=round(many.rps / one.rps, 2) if one.rps else None,
                p50_ms_single=one.p50_ms,
                p50_ms_cluster=many.p50_ms,
                p99_ms_single=one.p99_ms,
                p99_ms_cluster=many.p99_ms,
                statements_per_request_single=one.statements_per_request,
                statements_per_request_cluster=many.statements_per_request,
                app_ms_single=_rounded(one.ms_per_request(one.cpu_service_s)),
                app_ms_cluster=_rounded(many.ms_per_request(many.cpu_service_s)),
                postgres_ms_single=_rounded(one.ms_per_request(one.cpu_postgres_s)),
                primary_ms_cluster=_rounded(many.ms_per_request(many.cpu_primary_s)),
                replicas_ms_cluster=_rounded(many.ms_per_request(replicas)),
            )
        )
    return rows


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def _topology_table(rows: list[TopologyRow], markdown: bool = False) -> list[str]:
    headers = [
        "scenario",
        "req/s single",
        "req/s cluster",
        "cluster/single",
        "p50 ms",
        "p99 ms",
        "stmt/req",
        "app ms/req",
        "pg ms/req -> primary",
        "replicas ms/req",
    ]

    def pair(a: float | None, b: float | None, digits: int = 1) -> str:
        return " -> ".join("-" if v is None else f"{v:.{digits}f}" for v in (a, b))

    table = [
        [
            row.scenario,
            f"{row.rps_single:,.0f}",
            f"{row.rps_cluster:,.0f}",
            _dash(row.rps_cluster_over_single),
            pair(row.p50_ms_single, row.p50_ms_cluster),
            pair(row.p99_ms_single, row.p99_ms_cluster),
            pair(row.statements_per_request_single, row.statements_per_request_cluster, 2),
            pair(row.app_ms_single, row.app_ms_cluster, 3),
            pair(row.postgres_ms_single, row.primary_ms_cluster, 3),
            _ms(row.replicas_ms_cluster),
        ]
        for row in rows
    ]
    return _table(headers, table, markdown)


def _topology_lines(rows: list[TopologyRow]) -> list[str]:
    """The comparison, then what read-your-writes and the synchronous standby cost."""
    out = ["", "single -> cluster, same run (pairs read single -> cluster)"]
    return out + _topology_table(rows) + _topology_notes(rows)


def _topology_notes(rows: list[TopologyRow]) -> list[str]:
    out = []
    found = {row.scenario: row for row in rows}
    write, auth = found.get("write_mix"), found.get("list_auth")
    if write is not None:
        out.append(
            f"write_mix (a commit waits for a standby's flush, then records the writer's WAL "
            f"position): {write.rps_single:,.0f} -> {write.rps_cluster:,.0f} req/s "
            f"(x{_dash(write.rps_cluster_over_single)}), p50 {write.p50_ms_single:.1f} -> "
            f"{write.p50_ms_cluster:.1f} ms, p99 {write.p99_ms_single:.1f} -> "
            f"{write.p99_ms_cluster:.1f} ms, PostgreSQL CPU per write "
            f"{_ms(write.postgres_ms_single)} -> primary {_ms(write.primary_ms_cluster)} ms "
            f"(+ replicas {_ms(write.replicas_ms_cluster)} ms)"
        )
    if auth is not None:
        out.append(
            f"list_auth (read-your-writes: the reader's last write position looked up on the "
            f"primary, then the read on a replica): statements/request "
            f"{_dash(auth.statements_per_request_single)} -> "
            f"{_dash(auth.statements_per_request_cluster)}, primary CPU per read "
            f"{_ms(auth.postgres_ms_single)} -> {_ms(auth.primary_ms_cluster)} ms"
        )
    return out


def _write(
    runs: dict[str, list[Result]],
    args: argparse.Namespace,
    topologies: list[TopologyRow] | None = None,
    plan: capacity.Plan | None = None,
) -> None:
    output = (
        args.output
        or ROOT / "bench-results" / f"bench-{time.strftime('%Y%m%d-%H%M%S')}-w{args.workers}.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    document: dict[str, object] = {
        "workers": args.workers,
        "connections": args.connections,
        "duration_s": args.duration,
        "topology": args.topology,
        "runs": {label: [asdict(r) for r in results] for label, results in runs.items()},
    }
    if topologies is not None:
        document["single_vs_cluster"] = [asdict(row) for row in topologies]
    if plan is not None:
        document["capacity"] = asdict(plan)
    output.write_text(json.dumps(document, indent=2))
    print(f"\nwritten to {output}")
    if plan is not None or topologies is not None:
        markdown = output.with_suffix(".md")
        markdown.write_text(_markdown(runs, args, topologies, plan))
        print(f"written to {markdown}")


def _markdown(
    runs: dict[str, list[Result]],
    args: argparse.Namespace,
    topologies: list[TopologyRow] | None,
    plan: capacity.Plan | None,
) -> str:
    """The cluster's figures as Markdown tables, ready for the README."""
    out = [
        f"# make bench --topology {args.topology}, {time.strftime('%Y-%m-%d %H:%M')}",
        "",
        f"{args.workers} worker(s), {args.connections} connections, {args.duration} s per "
        f"scenario after {args.warmup} s of warm-up, {os.cpu_count()} cores.",
    ]
    if topologies is not None:
        out += ["", "## Single server and cluster, same run", ""]
        out += _topology_table(topologies, markdown=True)
        out += ["", *_topology_notes(topologies)]
    for label, results in runs.items():
        if any(r.cpu_primary_s is not None for r in results):
            out += ["", f"## {label}: CPU ms per request, and where the reads went", ""]
            out += _cluster_table(results, markdown=True)
    if plan is not None:
        out += ["", "## Capacity on paper", "", plan.method, ""]
        out += capacity.markdown(plan)
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.exit(main())
