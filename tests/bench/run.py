"""`make bench`: load-test the service the way `make run` serves it, with wrk.

`--scale 500` (the default) seeds 50 users (each following 10), 500 articles (2-4 tags of
20, 1-2 KB bodies), 10 comments and about 3 favorites per article; `--scale 1m` serves the
bulk-seeded database kept under .data/bench-1000000 (built once by seed-bulk); `--scale
compare` serves both and runs each scenario on each in turn. Each scenario runs for --duration
seconds after a --warmup, with --connections connections, and reports requests/s,
latency percentiles, non-2xx responses, SQL statements per request, CPU seconds of the
service, PostgreSQL and wrk, and peak RSS per worker (statements come from /metrics,
summed over the workers). Any error fails the run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
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
from tests.bench.scenarios import SCENARIOS, BenchData, script

ROOT = Path(__file__).resolve().parents[2]
SEED_PASSWORD = "password123"
DEMO_ARTICLES = 500
MILLION = 1_000_000
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


def _cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
            total += times.user + times.system
        except psutil.NoSuchProcess:
            pass
    return total


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


def _statements(client: httpx.Client) -> float | None:
    found = STATEMENTS.search(client.get("/metrics").text)
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
    """Tokens of 50 users (the first of them the heavy reader), 500 slugs, the tags."""
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
        tokens=tokens,
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
        asyncio.run(_forget_bench_writes(server.url))
    else:
        _cli(server.url, "db", "upgrade")
        print("seeding (50 users, 500 articles, 5000 comments) ...", file=sys.stderr)
        _cli(server.url, "seed", "--seed", "1")
    return server.url, pid


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


async def _forget_bench_writes(url: str) -> None:
    """The kept database back to what seed-bulk wrote: an earlier write_mix's articles go
    (the counters' triggers count the deletion), so every run measures the same data."""
    engine = side_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text("DELETE FROM articles WHERE title LIKE 'Bench article %'"))
        async with engine.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(text("VACUUM ANALYZE articles"))
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
    parser.add_argument("--output", type=Path)
    args = parser.parse_args()
    wrk = _ensure_wrk()
    scenarios = ["livez", *[s for s in args.scenarios.split(",") if s and s != "livez"]]
    sizes = [Size(DEMO_ARTICLES), Size(MILLION)] if args.scale == "compare" else [_size(args.scale)]
    runs = _bench(args, wrk, scenarios, sizes)
    for label, results in runs.items():
        _report(results, args, label)
    if len(sizes) == 2:
        _compare(*runs.values())
    _write(runs, args)
    failed = [r.scenario for results in runs.values() for r in results if any(r.errors.values())]
    if failed:
        print(f"FAILED: errors in {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _size(raw: str) -> Size:
    return Size(MILLION if raw.lower() == "1m" else int(raw.replace("_", "")))


@dataclass
class Service:
    """One size's service, up and seeded, and what the scenarios need of it."""

    size: Size
    base: str
    data: BenchData
    server_pid: int
    postgres_pid: int | None
    work: Path
    results: list[Result] = field(default_factory=list)


def _serve(stack: ExitStack, args: argparse.Namespace, size: Size) -> Service:
    url, postgres_pid = _start_database(stack, size)
    env = {
        **os.environ,
        "DATABASE_URL": url,
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
    work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="conduit-bench-")))
    return Service(size, base, _bench_data(base, size), server.pid, postgres_pid, work)


def _bench(
    args: argparse.Namespace, wrk: str, scenarios: list[str], sizes: list[Size]
) -> dict[str, list[Result]]:
    """Every size's service runs at once, and each scenario runs on each size in turn: the
    two measurements of a scenario are seconds apart, so drift in the machine's speed
    (other work, thermal) touches both alike."""
    with ExitStack() as stack:
        services = [_serve(stack, args, size) for size in sizes]
        for name in scenarios:
            for service in services:
                print(f"{name} on {service.size.label}", file=sys.stderr)
                service.results.append(_run_one(args, wrk, service, name))
    for service in services:
        _judge(service.results, service.data)
    return {service.size.label: service.results for service in services}


