"""New users from one sentence on Amazon Office: content-from-text vs popularity.

    python benchmarks/bench_cold_start_users.py

Leave-one-out split of Amazon Office (the text-rich dataset). Each test user is known only by a
synthetic sentence naming the most frequent leaf categories of their training items (see
`shopsense.evaluation.new_users`); the model ranks the whole catalogue for that sentence and
the user's held-out test item is looked up. Popularity sees the same contexts (it cannot read
text). Reported with the user's earlier items excluded (the standard protocol) and with nothing
excluded (a shop that never saw the shopper cannot exclude anything). For reference, the same
content retriever fed the user's real history (the standard warm protocol).
Writes `runs/cold_start_users.json` and the `cold-start-users` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks_md import command_line, machine_line, markdown_table, write_section

from shopsense.data.loaders import load
from shopsense.data.splits import leave_one_out
from shopsense.evaluation.new_users import evaluate_new_users
from shopsense.evaluation.runner import evaluate_retriever
from shopsense.retrieval.content import ContentRetriever
from shopsense.retrieval.popularity import PopularityRetriever

FOLDER = "amazon-office-2014-5core-lcrec"
METRICS = ("ndcg@10", "recall@10", "ndcg@20", "recall@20")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-root", type=Path, default=Path("../shared/data"))
    parser.add_argument("--out", type=Path, default=Path("runs"))
    parser.add_argument("--categories", type=int, default=3, help="Categories per sentence.")
    parser.add_argument("--no-markdown", action="store_true", help="Do not edit BENCHMARKS.md.")
    args = parser.parse_args()

    split = leave_one_out(load(args.data_root / FOLDER))
    started = time.perf_counter()
    content = ContentRetriever().fit(split.train)
    content_fit = time.perf_counter() - started
    popularity = PopularityRetriever().fit(split.train)
    retrievers = {"popularity": popularity, "content (sentence only)": content}
    report = {
        "dataset": FOLDER,
        "protocol": split.describe(),
        "items": split.train.n_items,
        "content_fit_s": content_fit,
        "new_users": {
            "history excluded": evaluate_new_users(retrievers, split, args.categories, True),
            "nothing excluded": evaluate_new_users(retrievers, split, args.categories, False),
        },
        "warm_reference": {
            "content (full history)": evaluate_retriever(content, split.test, split.train),
            "popularity (full history)": evaluate_retriever(popularity, split.test, split.train),
        },
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "cold_start_users.json").write_text(json.dumps(report, indent=2))
    print(json.dumps(report, indent=2))
    if not args.no_markdown:
        write_section("cold-start-users", render(report))


def render(report: dict) -> str:
    """The BENCHMARKS.md section."""
    rows = []
    for variant, result in report["new_users"].items():
        for name, metrics in result["models"].items():
            rows.append([f"new user, {variant}", name, *(f"{metrics[m]:.4f}" for m in METRICS)])
    for name, metrics in report["warm_reference"].items():
        rows.append(["known user (reference)", name, *(f"{metrics[m]:.4f}" for m in METRICS)])
    first = next(iter(report["new_users"].values()))
    examples = "; ".join(f"“{text}”" for text in first["example_sentences"] if text)
    return "\n".join(
        [
            "## New users from one sentence (Amazon Office)",
            "",
            f"`{command_line()}`",
            "",
            machine_line(),
            "",
            f"Leave-one-out test cases: {first['cases']:,} users, full ranking over all "
            f"{report['items']:,} items. Each user is described by a synthetic sentence naming "
            "the most frequent leaf categories of their training items (never the test item), e.g. "
            f"{examples}. Users without categories: {first['cases_without_sentence']}. "
            "The sentence uses the catalogue's own category words, so it is a cleaner signal "
            "than a shopper's free text but a coarser one (no brand, no product).",
            "",
            markdown_table(["setting", "model", *METRICS], rows),
            "",
        ]
    )


if __name__ == "__main__":
    main()
