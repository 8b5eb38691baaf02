"""The assistant's evidence ranking (hetPQA, semiPQA) and its answer latency end to end.

    python benchmarks/bench_assistant.py [--model runs/assistant-model]

Evidence ranking, as `shopsense assistant evaluate` measures it
(`shopsense.assistant.evaluation`): hetPQA `evidence_ranking/dev` cross-fitted (5 seeded folds
by question; each fold ranked by a stacker trained on the other four, over a relevance model
that never saw the file's products) and semiPQA `attribute_ranking/testunseen` (never trained
on), with BM25 and the plain MiniLM cosine side by side in the same run. P@1 and MRR over the
answerable questions, the AUC of the answerable probability, and the precision of the questions
answered at the ranker's operating point (its `decline_below`, chosen on its training questions
for a precision of 0.85). Rows: the packaged ranker (encoder cosine, no relevance model) and,
with `--model`, a ranker `shopsense assistant train` wrote (with the fine-tuned relevance model).

Latency: `Assistant.reply` end to end (intent, evidence shortlist and ranking, composition,
faithfulness check, the conversation store) on the English demo shop, one message at a time
after a warm-up: product questions on product pages (extractive answers) and policy questions.
Writes the `assistant-ranking` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from benchmarks_md import command_line, machine_line, markdown_table, write_section

from shopsense.assistant.assistant import Assistant, Message
from shopsense.assistant.conversations import ConversationStore
from shopsense.assistant.evaluation import (
    as_is_ours,
    crossfit_ours,
    evaluate_ranking,
    percentile,
)
from shopsense.assistant.evidence_ranker import EvidenceQuestion, EvidenceRanker, packaged_ranker
from shopsense.assistant.intents import IntentClassifier
from shopsense.assistant.orders import PurchaseOrders
from shopsense.assistant.policies import demo_policies
from shopsense.assistant.qa_corpora import load_ranking_questions
from shopsense.assistant.shop_adapters import CataloguePages, reviews_by_item
from shopsense.bundle.catalogue import Catalogue
from shopsense.data import Dataset
from shopsense.data.demo import generate_demo_shop
from shopsense.data.shoppers import UserState
from shopsense.text.encoder import Encoder

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "product-qa-hetpqa-semipqa"
HETPQA = DATA / "hetpqa" / "evidence_ranking" / "dev.tsv"
UNSEEN = DATA / "semipqa" / "attribute_ranking" / "testunseen.tsv"
PRODUCT_QUESTIONS = [
    "what is it made of?",
    "which brand is it?",
    "how much does it cost?",
    "what colour is it?",
    "is it good quality?",
    "does it come in red?",
    "what size is it?",
    "is it comfortable?",
    "how long does it last?",
    "is it worth the price?",
]
POLICY_QUESTIONS = [
    "how long does delivery take?",
    "can I return it after two weeks?",
    "do you accept paypal?",
    "is shipping free?",
    "what does the warranty cover?",
]


def ranking_rows(name: str, ranker: EvidenceRanker) -> list[list[str]]:
    encoder = Encoder(ranker.config.encoder)
    rows = []
    for label, path, ours in (
        ("hetPQA dev (cross-fitted)", HETPQA, crossfit_ours),
        ("semiPQA testunseen", UNSEEN, as_is_ours),
    ):
        questions = load_ranking_questions(path)
        result = evaluate_ranking(path.name, questions, ours(questions, ranker), encoder)
        methods = result["methods"]
        point = result["operating_point"]
        for method in ("bm25", "cosine", "ours"):
            scores = methods[method]
            rows.append(
                [
                    label,
                    name if method == "ours" else method,
                    f"{scores['p_at_1']:.3f}",
                    f"{scores['mrr']:.3f}",
                    f"{scores['answerability_auc']:.3f}",
                    f"x{result['p_at_1_vs_best_baseline']:.2f}" if method == "ours" else "",
                    f"{point['precision']:.3f} at {100 * point['answered_share']:.1f}% answered"
                    if method == "ours"
                    else "",
                ]
            )
    return rows


#: Questions whose answer is one attribute of the demo shop's products, and that attribute.
ATTRIBUTE_QUESTIONS = {
    "what colour is it?": "colour",
    "what size is it?": "size",
    "what is it made of?": "material",
}


def declining_rows(shop: Dataset, ranker: EvidenceRanker) -> list[list[str]]:
    """Per attribute question: the share of products answered among those that have the
    attribute and among those that have not (every 10th of the first 300 products)."""
    pages = CataloguePages(Catalogue(shop.items).record, reviews_by_item(shop.reviews))
    rows = []
    for question, key in ATTRIBUTE_QUESTIONS.items():
        answered: dict[bool, list[bool]] = {True: [], False: []}
        for row in range(0, 300, 10):
            item = shop.items["item_id"][row]
            evidence = list(pages.evidence(item, 50) or ())
            asked = EvidenceQuestion(
                question, tuple(e.searchable for e in evidence), tuple(e.source for e in evidence)
            )
            (verdict,) = ranker.rank([asked], "en")
            has = key in json.loads(shop.items["attributes"][row])
            answered[has].append(verdict.answer)
        rows.append(
            [
                question,
                f"{sum(answered[True])} of {len(answered[True])}",
                f"{sum(answered[False])} of {len(answered[False])}",
            ]
        )
    return rows


def latency_rows(shop: Dataset) -> list[list[str]]:
    state = UserState.from_frames(shop.interactions, shop.users)
    assistant = Assistant(
        IntentClassifier(),
        packaged_ranker(),
        CataloguePages(Catalogue(shop.items).record, reviews_by_item(shop.reviews)),
        demo_policies("en"),
        ConversationStore(),
        orders=PurchaseOrders(state.history),
    )
    items = shop.items["item_id"].to_list()
    assistant.reply(Message("warm up: what is it made of?", item=items[-1]))
    assistant.reply(Message("warm up: how do returns work?"))
    rows = []
    for label, messages in (
        (
            "product question (extractive)",
            [Message(q, item=items[i]) for i in range(0, 300, 10) for q in PRODUCT_QUESTIONS[:4]]
            + [Message(q, item=items[i]) for i in range(5, 300, 30) for q in PRODUCT_QUESTIONS[4:]],
        ),
        ("policy question (quoted)", [Message(q) for q in POLICY_QUESTIONS * 8]),
    ):
        millis = []
        for message in messages:
            started = time.perf_counter()
            assistant.reply(message)
            millis.append(1000 * (time.perf_counter() - started))
        rows.append(
            [
                label,
                str(len(millis)),
                f"{percentile(millis, 0.5):.1f}",
                f"{percentile(millis, 0.95):.1f}",
            ]
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", type=Path, help="A ranker `shopsense assistant train` wrote.")
    args = parser.parse_args()
    if not HETPQA.exists():
        raise SystemExit(f"{HETPQA} not found: the hetPQA data lives in ../shared/data")
    rows = ranking_rows("ours (packaged: cosine stacker)", packaged_ranker())
    if args.model is not None:
        trained = EvidenceRanker.load(args.model)
        rows += [
            r
            for r in ranking_rows("ours (trained: + relevance model)", trained)
            if r[1].startswith("ours")
        ]
    ranking = markdown_table(
        [
            "file",
            "method",
            "P@1",
            "MRR",
            "answerability AUC",
            "P@1 vs better baseline",
            "answered precision",
        ],
        rows,
    )
    shop = generate_demo_shop()
    declining = markdown_table(
        ["question", "answered: product has the attribute", "answered: product has not"],
        declining_rows(shop, packaged_ranker()),
    )
    latency = markdown_table(["messages", "n", "p50 ms", "p95 ms"], latency_rows(shop))
    body = "\n\n".join(
        [
            "## Assistant: evidence ranking and answer latency",
            f"`{command_line()}`. {machine_line()}",
            "hetPQA evidence ranking dev (509 questions, 386 answerable; ~5 candidates each) "
            "cross-fitted, 5 seeded folds by question; semiPQA attribute ranking testunseen "
            "(692 questions, 617 answerable; ~13 candidate attributes, never trained on). "
            "BM25 (bm25s over every candidate of the file) and the plain MiniLM cosine side by "
            "side in the same run; *answered precision*: the share of answered questions whose "
            "top evidence is labelled relevant, at the ranker's own decline threshold (chosen "
            "on its training questions for 0.85). The trained ranker's relevance model (MiniLM "
            "fine-tuned as a cross-encoder for one epoch on semiPQA dev and hetPQA answer "
            "generation train/dev, leaving out every product of the hetPQA ranking file) is "
            "`shopsense assistant train`'s default.",
            ranking,
            "Declining on the English demo shop (synthetic; packaged ranker): questions whose "
            "answer is one attribute, asked of every 10th of the first 300 products, all of "
            "each product's evidence ranked:",
            declining,
            "`Assistant.reply` end to end on the English demo shop (2,400 products), warm, one "
            "message at a time, packaged ranker:",
            latency,
        ]
    )
    print(body)
    write_section("assistant-ranking", body)


if __name__ == "__main__":
    main()
