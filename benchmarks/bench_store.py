"""Write speed of the embedded store: bulk `ingest` and durable `append_events` batches.

    nice -n 5 python benchmarks/bench_store.py --events 20000 --batch-sizes 1,10,100,1000

Every `append_events` call commits before it returns, so events/s at batch size b is the
durable rate of a client sending b events per call; `--threads` concurrent single-event callers
show the group commit (calls waiting on a commit share the next one).The data are
generated (random users and items over a generated catalogue); the store file is a fresh one
in a temporary folder (or `--path`), reopened at the end to check that every event is there.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import polars as pl

from shopsense.data import Dataset, Interaction
from shopsense.data.records import InteractionKind
from shopsense.data.store import Store


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=20_000, help="events per batch size")
    parser.add_argument("--batch-sizes", default="1,10,100,1000")
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--bulk-events", type=int, default=1_000_000)
    parser.add_argument("--path", type=Path, default=None, help="store file (default: temp)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--threads", type=int, default=16, help="concurrent single-event callers (group commit)"
    )
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory() as folder:
        path = args.path or Path(folder) / "bench.duckdb"
        catalogue = _catalogue(args.items)
        with Store(path) as store:
            _bench_ingest(store, catalogue, args.bulk_events, rng)
            expected = store.counts()["interactions"]
            for batch_size in (int(size) for size in args.batch_sizes.split(",")):
                expected += _bench_append(store, catalogue, batch_size, args.events, rng)
            if args.threads > 1:
                expected += _bench_append(store, catalogue, 1, args.events, rng, args.threads)
        with Store(path, read_only=True) as store:
            stored = store.counts()["interactions"]
        print(f"reopened: {stored:,} interactions stored, {expected:,} accepted")


def _catalogue(n_items: int) -> list[str]:
    return [f"item-{i}" for i in range(n_items)]


def _bench_ingest(store: Store, items: list[str], n_events: int, rng: np.random.Generator) -> None:
    interactions = pl.DataFrame(
        {
            "user_id": [f"user-{u}" for u in rng.integers(0, n_events // 20 + 1, n_events)],
            "item_id": [items[i] for i in rng.integers(0, len(items), n_events)],
            "timestamp": rng.integers(1_500_000_000, 1_700_000_000, n_events),
        }
    ).with_columns(pl.from_epoch("timestamp").dt.replace_time_zone("UTC"))
    dataset = Dataset(
        items=pl.DataFrame({"item_id": items, "title": [f"product {i}" for i in items]}),
        interactions=interactions,
        name="bench",
    )
    start = time.perf_counter()
    store.ingest(dataset)
    seconds = time.perf_counter() - start
    print(
        f"ingest: {len(items):,} items + {n_events:,} interactions in {seconds:.2f} s "
        f"= {n_events / seconds:,.0f} events/s (validation + one transaction)"
    )


def _bench_append(
    store: Store,
    items: list[str],
    batch_size: int,
    n_events: int,
    rng: np.random.Generator,
    threads: int = 1,
) -> int:
    n_events = max(batch_size, n_events // batch_size * batch_size)
    kinds = list(InteractionKind)
    records = [
        Interaction(
            user_id=f"live-{rng.integers(0, 1000)}",
            item_id=items[rng.integers(0, len(items))],
            kind=kinds[rng.integers(0, 4)],
        )
        for _ in range(n_events)
    ]
    batches = [records[i : i + batch_size] for i in range(0, n_events, batch_size)]
    start = time.perf_counter()
    with ThreadPoolExecutor(threads) as pool:
        ids = [event_id for batch in pool.map(store.append_events, batches) for event_id in batch]
    seconds = time.perf_counter() - start
    assert len(set(ids)) == n_events, "every accepted event has its own event_id"
    print(
        f"append_events batch={batch_size:>5} threads={threads:>2}: {n_events:,} events in "
        f"{seconds:.2f} s = {n_events / seconds:,.0f} events/s durable "
        f"({seconds / len(batches) * 1e3:.2f} ms per call)"
    )
    return n_events


if __name__ == "__main__":
    main()
