"""Product search on Home Depot: relevance (NDCG@10), typo robustness, build time and latency.

    python benchmarks/bench_search.py

1. runs `shopsense evaluate-search --typos` (BM25, dense, RRF and the learned hybrid with and
   without the search log on the test half of the judged queries, retrieval over all 54,667
   products; with `--adapt`, the encoder is first fine-tuned on the dev half) and keeps its
   JSON report;
2. loads the searcher that run trained and saved, and times `Searcher.search` end to end
   (parse, encode the query, both retrievals, the search log, fusion, results) on test
   queries, one at a time;
3. times a cold index build (an empty encoder cache: every product title is encoded);
and writes them into the `search` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from benchmarks_md import command_line, machine_line, markdown_table, write_section

from shopsense.data.loaders.homedepot import load_homedepot
from shopsense.evaluation.resources import measure
from shopsense.evaluation.search import RERANKING_NOTE, split_queries
from shopsense.search import CatalogueIndex, Searcher
from shopsense.text import Encoder, EncoderConfig

FOLDER = "homedepot-search-relevance"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs"))
    parser.add_argument("--queries", type=int, default=1000, help="Test queries timed.")
    parser.add_argument("--skip-eval", action="store_true", help="Reuse the last report.")
    parser.add_argument(
        "--adapt",
        action="store_true",
        help="Fine-tune the encoder on the dev queries first (~25 min on 2 CPU cores).",
    )
    args = parser.parse_args()
    data = args.data_root / FOLDER
    report_path = args.out / "search-homedepot.json"
    saved = args.out / "search-homedepot-searcher"
    command = [
        "shopsense",
        "evaluate-search",
        "--data",
        str(data),
        "--report",
        str(report_path),
        "--typos",
        "--save-searcher",
        str(saved),
        *(["--adapt"] if args.adapt else []),
    ]
    if not args.skip_eval:
        args.out.mkdir(parents=True, exist_ok=True)
        subprocess.run(command, check=True)
    report = json.loads(report_path.read_text())
    latency = measure_latency(data, saved, args.queries)
    latency["cold_build"] = measure_cold_build(data)
    (args.out / "search-latency.json").write_text(json.dumps(latency, indent=2))
    write_section("search", render(report, latency, command))


def measure_latency(data: Path, saved: Path, n_queries: int) -> dict[str, float]:
    """Per-query latency (ms) of the searcher trained by the evaluation run, and the time to
    load it from disk."""
    catalogue = load_homedepot(data)
    _, test = split_queries(catalogue.queries, 0.5, 0)
    started = time.perf_counter()
    searcher = Searcher.load(saved)
    load_seconds = time.perf_counter() - started
    texts = [query.text for query in test[:n_queries]]
    for text in texts[:20]:
        searcher.search(text)
    timings, encode = [], []
    for text in texts:
        started = time.perf_counter()
        searcher.search(text)
        timings.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        searcher.encode([text])
        encode.append((time.perf_counter() - started) * 1000)
    total, encoding = np.array(timings), np.array(encode)
    return {
        "products": searcher.index.n_products,
        "load_seconds": round(load_seconds, 2),
        "queries_timed": len(texts),
        "fusion": searcher.fusion_used,
        **{f"p{p}_ms": round(float(np.percentile(total, p)), 2) for p in (50, 90, 99)},
        "mean_ms": round(float(total.mean()), 2),
        **{f"encode_p{p}_ms": round(float(np.percentile(encoding, p)), 2) for p in (50, 99)},
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def measure_cold_build(data: Path) -> dict[str, float]:
    """Seconds and peak memory of an index build whose encoder cache starts empty."""
    items = load_homedepot(data).dataset.items
    with tempfile.TemporaryDirectory() as cache:
        encoder = Encoder(EncoderConfig(cache_dir=cache))
        _, build = measure(lambda: CatalogueIndex.build(items, encoder))
    return {
        "seconds": round(build.seconds, 2),
        "peak_memory_mb": round(build.peak_memory_mb, 1),
        "load_average_1min": round(os.getloadavg()[0], 2),
    }


def render(report: dict, latency: dict, command: list[str]) -> str:
    typos = report.get("typos", {})
    rows = []
    for name, metrics in report["methods"].items():
        rows.append(
            [
                name,
                f"{metrics['ndcg@10']:.4f}",
                f"{metrics['ndcg@10'] / report['methods']['bm25']['ndcg@10']:.3f}",
                f"{typos['methods'][name]['ndcg@10']:.4f}" if typos else "-",
                f"{typos['kept'][name]:.3f}" if typos else "-",
            ]
        )
    protocol = report["protocol"]
    timing = report["timing"]
    return "\n".join(
        [
            "## Product search (Home Depot judged queries)",
            "",
            "```",
            command_line(),
            "```",
            "",
            machine_line(),
            f"Evaluation: `{shlex.join(command)}`.",
            f"Protocol: {protocol['metric']}; retrieval over all {protocol['products']:,} "
            "products; "
            f"split {protocol['split']} ({protocol['queries']['dev']:,} dev / "
            f"{protocol['queries']['test']:,} test queries); {protocol['fusion_training']}. "
            f"Search log: {protocol['search_log']}. "
            f"Encoder adaptation: {protocol['encoder_adaptation']}"
            + (f" ({timing['encoder_adaptation_seconds']} s)." if "--adapt" in command else "."),
            "",
            markdown_table(
                ["method", "NDCG@10 (test)", "x BM25", "NDCG@10 with one typo", "kept"], rows
            ),
            "",
            "`bm25`: lexical index alone, query as typed. `bm25_spelling`: after query "
            "understanding and spelling correction. `dense`: MiniLM (ONNX int8) vectors alone, "
            "query as typed. `rrf`: full pipeline, reciprocal-rank fusion. `hybrid_no_log`: "
            "full pipeline, LambdaMART fusion trained on the dev queries over the text signals "
            "alone (lexical, dense, title-match and query-understanding features). `hybrid`: "
            "the same fusion also reading the search log (how often each candidate was chosen "
            "in past searches and how close those searches are to the query).",
            f"Typos: {typos.get('edit', 'not run')} (seed {typos.get('seed', '-')}).",
            "",
            f"Index build, {protocol['products']:,} products: cold (empty encoder cache, every "
            f"title encoded, ONNX export included) {latency['cold_build']['seconds']} s, peak "
            f"+{latency['cold_build']['peak_memory_mb']} MiB (load average "
            f"{latency['cold_build']['load_average_1min']}); in the evaluation run (vectors "
            f"from the cache) {timing['index_build_seconds']} s, "
            f"peak +{timing['index_build_peak_memory_mb']} MiB; "
            f"fusion training {timing['fusion_training_seconds']} s. "
            f"Loading the saved searcher: {latency['load_seconds']} s.",
            f"Query latency, `Searcher.search` end to end, {latency['queries_timed']} test queries "
            f"one at a time ({latency['fusion']} fusion): p50 {latency['p50_ms']} ms, "
            f"p90 {latency['p90_ms']} ms, p99 {latency['p99_ms']} ms (of which query encoding "
            f"p50 {latency['encode_p50_ms']} ms, p99 {latency['encode_p99_ms']} ms); "
            f"1-minute load average of the machine when timed: "
            f"{latency['load_average_1min']} on {os.cpu_count()} CPUs.",
            "",
            f"Re-ranking: {RERANKING_NOTE}",
        ]
    )


if __name__ == "__main__":
    main()
