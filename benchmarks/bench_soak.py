"""Soak: the REST server under steady mixed traffic for minutes, watched for errors and leaks.

    pip install -e ".[bench]"
    python benchmarks/bench_soak.py [--minutes 10] [--rate 100]

Serves the Amazon Beauty bundle of `bench_serving.py` (trained into `--bundle` if it is not
there yet) with `shopsense serve` on 127.0.0.1 and a fresh DuckDB store, then sends the mixed
workload of `bench_serving.py` (70% recommendations, 15% search, 15% single events) open loop
at `--rate` requests/s: `--warmup` seconds not reported, then `--minutes` cut into windows of
`--window` seconds. The schedule runs on without a pause between windows; latency is timed
from each request's scheduled send time (no coordinated omission) and every non-2xx answer or
transport error is an error. At the end of the warm-up and of every window, under load, the
server is sampled from /proc, summed over its process and all its descendants: resident memory
(VmRSS), threads and open file descriptors, the latter split into its open connections from the
client (whose pool holds at most `MAX_IN_FLIGHT`, opened and closed as traffic ebbs) and all
other descriptors. After the run the client closes its connections and the server's
descriptors are counted once more, quiet.

Verdicts: no errors; resident memory at the end at most `--max-rss-growth` (5%) above the
sample after the warm-up; no more descriptors other than client connections at the end than
after the warm-up. The load average is written down at the start and the end. Always writes the
JSON result to `--out`; writes the `soak` section of BENCHMARKS.md only for a run of at least
10 minutes, or with `--write`. `--check` exits with status 1 when a verdict fails.
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import numpy as np
from bench_serving import (
    FOLDER,
    KEYS,
    MAX_IN_FLIGHT,
    CpuUse,
    ListPaths,
    Server,
    Workload,
    _percentiles,
    _send,
    _train,
)
from benchmarks_md import command_line, machine_line, markdown_table, write_section

from shopsense.bundle import Bundle

#: Default paths hang off the repository root, so the script runs from there or from benchmarks/.
ROOT = Path(__file__).resolve().parents[1]
KINDS = ("recommendations", "search", "events")
#: Shorter runs are trials: they leave BENCHMARKS.md alone unless told to write.
REPORT_MINUTES = 10.0
MIB = 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-root", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--bundle", type=Path, default=ROOT / "runs" / "serving-bundle")
    parser.add_argument("--out", type=Path, default=ROOT / "runs" / "soak.json")
    parser.add_argument("--minutes", type=float, default=10.0, help="measured minutes")
    parser.add_argument("--rate", type=float, default=100.0, help="requests per second")
    parser.add_argument("--warmup", type=float, default=60.0, help="seconds, not reported")
    parser.add_argument("--window", type=float, default=30.0, help="seconds per sample")
    parser.add_argument("--max-rss-growth", type=float, default=0.05, help="as a fraction")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--write", action="store_true", help="edit BENCHMARKS.md even if short")
    parser.add_argument("--no-markdown", action="store_true", help="never edit BENCHMARKS.md")
    parser.add_argument("--check", action="store_true", help="exit 1 when a verdict fails")
    args = parser.parse_args()
    if min(args.minutes, args.window, args.rate, args.warmup) <= 0:
        parser.error("--minutes, --window, --rate and --warmup must be positive")
    if args.rate * min(args.window, args.warmup) < 1:
        parser.error("every window and the warm-up need at least one request")

    root = _train(args.data_root, args.bundle, None)
    bundle = Bundle.load(root)
    workload = Workload(
        bundle.items["item_id"].to_list(),
        [t for t in bundle.items["title"].to_list() if t],
        bundle.dataset().interactions["user_id"].unique(maintain_order=True).to_list(),
        random.Random(args.seed),
    )
    with tempfile.TemporaryDirectory() as scratch:
        store, log = Path(scratch) / "store.duckdb", Path(scratch) / "server.log"
        server = Server(root, store, log)
        try:
            load_start = os.getloadavg()
            run = asyncio.run(_soak(server, workload, args))
            load_end = os.getloadavg()
            files = Path(scratch).glob("store.duckdb*")  # the database and its write-ahead log
            run["store_mib"] = sum(path.stat().st_size for path in files) / MIB
        finally:
            server.stop()
        tracebacks = log.read_text().count("Traceback")
    results = {
        "command": command_line(),
        "bundle": bundle.version,
        "dataset": FOLDER,
        "rate": args.rate,
        "minutes": args.minutes,
        "warmup_seconds": args.warmup,
        "window_seconds": args.window,
        "load_average": {"start": list(load_start), "end": list(load_end)},
        "server_tracebacks": tracebacks,
        **run,
    }
    results["verdicts"] = _verdicts(results, args.max_rss_growth)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    summary = _summary(results)
    print("\n".join(summary))
    if not args.no_markdown and (args.minutes >= REPORT_MINUTES or args.write):
        write_section("soak", _markdown(results, summary))
    if args.check and not all(results["verdicts"].values()):
        sys.exit(1)


async def _soak(server: Server, workload: Workload, args: argparse.Namespace) -> dict:
    """Warm-up and windows as one uninterrupted open-loop schedule; per window, the requests'
    latencies and the server's resources sampled at the window's end."""
    rate, measured = args.rate, args.minutes * 60
    # Segment 0 is the warm-up, segments 1.. the reported windows (the last may be shorter).
    ends = [args.warmup + min(measured, args.window * (n + 1)) for n in range(_windows(args))]
    boundaries = [0.0, args.warmup, *ends]
    connector = aiohttp.TCPConnector(limit=MAX_IN_FLIGHT)
    timeout = aiohttp.ClientTimeout(total=30.0)
    pid = server.process.pid
    port = int(server.url.rsplit(":", 1)[1])
    async with aiohttp.ClientSession(server.url, connector=connector, timeout=timeout) as client:
        samples: list[dict] = []
        with CpuUse(pid) as cpu:
            async with ListPaths(client) as paths:
                started = time.perf_counter()
                offsets = boundaries[1:]
                sampler = asyncio.create_task(_sample_at(pid, port, started, offsets, samples))
                requests = await _schedule(client, workload, rate, boundaries, started)
                await sampler
    # The client's connections are closed now: what the server still holds is its own.
    await asyncio.sleep(2.0)
    quiet = _resources(pid, port)

    windows = []
    for segment in range(1, len(boundaries) - 1):
        done = [r for r in requests if r["segment"] == segment]
        start = started + boundaries[segment]
        elapsed = max(r["done"] for r in done) - start
        windows.append(
            {
                "start_minute": (boundaries[segment] - args.warmup) / 60,
                "seconds": boundaries[segment + 1] - boundaries[segment],
                "requests": len(done),
                "achieved_rps": len(done) / elapsed,
                "errors": sum(not r["ok"] for r in done),
                "by_kind": _by_kind(done),
                **samples[segment],
            }
        )
    reported = [r for r in requests if r["segment"] > 0]
    first_reported = started + boundaries[1]
    return {
        "requests": len(reported),
        "errors": sum(not r["ok"] for r in reported),
        "achieved_rps": len(reported) / (max(r["done"] for r in reported) - first_reported),
        "by_kind": _by_kind(reported),
        "warmup": {
            "requests": len(requests) - len(reported),
            "errors": sum(not r["ok"] for r in requests if r["segment"] == 0),
        },
        "after_warmup": samples[0],
        "end": samples[-1],
        "quiet_end": quiet,
        "max_rss_mib": max(s["rss_mib"] for s in samples),
        "rss_slope_mib_per_minute": _slope(windows),
        "cpu": cpu.cores,
        "lists": paths.counts,
        "windows": windows,
    }


def _windows(args: argparse.Namespace) -> int:
    measured = args.minutes * 60
    count = int(measured // args.window)
    return count + (measured - count * args.window > 1e-9)


async def _schedule(
    client: aiohttp.ClientSession,
    workload: Workload,
    rate: float,
    boundaries: list[float],
    started: float,
) -> list[dict]:
    """`_open_loop` of bench_serving over the whole schedule, keeping every request's kind,
    segment, latency (from its scheduled start), outcome and completion time."""
    requests: list[dict] = []
    in_flight = asyncio.Semaphore(MAX_IN_FLIGHT)  # a client that falls behind queues here
    pending: set[asyncio.Task] = set()

    async def one(kind: str, method: str, path: str, params, body, offset: float) -> None:
        scheduled = started + offset
        async with in_flight:
            ok, _ = await _send(client, method, path, params, body, KEYS["admin"])
        now = time.perf_counter()
        segment = bisect.bisect_right(boundaries, offset) - 1
        requests.append(
            {"kind": kind, "segment": segment, "latency": now - scheduled, "ok": ok, "done": now}
        )

    for number in range(int(round(rate * boundaries[-1]))):
        offset = number / rate
        # Always yield, even when late, so that the requests already made get sent.
        await asyncio.sleep(max(0.0, started + offset - time.perf_counter()))
        task = asyncio.create_task(one(*workload.request(KINDS), offset))
        pending.add(task)
        task.add_done_callback(pending.discard)
    await asyncio.gather(*pending)
    return requests


async def _sample_at(
    pid: int, port: int, started: float, offsets: list[float], samples: list[dict]
) -> None:
    """Sample the server's resources at each offset (seconds after `started`)."""
    for offset in offsets:
        await asyncio.sleep(max(0.0, started + offset - time.perf_counter()))
        samples.append(await asyncio.to_thread(_resources, pid, port))


