"""`shopsense assistant ...`: train, apply and evaluate the customer-service assistant's evidence
ranker, and ask the assistant a question over a trained bundle."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from shopsense.cli.app import app
from shopsense.cli.common import fail_on_data_error
from shopsense.data.errors import DataError

if TYPE_CHECKING:
    from shopsense.assistant.evidence_ranker import EvidenceQuestion, EvidenceRanker

console = Console(stderr=True)
assistant_app = typer.Typer(
    help="The customer-service assistant: evidence ranking, answers, evaluation.",
    no_args_is_help=True,
)
app.add_typer(assistant_app, name="assistant")

#: The public product-question data `train` and `evaluate` read by default.
DEFAULT_DATA = Path("../shared/data/product-qa-hetpqa-semipqa")
HETPQA_RANKING = Path("hetpqa/evidence_ranking/dev.tsv")
SEMIPQA_DEV = Path("semipqa/attribute_ranking/dev.tsv")
SEMIPQA_UNSEEN = Path("semipqa/attribute_ranking/testunseen.tsv")
ANSWERS_TRAIN = (
    Path("hetpqa/answer_generation/train.tsv"),
    Path("hetpqa/answer_generation/dev.tsv"),
)
ANSWERS_TEST = Path("hetpqa/answer_generation/test.tsv")
ModelOption = Annotated[
    Path | None,
    typer.Option(
        "--model",
        help="An evidence ranker `shopsense assistant train` wrote; omitted: the packaged one.",
    ),
]


def _ranker(model: Path | None) -> EvidenceRanker:
    from shopsense.assistant.evidence_ranker import EvidenceRanker, packaged_ranker

    return EvidenceRanker.load(model) if model is not None else packaged_ranker()


@assistant_app.command()
def train(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the ranker into.")],
    data: Annotated[
        Path,
        typer.Option(
            "--data", help="The product-question folder (hetPQA and semiPQA files) to train on."
        ),
    ] = DEFAULT_DATA,
    relevance: Annotated[
        bool,
        typer.Option(
            help="Fine-tune the relevance model (a cross-encoder, ~10-20 min on a CPU) on "
            "semiPQA dev and hetPQA answer generation train/dev; without it the ranker reads "
            "the encoder cosine alone (what ships in the package).",
        ),
    ] = True,
    semipqa_ranking: Annotated[
        bool,
        typer.Option(
            help="Also train the stacker on semiPQA dev (only without --relevance: the "
            "relevance model learns from it)."
        ),
    ] = False,
) -> None:
    """Train the evidence ranker: the stacker and answerability model on hetPQA evidence
    ranking dev, over a relevance model that never saw those products."""
    from shopsense.assistant.qa_corpora import load_answer_examples, load_ranking_questions
    from shopsense.assistant.training import train_ranker

    with fail_on_data_error():
        ranking = load_ranking_questions(data / HETPQA_RANKING)
        semipqa = load_ranking_questions(data / SEMIPQA_DEV)
        if semipqa_ranking and relevance:
            raise DataError(
                "--semipqa-ranking needs --no-relevance (the relevance model "
                "learns from semiPQA dev)"
            )
        answers = [a for path in ANSWERS_TRAIN for a in load_answer_examples(data / path)]
        started = time.perf_counter()
        with console.status("training the evidence ranker"):
            ranker = train_ranker(
                ranking + (semipqa if semipqa_ranking else []),
                relevance_ranking=semipqa if relevance else (),
                relevance_answers=answers if relevance else (),
            )
        ranker.save(out)
    console.log(
        f"trained in {time.perf_counter() - started:.0f} s; signals {', '.join(ranker.signals)}; "
        f"declines below {ranker.decline_below:.3f}; ranker in {out}"
    )


def _read_questions(path: Path) -> list[EvidenceQuestion]:
    from shopsense.assistant.evidence import EvidenceSource
    from shopsense.assistant.evidence_ranker import EvidenceQuestion
    from shopsense.assistant.ranking_features import source_of
    from shopsense.reviews.jsonl import read_jsonl

    questions = []
    for line, record in read_jsonl(path, ("question",), present=("candidates",)):
        candidates = record["candidates"]
        if not isinstance(candidates, list) or not all(isinstance(c, str) for c in candidates):
            raise DataError(
                "must be a list of strings", source=str(path), record=line, field="candidates"
            )
        sources = record.get("sources", [EvidenceSource.DESCRIPTION.value] * len(candidates))
        if not isinstance(sources, list) or len(sources) != len(candidates):
            raise DataError(
                "must be a list with one source per candidate",
                source=str(path),
                record=line,
                field="sources",
            )
        try:
            parsed = tuple(source_of(str(s)) for s in sources)
        except ValueError:
            raise DataError(
                f"unknown source (one of {', '.join(s.value for s in EvidenceSource)})",
                source=str(path),
                record=line,
                field="sources",
            ) from None
        questions.append(EvidenceQuestion(record["question"], tuple(candidates), parsed))
    return questions


@assistant_app.command()
def rank(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT",
            help='JSON lines of {"question": ..., "candidates": [text, ...]} (optionally '
            '"sources": [attribute|description|review|qa|policy, ...] per candidate).',
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help='JSON lines {"scores": [float per candidate], "answerable": float}, one per '
            "input line, in order.",
        ),
    ],
    model: ModelOption = None,
) -> None:
    """Score each question's candidate evidence with the assistant's ranker."""
    with fail_on_data_error():
        questions = _read_questions(input_path)
        ranker = _ranker(model)
        started = time.perf_counter()
        verdicts = ranker.rank(questions)
        seconds = time.perf_counter() - started
    with out.open("w", encoding="utf-8") as handle:
        for verdict in verdicts:
            line: dict[str, Any] = {
                "scores": [round(float(s), 6) for s in verdict.scores],
                "answerable": round(verdict.answerable, 6),
            }
            handle.write(json.dumps(line) + "\n")
    console.log(f"{len(questions):,} questions in {seconds:.1f} s; written to {out}")


@assistant_app.command()
def evaluate(
    report: Annotated[Path, typer.Option("--report", help="Write the JSON report here.")],
    data: Annotated[
        Path, typer.Option("--data", help="The product-question folder (hetPQA and semiPQA).")
    ] = DEFAULT_DATA,
    model: ModelOption = None,
    intents: Annotated[
        Path | None,
        typer.Option(
            "--intents",
            help='Labelled messages to score the intent classifier on: JSON lines of {"text", '
            '"intent", "language"?, "has_item"?}.',
        ),
    ] = None,
) -> None:
    """Evidence ranking (hetPQA dev cross-fitted, semiPQA testunseen) beside BM25 and the
    encoder cosine, answers (ROUGE-L and faithfulness on hetPQA answer-generation test) and,
    with --intents, intent accuracy."""
    from shopsense.assistant.evaluation import (
        as_is_ours,
        crossfit_ours,
        evaluate_answers,
        evaluate_intents,
        evaluate_ranking,
        read_intent_messages,
        write_report,
    )
    from shopsense.assistant.intents import IntentClassifier
    from shopsense.assistant.qa_corpora import load_answer_examples, load_ranking_questions
    from shopsense.text.encoder import Encoder

    with fail_on_data_error():
        ranker = _ranker(model)
        encoder = Encoder(ranker.config.encoder)
        hetpqa = load_ranking_questions(data / HETPQA_RANKING)
        unseen = load_ranking_questions(data / SEMIPQA_UNSEEN)
        messages = read_intent_messages(intents) if intents is not None else None
        with console.status("evidence ranking (hetPQA dev, cross-fitted)"):
            hetpqa_result = evaluate_ranking(
                str(HETPQA_RANKING), hetpqa, crossfit_ours(hetpqa, ranker), encoder
            )
        with console.status("attribute ranking (semiPQA testunseen)"):
            unseen_result = evaluate_ranking(
                str(SEMIPQA_UNSEEN), unseen, as_is_ours(unseen, ranker), encoder
            )
        with console.status("answers (hetPQA answer generation test)"):
            answers = evaluate_answers(load_answer_examples(data / ANSWERS_TEST))
        result: dict[str, Any] = {
            "model": str(model) if model is not None else "packaged",
            "signals": ranker.signals,
            "ranking": [hetpqa_result, unseen_result],
            "answers": {"file": str(ANSWERS_TEST), **answers},
        }
        if messages is not None:
            result["intents"] = {
                "file": str(intents),
                **evaluate_intents(messages, IntentClassifier()),
            }
        write_report(result, report)
    for ranked in result["ranking"]:
        methods = ranked["methods"]
        console.log(
            f"{ranked['file']}: P@1 ours {methods['ours']['p_at_1']:.3f} (x"
            f"{ranked['p_at_1_vs_best_baseline']:.2f} the better baseline), cosine "
            f"{methods['cosine']['p_at_1']:.3f}, BM25 {methods['bm25']['p_at_1']:.3f}; "
            f"answerability AUC {methods['ours']['answerability_auc']:.3f}"
        )
    console.log(
        f"answers: ROUGE-L {answers['rouge_l_ours']:.3f} (copying {answers['rouge_l_copy']:.3f}), "
        f"flagged {100 * answers['flagged_share']:.2f}%; report in {report}"
    )


@assistant_app.command()
def ask(
    text: Annotated[str, typer.Argument(help="The shopper's message.")],
    bundle: Annotated[
        Path, typer.Option("--bundle", help="A bundle root or version `shopsense train` wrote.")
    ],
    item: Annotated[
        str | None, typer.Option("--item", help="The product page it is asked from.")
    ] = None,
    user: Annotated[str | None, typer.Option("--user", help="The signed-in shopper.")] = None,
    conversations: Annotated[
        Path | None,
        typer.Option(
            "--conversations",
            help="DuckDB file of conversations to continue and store in (omitted: none kept).",
        ),
    ] = None,
    conversation: Annotated[
        str | None, typer.Option("--conversation", help="The conversation it continues.")
    ] = None,
) -> None:
    """Ask the assistant of a trained bundle one question (its reply as JSON on stdout)."""
    from shopsense.assistant.assistant import Assistant, Message
    from shopsense.assistant.conversations import ConversationStore
    from shopsense.assistant.intents import IntentClassifier
    from shopsense.assistant.orders import PurchaseOrders
    from shopsense.assistant.shop_adapters import CataloguePages, SearchAdvisor, reviews_by_item
    from shopsense.bundle import Bundle
    from shopsense.data.shoppers import UserState

    with fail_on_data_error():
        loaded = Bundle.load(bundle)
        parts = loaded.assistant
        if parts is None:
            raise DataError(f"{bundle}: this bundle was trained without the assistant")
        dataset = loaded.dataset()
        state = UserState.from_frames(dataset.interactions, dataset.users)
        latest = dataset.interactions["timestamp"].max()
        searcher = loaded.searcher
        with ConversationStore(conversations or ":memory:") as store:
            assistant = Assistant(
                IntentClassifier(),
                parts.ranker,
                CataloguePages(loaded.catalogue.record, reviews_by_item(dataset.reviews)),
                parts.policies,
                store,
                advisor=SearchAdvisor(searcher, lambda user_id: user_id, loaded.catalogue.language)
                if searcher
                else None,
                # The shop's data ends at its last event: orders are aged from then.
                orders=PurchaseOrders(state.history, now=lambda: latest),
            )
            try:
                reply = assistant.reply(Message(text, conversation, user, item))
            except KeyError as missing:
                raise DataError(f"unknown product or conversation: {missing}") from None
    body = {
        "conversation": reply.conversation,
        "answer": reply.answer,
        "citations": [
            {"source": c.source.value, "id": c.id, "text": c.text} for c in reply.citations
        ],
        "intent": reply.intent.value,
        "confidence": round(reply.confidence, 4),
        "handover": reply.handover,
        "products": [
            {"item": s.item_id, "title": s.title, "reason": s.reason} for s in reply.products
        ],
    }
    typer.echo(json.dumps(body, ensure_ascii=False, indent=2))
