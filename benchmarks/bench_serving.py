"""The REST API under load, on loopback: latency at a fixed rate, throughput, durable ingestion.

    pip install -e ".[bench]"
    python benchmarks/bench_serving.py [--compare cooccurrence,popularity]

1. Trains a bundle on Amazon Beauty with the default (recommended) models and the search index
   (or serves `--bundle`), and starts `shopsense serve` on 127.0.0.1 with a fresh store.
   `--compare MODELS` measures a second bundle with those models the same way, in the same run.
2. Mixed open-loop traffic for `--duration` seconds at `--rate` requests/s from an async aiohttp
   client: 70% recommendations (known and new shoppers), 15% search, 15% single events; then
   recommendations alone at the same rate for `--recommendations-seconds`, and recommendations
   scored live (a list length other than the one computed at training, so no request is
   answered from the precomputed lists) at `--live-rate` for `--live-seconds`. Latency is timed
   from each request's scheduled send time, so a stalled server cannot hide its queue (no
   coordinated omission). Every non-2xx answer or transport error is an error.
3. Closed-loop saturation, same server and client settings: requests/s of the trivial
   `/healthz`, of recommendations and of recommendations scored live, each for
   `--saturation-seconds` with `--concurrency` requests in flight.
4. Durable ingestion: batches of `--batch` events with `--concurrency` batches in flight; an
   event counts once its request is acknowledged (the server commits before replying).
Each phase records how many recommendation lists came from the precomputed table and how many
were scored live (the server's /metrics). The server's and the client's CPU use (cores busy
over wall time) are recorded per phase, with
the load average: other work on the machine shows as a server that gets less than it asks for.
Writes `runs/serving.json` and the `serving` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import numpy as np
from benchmarks_md import command_line, machine_line, markdown_table, write_section

from shopsense.bundle import Bundle, default_models, train_bundle
from shopsense.data.loaders import load
from shopsense.ranking.registry import expand_models

FOLDER = "amazon-beauty-2014-5core"
#: The shop's backend reads every shopper's lists, so the requests carry the admin key.
KEYS = {"catalog": "bench-catalog", "admin": "bench-admin"}
START_TIMEOUT = 600.0
#: Most open-loop requests in flight at once (the connection pool's size).
MAX_IN_FLIGHT = 64
#: A list length the bundle has no precomputed lists of: every such request is scored live.
LIVE_K = 9


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    parser.add_argument("--bundle", type=Path, default=None, help="serve this bundle root")
    parser.add_argument(
        "--compare", default=None, help="also measure a bundle of these models (comma-separated)"
    )
    parser.add_argument("--out", type=Path, default=Path("runs"))
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument(
        "--recommendations-seconds", type=float, default=30.0, help="recommendations-only phase"
    )
    parser.add_argument(
        "--live-rate", type=float, default=30.0, help="rate of the live-scoring phase"
    )
    parser.add_argument("--live-seconds", type=float, default=20.0)
    parser.add_argument("--saturation-seconds", type=float, default=15.0)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--batch", type=int, default=500, help="events per ingestion request")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--unbatched",
        action="store_true",
        help="also measure the live phases on a server that scores each live list alone",
    )
    parser.add_argument("--no-markdown", action="store_true", help="Do not edit BENCHMARKS.md.")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    roots = [args.bundle or _train(args.data_root, args.out / "serving-bundle", None)]
    if args.compare:
        models = expand_models(args.compare)
        slug = "-".join(models)
        roots.append(_train(args.data_root, args.out / f"serving-bundle-{slug}", models))
    runs = [_measure(root, args) for root in roots]
    results = {"command": command_line(), "runs": runs}
    (args.out / "serving.json").write_text(json.dumps(results, indent=2))
    print(json.dumps(results, indent=2))
    if not args.no_markdown:
        write_section("serving", _markdown(results))


def _train(data_root: Path, root: Path, models: list[str] | None) -> Path:
    if (root / "current").is_file():
        return root
    dataset = load(data_root / FOLDER)
    print(f"training {models or default_models()} on {FOLDER} into {root}", flush=True)
    train_bundle(dataset, root, models, on_step=lambda step: print(step, flush=True))
    return root


def _measure(root: Path, args: argparse.Namespace) -> dict:
    """Every phase against one bundle, on a server of its own with a fresh store."""
    bundle = Bundle.load(root)
    catalogue = bundle.items["item_id"].to_list()
    titles = [t for t in bundle.items["title"].to_list() if t]
    shoppers = bundle.dataset().interactions["user_id"].unique(maintain_order=True).to_list()
    workload = Workload(catalogue, titles, shoppers, random.Random(args.seed))
    with tempfile.TemporaryDirectory() as scratch:
        server = Server(root, Path(scratch) / "store.duckdb", Path(scratch) / "server.log")
        load_before = os.getloadavg()[0]
        try:
            results = asyncio.run(_run(server, workload, args))
        finally:
            server.stop()
        if args.unbatched:
            alone = Server(
                root,
                Path(scratch) / "alone.duckdb",
                Path(scratch) / "alone.log",
                ("--live-batch=1",),
            )
            try:
                results["unbatched"] = asyncio.run(_run_unbatched(alone, workload, args))
            finally:
                alone.stop()
        results["load_average"] = [load_before, os.getloadavg()[0]]
        results["server_errors_logged"] = server.log.read_text().count("Traceback")
    results.update(
        bundle=bundle.version,
        models=list(bundle.models),
        search=bundle.searcher is not None,
        precomputed=_lists_entry(bundle.manifest["artifacts"].get("precomputed")),
        dataset=bundle.manifest["dataset"]["name"],
        items=len(catalogue),
    )
    return results


class Workload:
    """Requests drawn from the served catalogue and its shoppers."""

    def __init__(
        self, items: list[str], titles: list[str], shoppers: list[str], rng: random.Random
    ) -> None:
        self.items, self.titles, self.shoppers, self.rng = items, titles, shoppers, rng

    def shopper(self) -> str:
        # One in five is a visitor the shop has never seen (or one created by an event).
        if self.rng.random() < 0.2:
            return f"visitor-{self.rng.randrange(5000)}"
        return self.rng.choice(self.shoppers)

    def query(self) -> str:
        words = self.rng.choice(self.titles).split()
        start = self.rng.randrange(max(1, len(words) - 1))
        return " ".join(words[start : start + 2])

    def event(self) -> dict[str, str]:
        kind = self.rng.choice(["view", "view", "click", "cart", "purchase"])
        return {"user": self.shopper(), "item": self.rng.choice(self.items), "kind": kind}

    def request(
        self, kinds: tuple[str, ...] = ("recommendations", "search", "events"), k: int = 10
    ) -> tuple[str, str, str, dict | None, dict | None]:
        """(kind, method, path, params, json body) of one request; all three kinds mix 70%
        recommendations (of `k` items), 15% search, 15% events."""
        draw = self.rng.random() if len(kinds) == 3 else 0.0
        if draw < 0.70:
            path = f"/v1/users/{self.shopper()}/recommendations"
            return "recommendations", "GET", path, {"k": k}, None
        if draw < 0.85:
            params = {"q": self.query(), "k": 10}
            if self.rng.random() < 0.5:
                params["user"] = self.shopper()
            return "search", "GET", "/v1/search", params, None
        return "events", "POST", "/v1/events", None, self.event()


@contextlib.asynccontextmanager
async def _client(server: Server, workload: Workload) -> AsyncIterator[aiohttp.ClientSession]:
    """A client session to `server`, after a warm-up that is not reported."""
    connector = aiohttp.TCPConnector(limit=MAX_IN_FLIGHT)
    timeout = aiohttp.ClientTimeout(total=30.0)
    async with aiohttp.ClientSession(server.url, connector=connector, timeout=timeout) as client:
        await _open_loop(client, workload, rate=20.0, seconds=5.0)
        yield client


async def _run(server: Server, workload: Workload, args: argparse.Namespace) -> dict:
    async with _client(server, workload) as client:
        pid = server.process.pid
        mixed = await _phase(pid, client, workload, args.rate, args.duration)
        mixed["settle_seconds"] = await _settle(client)
        only = ("recommendations",)
        recommendations = await _phase(
            pid, client, workload, args.rate, args.recommendations_seconds, kinds=only
        )
        live = await _live_phase(pid, client, workload, args)
        with CpuUse(server.process.pid) as trivial_cpu:
            trivial = await _closed_loop(
                client, lambda: ("GET", "/healthz", None), args.saturation_seconds, args
            )
        with CpuUse(server.process.pid) as recommend_cpu:
            async with ListPaths(client) as recommend_paths:
                recommend = await _closed_loop(
                    client,
                    lambda: ("GET", f"/v1/users/{workload.shopper()}/recommendations", {"k": 10}),
                    args.saturation_seconds,
                    args,
                )
        live_saturation, live_cpu = await _live_saturation(pid, client, workload, args)
        ingestion = await _ingest(client, workload, args)
    return {
        "mixed": mixed,
        "recommendations_only": recommendations,
        "live": live,
        "saturation": {
            "healthz_rps": trivial["rps"],
            "recommendations_rps": recommend["rps"],
            "ratio": recommend["rps"] / trivial["rps"] if trivial["rps"] else None,
            "recommendations_lists": recommend_paths.counts,
            "live_rps": live_saturation["rps"],
            "live_lists": live_saturation["lists"],
            "errors": trivial["errors"] + recommend["errors"] + live_saturation["errors"],
            "concurrency": args.concurrency,
            "seconds": args.saturation_seconds,
            "healthz_cpu": trivial_cpu.cores,
            "recommendations_cpu": recommend_cpu.cores,
            "live_cpu": live_cpu,
        },
        "ingestion": ingestion,
    }


async def _phase(pid: int, client: aiohttp.ClientSession, workload: Workload, *args, **kwargs):
    """`_open_loop(client, workload, *args, **kwargs)` with the server's and client's CPU use
    and the recommendation lists' paths of the phase."""
    with CpuUse(pid) as cpu:
        async with ListPaths(client) as paths:
            results = await _open_loop(client, workload, *args, **kwargs)
    results["cpu"], results["lists"] = cpu.cores, paths.counts
    return results