def _resources(pid: int, port: int) -> dict:
    """Resident memory, threads and descriptors of `pid` and its descendants, from /proc."""
    rss_kib = threads = fds = connections = 0
    established = _established_inodes(port)
    processes = _process_tree(pid)
    for process in processes:
        try:
            status = Path(f"/proc/{process}/status").read_text().splitlines()
            links = [os.readlink(entry) for entry in Path(f"/proc/{process}/fd").iterdir()]
        except (FileNotFoundError, ProcessLookupError):
            continue  # it ended while we looked
        fields = dict(line.split(":", 1) for line in status if ":" in line)
        rss_kib += int(fields.get("VmRSS", "0 kB").split()[0])
        threads += int(fields["Threads"])
        fds += len(links)
        connections += sum(
            link.startswith("socket:[") and link[8:-1] in established for link in links
        )
    return {
        "rss_mib": rss_kib / 1024,
        "threads": threads,
        "fds": fds,
        "connections": connections,
        "other_fds": fds - connections,
        "processes": len(processes),
    }


def _process_tree(pid: int) -> list[int]:
    """`pid` and every process descended from it."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except (FileNotFoundError, ProcessLookupError):
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        process = todo.pop()
        tree.append(process)
        todo += children.get(process, [])
    return tree


def _established_inodes(port: int) -> set[str]:
    """Socket inodes of the established TCP connections whose local port is `port`: the
    server's side of the client's connections."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except FileNotFoundError:
            continue
        for line in lines:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "01":
                inodes.add(fields[9])
    return inodes


