"""Text encoder backends: speed, agreement and retrieval quality of torch fp32 vs ONNX int8.

    python benchmarks/bench_encoder.py

On Amazon Beauty titles (short) and Amazon Office descriptions (long), for the default model:
1. exports the ONNX int8 model into a fresh cache folder and times the export + quantisation;
2. raw backend throughput (texts/s): length-sorted batches straight into each backend, the
   best of `--repeats` runs, backends alternating so that load from other processes on the
   machine hits both alike;
3. pipeline throughput: `Encoder.encode` with an empty on-disk cache (hashing, batching,
   cache writes included) and again with everything cached;
4. agreement: cosine between the int8 and fp32 vector of every text;
5. quality: the content retriever on Office (leave-one-out, full ranking, test cases) with the
   item vectors of each backend.
Writes `runs/encoder.json` and the `encoder` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import torch
from benchmarks_md import command_line, machine_line, markdown_table, write_section

from shopsense.data.loaders import load
from shopsense.data.splits import leave_one_out
from shopsense.evaluation.runner import evaluate_retriever
from shopsense.retrieval.content import ContentRetriever
from shopsense.text import Encoder, EncoderConfig
from shopsense.text.backends import (
    EncoderBackend,
    OnnxInt8Backend,
    TorchBackend,
    load_sentence_transformer,
)
from shopsense.text.onnx_export import ensure_onnx_int8

BACKENDS = ("torch", "onnx-int8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs"))
    parser.add_argument("--titles", type=int, default=4000, help="Beauty titles encoded.")
    parser.add_argument("--descriptions", type=int, default=1000, help="Office descriptions.")
    parser.add_argument("--repeats", type=int, default=2, help="Raw runs per backend (best).")
    parser.add_argument("--skip-quality", action="store_true", help="Skip the Office ranking.")
    parser.add_argument("--no-markdown", action="store_true", help="Do not edit BENCHMARKS.md.")
    args = parser.parse_args()

    corpora = {
        "Beauty titles": _texts(args.data_root / "amazon-beauty-2014-5core", "title", args.titles),
        "Office descriptions": _texts(
            args.data_root / "amazon-office-2014-5core-lcrec", "description", args.descriptions
        ),
    }
    config = EncoderConfig()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        load_sentence_transformer(config.model_name)
        started = time.perf_counter()
        ensure_onnx_int8(
            config.model_name, root, lambda: load_sentence_transformer(config.model_name)
        )
        export_seconds = time.perf_counter() - started
        backends: dict[str, EncoderBackend] = {
            "torch": TorchBackend(config.model_name),
            "onnx-int8": OnnxInt8Backend(config.model_name, root),
        }
        report = {
            "model": config.model_name,
            "batch_size": config.batch_size,
            "max_length": config.max_length,
            "torch_threads": torch.get_num_threads(),
            "load_average_at_start": os.getloadavg(),
            "onnx_export_and_quantise_s": export_seconds,
            "corpora": {
                name: _measure(texts, backends, config, root, args.repeats)
                for name, texts in corpora.items()
            },
        }
        if not args.skip_quality:
            report["office_content_retrieval"] = _quality(args.data_root, root)
        report["load_average_at_end"] = os.getloadavg()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "encoder.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    if not args.no_markdown:
        write_section("encoder", render(report))


def _texts(folder: Path, column: str, limit: int) -> list[str]:
    items = load(folder).items
    texts = [text for text in items[column].to_list() if text]
    return texts[:limit]


def _measure(
    texts: list[str],
    backends: dict[str, EncoderBackend],
    config: EncoderConfig,
    root: Path,
    repeats: int,
) -> dict[str, object]:
    order = np.argsort([len(text) for text in texts], kind="stable")
    batches = [
        [texts[i] for i in order[start : start + config.batch_size]]
        for start in range(0, len(texts), config.batch_size)
    ]
    seconds: dict[str, list[float]] = {name: [] for name in backends}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(repeats):
        for name, backend in backends.items():
            started = time.perf_counter()
            encoded = [backend.embed(batch, config.max_length) for batch in batches]
            seconds[name].append(time.perf_counter() - started)
            vectors[name] = np.concatenate(encoded)
    result: dict[str, object] = {
        "texts": len(texts),
        "mean_chars": float(np.mean([len(text) for text in texts])),
    }
    for name in backends:
        pipeline = Encoder(config.model_copy(update={"backend": name, "cache_dir": str(root)}))
        started = time.perf_counter()
        pipeline.encode(texts)
        cold = time.perf_counter() - started
        started = time.perf_counter()
        pipeline.encode(texts)
        warm = time.perf_counter() - started
        result[name] = {
            "raw_texts_per_s": len(texts) / min(seconds[name]),
            "raw_runs_s": seconds[name],
            "pipeline_empty_cache_texts_per_s": len(texts) / cold,
            "pipeline_all_cached_texts_per_s": len(texts) / warm,
        }
    cosine = (vectors["torch"] * vectors["onnx-int8"]).sum(axis=1)
    result["cosine_int8_vs_fp32"] = {
        "mean": float(cosine.mean()),
        "p01": float(np.quantile(cosine, 0.01)),
        "min": float(cosine.min()),
    }
    return result


def _quality(data_root: Path, root: Path) -> dict[str, dict[str, float]]:
    split = leave_one_out(load(data_root / "amazon-office-2014-5core-lcrec"))
    results = {}
    for name in BACKENDS:
        encoder = EncoderConfig(backend=name, cache_dir=str(root))
        retriever = ContentRetriever(encoder=encoder).fit(split.train)
        metrics = evaluate_retriever(retriever, split.test, split.train)
        results[name] = {key: float(metrics[key]) for key in ("ndcg@10", "recall@10")}
    return results


def render(report: dict) -> str:
    """The BENCHMARKS.md section."""
    rows = []
    for corpus, result in report["corpora"].items():
        for name in BACKENDS:
            speed = result[name]
            rows.append(
                [
                    corpus,
                    name,
                    f"{speed['raw_texts_per_s']:,.0f}",
                    f"{speed['pipeline_empty_cache_texts_per_s']:,.0f}",
                    f"{speed['pipeline_all_cached_texts_per_s']:,.0f}",
                    f"{result['cosine_int8_vs_fp32']['mean']:.4f}" if name != "torch" else "1",
                ]
            )
    table = markdown_table(
        [
            "texts",
            "backend",
            "raw texts/s",
            "Encoder texts/s (empty cache)",
            "Encoder texts/s (cached)",
            "mean cosine to fp32",
        ],
        rows,
    )
    lines = [
        "## Text encoder backends",
        "",
        f"`{command_line()}`",
        "",
        machine_line(),
        f"Load average (1, 5, 15 min) at start {_load(report['load_average_at_start'])}, "
        f"at end {_load(report['load_average_at_end'])}: the CPUs were shared with other jobs, "
        "so the absolute speeds are lower bounds; both backends ran alternately under the same "
        "load.",
        "",
        f"Model `{report['model']}`, batch {report['batch_size']}, "
        f"max {report['max_length']} tokens; torch threads {report['torch_threads']}. "
        f"ONNX export + int8 quantisation: {report['onnx_export_and_quantise_s']:.1f} s (once; "
        "cached on disk).",
        "",
        table,
        "",
    ]
    for corpus, result in report["corpora"].items():
        cos = result["cosine_int8_vs_fp32"]
        lines.append(
            f"- {corpus}: {result['texts']:,} texts, mean {result['mean_chars']:.0f} characters; "
            f"int8 vs fp32 cosine mean {cos['mean']:.4f}, 1st percentile {cos['p01']:.4f}, "
            f"min {cos['min']:.4f}."
        )
    quality = report.get("office_content_retrieval")
    if quality:
        cells = ", ".join(
            f"{name} NDCG@10 {m['ndcg@10']:.4f} / Recall@10 {m['recall@10']:.4f}"
            for name, m in quality.items()
        )
        lines.append(
            "- Content retriever on Amazon Office (leave-one-out, full ranking, history "
            f"excluded, test cases): {cells}."
        )
    return "\n".join(lines)


def _load(values: list[float]) -> str:
    return ", ".join(f"{value:.1f}" for value in values)


if __name__ == "__main__":
    main()