async def _live_saturation(
    pid: int, client: aiohttp.ClientSession, workload: Workload, args: argparse.Namespace
) -> tuple[dict, dict[str, float]]:
    """Closed-loop throughput of recommendations scored live, with the lists' paths, and the
    server's and client's CPU use."""
    with CpuUse(pid) as cpu:
        async with ListPaths(client) as paths:
            results = await _closed_loop(
                client,
                lambda: ("GET", f"/v1/users/{workload.shopper()}/recommendations", {"k": LIVE_K}),
                args.saturation_seconds,
                args,
            )
    results["lists"] = paths.counts
    return results, cpu.cores


async def _run_unbatched(server: Server, workload: Workload, args: argparse.Namespace) -> dict:
    """The live phases again, on a server that scores every live list alone
    (`--live-batch 1`): batching's effect, side by side in the same run."""
    async with _client(server, workload) as client:
        pid = server.process.pid
        live = await _live_phase(pid, client, workload, args)
        saturation, cpu = await _live_saturation(pid, client, workload, args)
    return {
        "live": live,
        "live_rps": saturation["rps"],
        "live_errors": saturation["errors"],
        "live_cpu": cpu,
    }


async def _live_phase(
    pid: int, client: aiohttp.ClientSession, workload: Workload, args: argparse.Namespace
) -> dict:
    """Recommendations scored live (`LIVE_K` items) at `--live-rate`, open loop."""
    return await _phase(
        pid,
        client,
        workload,
        args.live_rate,
        args.live_seconds,
        kinds=("recommendations",),
        k=LIVE_K,
    )