def _by_kind(requests: list[dict]) -> dict:
    latencies: dict[str, list[float]] = {}
    for request in requests:
        latencies.setdefault(request["kind"], []).append(request["latency"])
    return {
        kind: {
            **_percentiles(values),
            "requests": len(values),
            "errors": sum(not r["ok"] for r in requests if r["kind"] == kind),
        }
        for kind, values in sorted(latencies.items())
    }


def _slope(windows: list[dict]) -> float | None:
    """Least-squares trend of resident memory over the windows, MiB per minute."""
    if len(windows) < 2:
        return None
    minutes = [w["start_minute"] + w["seconds"] / 60 for w in windows]
    return float(np.polyfit(minutes, [w["rss_mib"] for w in windows], 1)[0])


def _verdicts(results: dict, max_growth: float) -> dict[str, bool]:
    before, after = results["after_warmup"], results["end"]
    results["rss_growth"] = after["rss_mib"] / before["rss_mib"] - 1
    results["max_rss_growth"] = max_growth
    return {
        "no_errors": results["errors"] == 0,
        "rss_growth_within_limit": results["rss_growth"] <= max_growth,
        "no_fd_growth": after["other_fds"] <= before["other_fds"],
    }


def _summary(results: dict) -> list[str]:
    """The result in a few lines: the figures the verdicts rest on."""
    before, end, quiet = results["after_warmup"], results["end"], results["quiet_end"]
    verdicts, load = results["verdicts"], results["load_average"]
    kinds = ", ".join(
        f"{kind} p50 {v['p50_ms']:.1f} / p99 {v['p99_ms']:.1f} ms ({v['requests']:,})"
        for kind, v in results["by_kind"].items()
    )
    slope = results["rss_slope_mib_per_minute"]
    return [
        f"Requests: {results['requests']:,} over {results['minutes']:g} min at "
        f"{results['rate']:g}/s (achieved {results['achieved_rps']:.2f}/s), "
        f"**{results['errors']} errors** ({_mark(verdicts['no_errors'])}); warm-up "
        f"{results['warmup']['requests']:,} requests, {results['warmup']['errors']} errors.",
        f"Latency over the whole run: {kinds}.",
        f"Resident memory: {before['rss_mib']:.1f} MiB after the warm-up, {end['rss_mib']:.1f} "
        f"MiB at the end, **{results['rss_growth']:+.1%}** (limit "
        f"{results['max_rss_growth']:+.0%}: {_mark(verdicts['rss_growth_within_limit'])}); "
        f"max {results['max_rss_mib']:.1f} MiB; trend "
        + (f"{slope:+.2f} MiB/min over the windows." if slope is not None else "n/a (1 window).")
        + f" Store on disk at the end: {results['store_mib']:.1f} MiB.",
        f"File descriptors: {before['fds']} after the warm-up ({before['connections']} client "
        f"connections + {before['other_fds']} other), {end['fds']} at the end "
        f"({end['connections']} + {end['other_fds']}): other descriptors "
        f"**{end['other_fds'] - before['other_fds']:+d}** "
        f"({_mark(verdicts['no_fd_growth'])}); {quiet['fds']} once the client had closed its "
        f"connections ({quiet['connections']} connections). Threads {before['threads']} → "
        f"{end['threads']}; processes {before['processes']} → {end['processes']}.",
        f"With the warm-up: server {results['cpu']['server']:.2f} cores (client "
        f"{results['cpu']['client']:.2f}); recommendation lists "
        f"{results['lists']['precomputed']:,.0f} precomputed / "
        f"{results['lists']['live']:,.0f} live; {results['server_tracebacks']} tracebacks in "
        "its log.",
        "Load average (1 / 5 / 15 min): {:.2f} / {:.2f} / {:.2f} at the start, "
        "{:.2f} / {:.2f} / {:.2f} at the end.".format(*load["start"], *load["end"]),
    ]


