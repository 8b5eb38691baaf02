"""Training the evidence ranker from labelled product-question files.

The relevance model (a cross-encoder fine-tuned from the sentence encoder on (question, evidence)
pairs) learns from `relevance_pairs`; the stacker and the answerability model then learn from
ranking files on which the relevance model is out of sample: products of the ranking files are
left out of its pairs.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import Field

from shopsense.assistant.evidence_ranker import EvidenceRanker, EvidenceRankerConfig
from shopsense.assistant.qa_corpora import AnswerExample, RankingQuestion
from shopsense.assistant.relevance_pairs import relevance_pairs
from shopsense.reviews.finetune import ClassifierConfig, TextClassifier, split_examples
from shopsense.text.encoder import DEFAULT_MODEL

__all__ = ["RelevanceConfig", "train_ranker", "train_relevance"]


class RelevanceConfig(ClassifierConfig):
    """How the relevance model is fine-tuned (a `ClassifierConfig` over text pairs)."""

    base_model: str = Field(
        DEFAULT_MODEL, description="The encoder fine-tuned into the cross-encoder."
    )
    max_length: int = Field(96, ge=8, description="Tokens kept per (question, evidence) pair.")
    epochs: float = Field(1.0, gt=0, description="Passes over the training pairs.")
    evaluations_per_epoch: int = Field(4, ge=1, description="Validation passes per epoch.")
    patience: int = Field(3, ge=1, description="Validation passes without gain before stopping.")
    negatives: int = Field(3, ge=0, description="Negative pairs per question.")
    validation_share: float = Field(
        0.05, gt=0, lt=1, description="Share of pairs held out to pick the best weights."
    )


def train_relevance(
    ranking: Sequence[RankingQuestion],
    answers: Sequence[AnswerExample],
    exclude_products: set[str],
    config: RelevanceConfig | None = None,
) -> TextClassifier:
    """Fine-tune the relevance model on pairs from `ranking` and `answers`, leaving out the
    products in `exclude_products`."""
    config = config or RelevanceConfig()
    pairs = relevance_pairs(
        ranking, answers, config.negatives, exclude_products=exclude_products, seed=config.seed
    )
    train, validation = split_examples(pairs, config.validation_share, config.seed)
    settings = ClassifierConfig.model_validate(
        config.model_dump(exclude={"negatives", "validation_share"})
    )
    return TextClassifier.fit(train, validation, settings)


def train_ranker(
    ranking: Sequence[RankingQuestion],
    relevance_ranking: Sequence[RankingQuestion] = (),
    relevance_answers: Sequence[AnswerExample] = (),
    config: EvidenceRankerConfig | None = None,
    relevance: RelevanceConfig | None = None,
) -> EvidenceRanker:
    """The evidence ranker: with relevance data, a relevance model fine-tuned on it (without
    the products of `ranking`) and the stacker over it; without, the stacker over the encoder
    cosine alone."""
    model = None
    if relevance_ranking or relevance_answers:
        held = {q.product for q in ranking if q.product}
        model = train_relevance(relevance_ranking, relevance_answers, held, relevance)
    return EvidenceRanker.fit(ranking, config, model)