async def _metric_lines(client: aiohttp.ClientSession) -> list[str]:
    """The server's /metrics exposition, line by line."""
    async with client.get("/metrics", headers={"X-API-Key": KEYS["admin"]}) as response:
        return (await response.text()).splitlines()


async def _settle(client: aiohttp.ClientSession, limit: float = 120.0) -> float:
    """Wait (at most `limit` s) until the server has re-scored every shopper whose events came
    in, so the next phase starts from a quiet server; returns the seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        pending = next(
            float(line.rsplit(" ", 1)[1])
            for line in await _metric_lines(client)
            if line.startswith("shopsense_refresh_pending ")
        )
        if pending == 0:
            break
        await asyncio.sleep(0.5)
    return time.perf_counter() - started


class ListPaths:
    """Recommendation lists the server answered from the precomputed table and scored live
    while the block ran (from its /metrics)."""

    def __init__(self, client: aiohttp.ClientSession) -> None:
        self.client = client
        self.counts: dict[str, float] = {}

    async def __aenter__(self) -> ListPaths:
        self._before = await self._read()
        return self

    async def __aexit__(self, *exc: object) -> None:
        after = await self._read()
        self.counts = {path: after[path] - self._before[path] for path in after}

    async def _read(self) -> dict[str, float]:
        counts = {"precomputed": 0.0, "live": 0.0, "live_batches": 0.0, "live_batched": 0.0}
        for line in await _metric_lines(self.client):
            if line.startswith("shopsense_recommendation_lists_total{"):
                counts[line.split('path="')[1].split('"')[0]] = float(line.rsplit(" ", 1)[1])
            elif line.startswith("shopsense_live_batch_size_count "):
                # Batches of live lists scored together, and the lists in them.
                counts["live_batches"] = float(line.rsplit(" ", 1)[1])
            elif line.startswith("shopsense_live_batch_size_sum "):
                counts["live_batched"] = float(line.rsplit(" ", 1)[1])
        return counts


class CpuUse:
    """Cores the server process and this client process kept busy while the block ran."""

    def __init__(self, server_pid: int) -> None:
        self.server_pid = server_pid
        self.cores: dict[str, float] = {}

    def __enter__(self) -> CpuUse:
        self._start = (time.perf_counter(), _process_seconds(self.server_pid), time.process_time())
        return self

    def __exit__(self, *exc: object) -> None:
        wall, server, client = self._start
        elapsed = time.perf_counter() - wall
        self.cores = {
            "server": (_process_seconds(self.server_pid) - server) / elapsed,
            "client": (time.process_time() - client) / elapsed,
        }


def _process_seconds(pid: int) -> float:
    """User + system CPU seconds of a process and its finished children, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return sum(int(value) for value in fields[11:13]) / os.sysconf("SC_CLK_TCK")