def _mark(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def _markdown(results: dict, summary: list[str]) -> str:
    rows = [
        [
            "{}:{:02d}".format(*divmod(round(w["start_minute"] * 60), 60)),
            f"{w['achieved_rps']:.1f}",
            str(w["errors"]),
            *(f"{w['by_kind'].get(kind, {}).get('p99_ms', float('nan')):.1f}" for kind in KINDS),
            f"{w['rss_mib']:.1f}",
            f"{w['fds']} ({w['connections']})",
        ]
        for w in results["windows"]
    ]
    headers = ["from m:ss", "req/s", "errors", "p99 recommendations ms", "p99 search ms"]
    headers += ["p99 events ms", "RSS MiB", "fds (client connections)"]
    return "\n".join(
        [
            f"## Soak ({results['minutes']:g} minutes of mixed traffic)",
            "",
            f"`{results['command']}`",
            "",
            machine_line(),
            f"One `shopsense serve` process on the Amazon Beauty bundle `{results['bundle']}` "
            "with a fresh DuckDB store, the aiohttp client on the same 2 CPUs. Open loop at "
            f"{results['rate']:g} requests/s, 70% recommendations, 15% search, 15% single "
            f"events; {results['warmup_seconds']:g} s of warm-up at the same rate, not "
            f"reported, then windows of {results['window_seconds']:g} s without a pause. "
            "Latency from each request's scheduled send time. At the end of the warm-up and of "
            "each window, under load, the server's resident memory (VmRSS), descriptors and "
            "threads from /proc, summed over the server and its child processes; client "
            "connections (at most "
            f"{MAX_IN_FLIGHT}, opened and closed as traffic ebbs) are counted apart from the "
            "other descriptors.",
            "",
            markdown_table(headers, rows),
            "",
            *(f"- {line}" for line in summary),
        ]
    )


if __name__ == "__main__":
    main()