def _run_one(args: argparse.Namespace, wrk: str, service: Service, name: str) -> Result:
    base, data = service.base, service.data
    server_pid, postgres_pid = service.server_pid, service.postgres_pid
    lua = service.work / f"{name}.lua"
    lua.write_text(script(name, data))
    with httpx.Client(base_url=base, timeout=10) as client:
        _run_wrk(wrk, base, lua, args.warmup, args.connections)
        service_processes = _tree(server_pid)
        postgres = _tree(postgres_pid) if postgres_pid else []
        cpu_service, cpu_pg = _cpu(service_processes), _cpu(postgres)
        statements = _statements(client)
        sampler = RssSampler(server_pid)
        sampler.start()
        summary, cpu_wrk = _run_wrk(wrk, base, lua, args.duration, args.connections)
        peak = sampler.stop()
        if args.workers > 1:
            time.sleep(1.5)  # each worker publishes its statement count every second
        after_statements = _statements(client)
        requests = int(summary["requests"])  # type: ignore[call-overload]
        seconds = int(summary["duration_us"]) / 1e6  # type: ignore[call-overload]
        latency: dict[str, float] = summary["latency_us"]  # type: ignore[assignment]
        per_request = None
        if statements is not None and after_statements is not None and requests:
            # One /metrics request sits between the two readings: not counted.
            per_request = round((after_statements - statements) / requests, 2)
        return Result(
            scenario=name,
            requests=requests,
            rps=round(requests / seconds, 1),
            p50_ms=latency["p50"] / 1000,
            p90_ms=latency["p90"] / 1000,
            p99_ms=latency["p99"] / 1000,
            errors=dict(summary["errors"]),  # type: ignore[call-overload]
            statements_per_request=per_request,
            cpu_service_s=round(_cpu(_tree(server_pid)) - cpu_service, 2),
            cpu_postgres_s=round(_cpu(_tree(postgres_pid)) - cpu_pg, 2) if postgres_pid else None,
            cpu_wrk_s=round(cpu_wrk, 2),
            peak_rss_mb_per_worker=round(peak, 1),
            extra=_alone(client, name, data),
        )


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


def _report(results: list[Result], args: argparse.Namespace, label: str) -> None:
    header = (
        f"{'scenario':<11} {'req/s':>8} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} "
        f"{'non-2xx':>7} {'stmt/req':>8} {'cpu app':>7} {'cpu pg':>6} {'cpu wrk':>7} "
        f"{'rss MB':>6} {'x livez':>7}  target"
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
            f"{_dash(r.fraction_of_livez):>7}  {target}"
        )
        alone = r.extra.get("alone_median_ms")
        if alone is not None:
            print(f"{'':<11} alone: median {alone} ms, worst {r.extra['alone_max_ms']} ms")


READ_TARGET, P99_TARGET, WRITE_TARGET, ALONE_TARGET_MS = 0.8, 1.25, 0.9, 50.0


def _compare(small: list[Result], big: list[Result]) -> None:
    """The data-scale targets: each scenario at the big size against itself at 500."""
    print("\nbig / small, same run")
    print(f"{'scenario':<14} {'req/s':>7} {'p99':>7}  target")
    before = {r.scenario: r for r in small}
    for r in big:
        base = before.get(r.scenario)
        if base is None or r.scenario == "livez" or not base.rps or not base.p99_ms:
            continue
        rps, p99 = r.rps / base.rps, r.p99_ms / base.p99_ms
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
        print(f"{r.scenario:<14} {rps:>7.2f} {p99:>7.2f}  {verdict}")


def _write(runs: dict[str, list[Result]], args: argparse.Namespace) -> None:
    output = (
        args.output
        or ROOT / "bench-results" / f"bench-{time.strftime('%Y%m%d-%H%M%S')}-w{args.workers}.json"
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(
        json.dumps(
            {
                "workers": args.workers,
                "connections": args.connections,
                "duration_s": args.duration,
                "runs": {label: [asdict(r) for r in results] for label, results in runs.items()},
            },
            indent=2,
        )
    )
    print(f"\nwritten to {output}")


if __name__ == "__main__":
    sys.exit(main())