async def _send(
    client: aiohttp.ClientSession,
    method: str,
    path: str,
    params: dict | None,
    body: object,
    key: str,
    parse: bool = False,
) -> tuple[bool, object]:
    """One request; (whether it succeeded, its body: parsed JSON where `parse`, else bytes).
    The body is always read in full; parsing only where the answer is used keeps the client's
    CPU for sending."""
    try:
        async with client.request(
            method, path, params=params, json=body, headers={"X-API-Key": key}
        ) as response:
            ok = response.status < 300
            payload = await response.json() if ok and parse else await response.read()
            return ok, payload
    except (TimeoutError, aiohttp.ClientError):
        return False, None


async def _open_loop(
    client: aiohttp.ClientSession,
    workload: Workload,
    rate: float,
    seconds: float,
    kinds: tuple[str, ...] = ("recommendations", "search", "events"),
    k: int = 10,
) -> dict:
    """Send at a fixed rate whatever the answers; time each from its scheduled start."""
    latencies: dict[str, list[float]] = {}
    errors: dict[str, int] = {}
    tasks = []
    # A client that falls behind queues here, and the wait counts in the latency.
    in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)
    started = time.perf_counter()

    async def one(kind: str, method: str, path: str, params, body, scheduled: float) -> None:
        key = KEYS["admin"]
        async with in_flight:
            ok, _ = await _send(client, method, path, params, body, key)
        latencies.setdefault(kind, []).append(time.perf_counter() - scheduled)
        if not ok:
            errors[kind] = errors.get(kind, 0) + 1

    for number in range(int(rate * seconds)):
        scheduled = started + number / rate
        # Always yield, even when late, so that the requests already made get sent.
        await asyncio.sleep(max(0.0, scheduled - time.perf_counter()))
        tasks.append(asyncio.create_task(one(*workload.request(kinds, k), scheduled)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - started
    return {
        "rate": rate,
        "seconds": seconds,
        "requests": len(tasks),
        "achieved_rps": len(tasks) / elapsed,
        "errors": sum(errors.values()),
        "by_kind": {
            kind: {**_percentiles(values), "requests": len(values), "errors": errors.get(kind, 0)}
            for kind, values in sorted(latencies.items())
        },
    }


async def _closed_loop(client: aiohttp.ClientSession, next_request, seconds: float, args) -> dict:
    """`args.concurrency` requests in flight for `seconds`: completed requests per second and
    their latency percentiles."""
    deadline = time.perf_counter() + seconds
    errors = 0
    latencies: list[float] = []

    async def worker() -> None:
        nonlocal errors
        while time.perf_counter() < deadline:
            method, path, params = next_request()
            sent = time.perf_counter()
            ok, _ = await _send(client, method, path, params, None, KEYS["admin"])
            latencies.append(time.perf_counter() - sent)
            errors += not ok

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(args.concurrency)))
    rps = len(latencies) / (time.perf_counter() - started)
    return {"rps": rps, "errors": errors, **(_percentiles(latencies) if latencies else {})}


async def _ingest(client: aiohttp.ClientSession, workload: Workload, args) -> dict:
    """Acknowledged (durably stored) events per second, in batches."""
    deadline = time.perf_counter() + args.saturation_seconds
    stored = errors = 0

    async def worker() -> None:
        nonlocal stored, errors
        while time.perf_counter() < deadline:
            batch = [workload.event() for _ in range(args.batch)]
            ok, payload = await _send(
                client, "POST", "/v1/events", None, batch, KEYS["admin"], parse=True
            )
            if ok and isinstance(payload, dict):
                stored += payload["accepted"]
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(max(1, args.concurrency // 4))))
    elapsed = time.perf_counter() - started
    return {
        "events_per_s": stored / elapsed,
        "events": stored,
        "errors": errors,
        "batch": args.batch,
        "in_flight": max(1, args.concurrency // 4),
    }


def _percentiles(seconds: list[float]) -> dict[str, float]:
    values = np.asarray(seconds) * 1000
    return {f"p{q}_ms": float(np.percentile(values, q)) for q in (50, 90, 99)} | {
        "max_ms": float(values.max())
    }


class Server:
    """`shopsense serve` on a free loopback port."""

    def __init__(self, bundle: Path, store: Path, log: Path, options: tuple[str, ...] = ()) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        keys = f"{KEYS['catalog']}:catalog,{KEYS['admin']}:admin"
        env = {**os.environ, "SHOPSENSE_API_KEYS": keys}
        command = [
            sys.executable,
            "-c",
            "from shopsense.cli import app; app()",
            "serve",
            f"--bundle={bundle}",
            "--host=127.0.0.1",
            f"--port={port}",
            f"--store={store}",
            "--watch=0",
            *options,
        ]
        with open(log, "ab") as handle:
            self.process = subprocess.Popen(
                command, stdout=handle, stderr=subprocess.STDOUT, env=env
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(log.read_text()[-3000:])
            if asyncio.run(_healthy(self.url)):
                return
            time.sleep(0.5)
        self.stop()
        raise TimeoutError(f"server not up after {START_TIMEOUT}s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()


async def _healthy(url: str) -> bool:
    try:
        async with aiohttp.ClientSession(url, timeout=aiohttp.ClientTimeout(total=2.0)) as client:
            async with client.get("/healthz") as response:
                return response.status == 200
    except (TimeoutError, aiohttp.ClientError):
        return False


def _markdown(results: dict) -> str:
    lines = [
        "## Serving (REST API on loopback)",
        "",
        f"`{results['command']}`",
        "",
        machine_line(),
        "One `shopsense serve` process (uvicorn, one worker, scoring on 2 compute threads), "
        "the aiohttp client on the same 2 CPUs. *cores* = CPU seconds per wall second of the "
        "server / client process in that phase. Known shoppers whose history has not changed "
        "since training are answered from the lists `shopsense train` computed ahead; every "
        "other request (new visitors, shoppers with new events, other list lengths) is scored "
        "live; each phase counts both.",
    ]
    for run in results["runs"]:
        lines += ["", *_run_markdown(run)]
    return "\n".join(lines)


def _run_markdown(run: dict) -> list[str]:
    mixed, only, live = run["mixed"], run["recommendations_only"], run["live"]
    saturation, ingestion = run["saturation"], run["ingestion"]
    solo, scored = only["by_kind"]["recommendations"], live["by_kind"]["recommendations"]
    rows = [
        [
            kind,
            str(v["requests"]),
            str(v["errors"]),
            f"{v['p50_ms']:.1f}",
            f"{v['p90_ms']:.1f}",
            f"{v['p99_ms']:.1f}",
            f"{v['max_ms']:.1f}",
        ]
        for kind, v in mixed["by_kind"].items()
    ]
    return [
        f"### Models {', '.join(run['models'])}",
        "",
        f"Bundle {run['bundle']} on {run['dataset']} ({run['items']:,} items), search index: "
        f"{'yes' if run['search'] else 'no'}; {_precomputed(run['precomputed'])}; "
        "1-minute load average "
        f"{run['load_average'][0]:.1f} at the start, {run['load_average'][1]:.1f} at the end "
        f"(other work shares the machine).",
        "",
        f"Mixed traffic, open loop: {mixed['requests']:,} requests at {mixed['rate']:.0f}/s "
        f"for {mixed['seconds']:.0f} s (achieved {mixed['achieved_rps']:.1f}/s), "
        f"**{mixed['errors']} errors**; server {mixed['cpu']['server']:.2f} cores, client "
        f"{mixed['cpu']['client']:.2f} cores; recommendation lists {_paths(mixed)}; latency "
        "from the scheduled send time (afterwards the server took "
        f"{mixed['settle_seconds']:.1f} s to re-score the shoppers whose events came in):",
        "",
        markdown_table(
            ["request", "count", "errors", "p50 ms", "p90 ms", "p99 ms", "max ms"], rows
        ),
        "",
        f"Recommendations alone, open loop at {only['rate']:.0f}/s for {only['seconds']:.0f} s "
        f"(achieved {only['achieved_rps']:.1f}/s): p50 {solo['p50_ms']:.1f} ms, p90 "
        f"{solo['p90_ms']:.1f} ms, p99 **{solo['p99_ms']:.1f} ms**, {only['errors']} errors; "
        f"server {only['cpu']['server']:.2f} cores; lists {_paths(only)}.",
        "",
        f"Recommendations scored live (k = {LIVE_K}: no precomputed list), open loop at "
        f"{live['rate']:.0f}/s for {live['seconds']:.0f} s (achieved {live['achieved_rps']:.1f}/s):"
        f" p50 {scored['p50_ms']:.1f} ms, p90 {scored['p90_ms']:.1f} ms, p99 "
        f"**{scored['p99_ms']:.1f} ms**, {live['errors']} errors; server "
        f"{live['cpu']['server']:.2f} cores; lists {_paths(live)}.",
        "",
        f"Saturation ({saturation['concurrency']} in flight, {saturation['seconds']:.0f} s "
        f"each): `/healthz` {saturation['healthz_rps']:.0f} req/s (server "
        f"{saturation['healthz_cpu']['server']:.2f} cores), recommendations "
        f"{saturation['recommendations_rps']:.0f} req/s (server "
        f"{saturation['recommendations_cpu']['server']:.2f} cores; lists "
        f"{_paths({'lists': saturation['recommendations_lists']})}) = "
        f"**{saturation['ratio']:.0%}** of the trivial endpoint; scored live "
        f"{saturation['live_rps']:.0f} req/s (server {saturation['live_cpu']['server']:.2f} "
        f"cores; lists {_paths({'lists': saturation['live_lists']})}); "
        f"{saturation['errors']} errors.",
        "",
        *_unbatched(run),
        f"Durable ingestion: **{ingestion['events_per_s']:,.0f} events/s** acknowledged "
        f"(batches of {ingestion['batch']}, {ingestion['in_flight']} in flight, "
        f"{ingestion['errors']} errors); each reply is sent after the store commit. Server "
        f"log: {run['server_errors_logged']} tracebacks.",
    ]


def _unbatched(run: dict) -> list[str]:
    """The side-by-side lines of `--unbatched`: the live phases with each list scored alone."""
    alone = run.get("unbatched")
    if alone is None:
        return []
    live = alone["live"]
    scored = live["by_kind"]["recommendations"]
    batched = run["saturation"]["live_rps"]
    return [
        "Side by side, a second server of the same run scoring every live list alone "
        f"(`--live-batch 1`): open loop at {live['rate']:.0f}/s for {live['seconds']:.0f} s "
        f"(achieved {live['achieved_rps']:.1f}/s): p50 {scored['p50_ms']:.1f} ms, p90 "
        f"{scored['p90_ms']:.1f} ms, p99 **{scored['p99_ms']:.1f} ms**, {live['errors']} "
        f"errors; server {live['cpu']['server']:.2f} cores; closed loop "
        f"{alone['live_rps']:.0f} req/s (server {alone['live_cpu']['server']:.2f} cores, "
        f"{alone['live_errors']} errors): "
        f"batching gives **{batched / alone['live_rps']:.2f}x** the live throughput.",
        "",
    ]


def _lists_entry(artifact: dict | None) -> dict | None:
    """The precomputed artifact's manifest entry as the report reads it."""
    if not artifact:
        return None
    return {**artifact["config"], **artifact["metrics"], "seconds": artifact["seconds"]}


def _precomputed(entry: dict | None) -> str:
    if not entry:
        return "no lists computed at training"
    return (
        f"top-{entry['k']} lists of {entry['shoppers']:,} shoppers computed at training in "
        f"{entry['seconds']:.0f} s"
    )


def _paths(phase: dict) -> str:
    lists = phase["lists"]
    total = lists["precomputed"] + lists["live"]
    share = lists["precomputed"] / total if total else 0.0
    batches = lists.get("live_batches", 0.0)
    batching = (
        f"; live lists of shoppers with a history scored in {batches:,.0f} batches "
        f"(mean {lists['live_batched'] / batches:.2f} a batch)"
        if batches
        else ""
    )
    return (
        f"{lists['precomputed']:,.0f} precomputed / {lists['live']:,.0f} live "
        f"({share:.0%} precomputed){batching}"
    )


if __name__ == "__main__":
    main()
