"""The evidence ranker: orders a question's candidate evidence and says how likely it is that
any of them answers it.

Two relevance signals feed it: the sentence encoder's cosine between question and evidence, and
(where the model has one) a relevance model fine-tuned on (question, evidence) pairs, a cross-
encoder read as the probability that the evidence answers the question. A LightGBM LambdaRank
stacker (`shopsense.learning`) combines them with lexical and source features into the ranking
score; a logistic regression over the best and runner-up signals gives the answerable
probability, on which the assistant declines. The stacker's scores that the answerability model
learns from are cross-fitted, so that it learns how sure the ranker is on questions it has not
seen; the decline threshold is chosen on the answerability model's cross-fitted probabilities.

Saved as `ranker.json` (settings, the answerability model's coefficients), `stacker.txt`
(LightGBM's text format) and, with a relevance model, `relevance/` (`TextClassifier`); no pickles.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.linear_model import LogisticRegression

from shopsense.assistant.evidence import EvidenceSource
from shopsense.assistant.qa_corpora import RankingQuestion
from shopsense.assistant.ranking_features import (
    answerability_feature_names,
    answerability_features,
    candidate_feature_names,
    candidate_features,
    source_of,
)
from shopsense.data.language import ENGLISH, detect_language
from shopsense.learning.lambdamart import LambdaMART, LambdaMARTConfig, RankingExamples
from shopsense.reviews.finetune import TextClassifier
from shopsense.text.encoder import DEFAULT_MODEL, Encoder, EncoderConfig

__all__ = ["EvidenceQuestion", "EvidenceRanker", "EvidenceRankerConfig", "RankedEvidence"]

_SETTINGS = "ranker.json"
_STACKER = "stacker.txt"
_RELEVANCE = "relevance"
_FORMAT = 2


class EvidenceRankerConfig(BaseModel):
    """How the evidence ranker is trained."""

    model_config = ConfigDict(extra="forbid")

    encoder: EncoderConfig = Field(
        default_factory=EncoderConfig,
        description="The sentence encoder of the cosine signal ('auto': by the questions' "
        "language at use, MiniLM for English, multilingual-e5-small otherwise).",
    )
    stacker: LambdaMARTConfig = Field(
        default_factory=lambda: LambdaMARTConfig(
            learning_rate=0.05, num_leaves=15, min_data_in_leaf=20, holdout_fraction=0.15
        ),
        description="LightGBM LambdaRank settings of the stacker (small: a few thousand rows).",
    )
    folds: int = Field(
        5, ge=2, description="Cross-fitting folds for the answerability model's ranker scores."
    )
    answerability_c: float = Field(
        1.0, gt=0, description="Inverse L2 strength of the answerability logistic regression."
    )
    answered_precision: float = Field(
        0.85,
        gt=0,
        le=1,
        description="Precision the decline threshold aims at: the lowest answerable "
        "probability at which, on the training questions, the answered ones have their top "
        "evidence right at least this often.",
    )
    seed: int = Field(0, description="Seed of the folds.")


@dataclass(frozen=True)
class EvidenceQuestion:
    """A question and its candidate evidence (text and source each)."""

    question: str
    candidates: tuple[str, ...]
    sources: tuple[EvidenceSource, ...]

    @classmethod
    def from_ranking(cls, item: RankingQuestion) -> EvidenceQuestion:
        """The question of a labelled corpus row."""
        return cls(item.question, item.candidates, tuple(source_of(s) for s in item.sources))


@dataclass(frozen=True)
class RankedEvidence:
    """The ranker's verdict on one question: a score per candidate (higher: better), the
    probability that some candidate answers it, and whether that is enough to answer."""

    scores: np.ndarray
    answerable: float
    answer: bool = True

    @property
    def order(self) -> np.ndarray:
        """Candidate positions, best first."""
        return np.argsort(-self.scores, kind="stable")


class EvidenceRanker:
    """Scores candidate evidence for questions (see the module docstring)."""

    def __init__(
        self,
        config: EvidenceRankerConfig,
        stacker: LambdaMART,
        answerability: dict[str, list[float]],
        decline_below: float,
        relevance: TextClassifier | None = None,
    ) -> None:
        self.config = config
        self.stacker = stacker
        self.answerability = answerability
        self.decline_below = decline_below
        """Answerable probabilities below this are declined (see `answered_precision`)."""
        self.relevance = relevance

    @property
    def signals(self) -> list[str]:
        """Names of the relevance signals the ranker reads."""
        return ["cosine", *(["relevance"] if self.relevance is not None else [])]

    def reads(self, language: str) -> bool:
        """Whether the ranker reads questions in `language`: any language without a relevance
        model (the encoder is chosen by language), English only over one fine-tuned from the
        English encoder."""
        english_only = (
            self.relevance is not None and self.relevance.config.base_model == DEFAULT_MODEL
        )
        return language == ENGLISH or not english_only

    # ---- use ---------------------------------------------------------------------------
    def rank(
        self, questions: Sequence[EvidenceQuestion], language: str | None = None
    ) -> list[RankedEvidence]:
        """The verdict on each question. `language` picks an 'auto' encoder; None: each
        question's own language. Questions in a language the ranker does not read (`reads`)
        are ranked by the packaged ranker."""
        if language is not None and not self.reads(language):
            return packaged_ranker().rank(questions, language)
        if language is None:
            verdicts: dict[int, RankedEvidence] = {}
            found = [detect_language(q.question) for q in questions]
            for each in dict.fromkeys(found):
                chosen = [i for i, lang in enumerate(found) if lang == each]
                ranked = self.rank([questions[i] for i in chosen], each)
                verdicts.update(zip(chosen, ranked, strict=True))
            return [verdicts[i] for i in range(len(questions))]
        signals = signal_values(questions, _encoder(self.config, language), self.relevance)
        out: list[RankedEvidence] = []
        for question, values in zip(questions, signals, strict=True):
            if not question.candidates:
                out.append(RankedEvidence(np.empty(0), 0.0, answer=False))
                continue
            features = candidate_features(
                question.question, question.candidates, question.sources, values
            )
            scores = self.stacker.predict(features)
            probability = _probability(
                self.answerability,
                answerability_features(question.question, values, scores, features),
            )
            out.append(RankedEvidence(scores, probability, probability >= self.decline_below))
        return out

    def shortlist(
        self, question: str, candidates: Sequence[str], k: int, language: str = "en"
    ) -> list[int]:
        """Positions of the `k` candidates closest to the question by encoder cosine, in
        their given order: a cheap first cut before `rank` reads the relevance model."""
        encoder = _encoder(self.config, language)
        asked = encoder.encode([question], kind="query", remember=False)[0]
        cosines = encoder.encode(list(candidates)) @ asked
        return sorted(np.argsort(-cosines, kind="stable")[:k].tolist())

    # ---- training ------------------------------------------------------------------------
    @classmethod
    def fit(
        cls,
        questions: Sequence[RankingQuestion],
        config: EvidenceRankerConfig | None = None,
        relevance: TextClassifier | None = None,
        language: str = "en",
    ) -> EvidenceRanker:
        """Train the stacker and the answerability model on labelled questions (a relevance
        model, where given, must not have been trained on them)."""
        config = config or EvidenceRankerConfig()
        asked = [EvidenceQuestion.from_ranking(q) for q in questions]
        signals = signal_values(asked, _encoder(config, language), relevance)
        names = ["cosine", *(["relevance"] if relevance is not None else [])]
        features = [
            candidate_features(q.question, q.candidates, q.sources, v)
            for q, v in zip(asked, signals, strict=True)
        ]
        labels = [np.asarray(q.labels) for q in questions]
        folds = np.random.default_rng(config.seed).integers(0, config.folds, len(questions))
        crossed: list[np.ndarray] = [np.empty(0)] * len(questions)
        for fold in range(config.folds):
            model = _fit_stacker(config, features, labels, np.flatnonzero(folds != fold), names)
            for i in np.flatnonzero(folds == fold):
                crossed[i] = model.predict(features[i])
        rows = np.stack(
            [
                answerability_features(q.question, v, s, f)
                for q, v, s, f in zip(asked, signals, crossed, features, strict=True)
            ]
        )
        answerable = np.asarray([q.answerable for q in questions], dtype=int)
        # The threshold is read off cross-fitted probabilities too: in-sample ones flatter it.
        probabilities = np.empty(len(questions))
        for fold in range(config.folds):
            held = folds == fold
            fold_model = _fit_answerability(rows[~held], answerable[~held], config)
            probabilities[held] = [_probability(fold_model, row) for row in rows[held]]
        right = np.asarray([labels[i][np.argmax(crossed[i])] for i in range(len(questions))])
        threshold = _decline_threshold(probabilities, right, config.answered_precision)
        model = _fit_answerability(rows, answerable, config)
        stacker = _fit_stacker(config, features, labels, np.arange(len(questions)), names)
        return cls(config, stacker, model, threshold, relevance)

    # ---- persistence ---------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        """Write the ranker into `directory` (created if needed)."""
        directory.mkdir(parents=True, exist_ok=True)
        (directory / _STACKER).write_text(self.stacker.to_text())
        if self.relevance is not None:
            self.relevance.save(directory / _RELEVANCE)
        settings = {
            "format": _FORMAT,
            "config": self.config.model_dump(mode="json"),
            "signals": self.signals,
            "answerability_features": answerability_feature_names(self.signals),
            "answerability": self.answerability,
            "decline_below": self.decline_below,
        }
        (directory / _SETTINGS).write_text(json.dumps(settings, indent=2))

    @classmethod
    def load(cls, directory: Path) -> EvidenceRanker:
        """The ranker saved in `directory`."""
        path = directory / _SETTINGS
        if not path.is_file():
            raise FileNotFoundError(f"{directory}: no evidence ranker here ({_SETTINGS} missing)")
        settings = json.loads(path.read_text())
        if settings.get("format") != _FORMAT:
            raise ValueError(
                f"{path}: format {settings.get('format')}, this version reads {_FORMAT}"
            )
        config = EvidenceRankerConfig.model_validate(settings["config"])
        relevance = (
            TextClassifier.load(directory / _RELEVANCE)
            if "relevance" in settings["signals"]
            else None
        )
        stacker = LambdaMART.from_text((directory / _STACKER).read_text(), config.stacker)
        return cls(config, stacker, settings["answerability"], settings["decline_below"], relevance)


def signal_values(
    questions: Sequence[EvidenceQuestion], encoder: Encoder, relevance: TextClassifier | None
) -> list[list[np.ndarray]]:
    """Per question, each relevance signal's value per candidate (cosine; relevance)."""
    texts = [q.question for q in questions]
    candidates = [c for q in questions for c in q.candidates]
    asked = encoder.encode(texts, kind="query", remember=False)
    passages = encoder.encode(candidates)
    probabilities = None
    if relevance is not None and candidates:
        pairs = [q.question for q in questions for _ in q.candidates]
        column = list(relevance.classes).index(1)
        probabilities = relevance.probabilities(pairs, candidates)[:, column]
    out: list[list[np.ndarray]] = []
    start = 0
    for row, question in enumerate(questions):
        end = start + len(question.candidates)
        values = [passages[start:end] @ asked[row]]
        if probabilities is not None:
            values.append(probabilities[start:end].astype(np.float64))
        out.append(values)
        start = end
    return out


def _encoder(config: EvidenceRankerConfig, language: str) -> Encoder:
    return Encoder(config.encoder, languages={language: 1.0})


def _fit_stacker(
    config: EvidenceRankerConfig,
    features: list[np.ndarray],
    labels: list[np.ndarray],
    chosen: np.ndarray,
    signals: list[str],
) -> LambdaMART:
    kept = [i for i in chosen if labels[i].any()]
    examples = RankingExamples(
        np.vstack([features[i] for i in kept]),
        np.concatenate([labels[i] for i in kept]),
        np.asarray([len(labels[i]) for i in kept]),
    )
    return LambdaMART(config.stacker).fit(examples, candidate_feature_names(signals))


def _fit_answerability(
    rows: np.ndarray, answerable: np.ndarray, config: EvidenceRankerConfig
) -> dict[str, list[float]]:
    mean, scale = rows.mean(axis=0), rows.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=config.answerability_c, max_iter=1000)
    model.fit((rows - mean) / scale, answerable)
    return {
        "mean": mean.tolist(),
        "scale": scale.tolist(),
        "coef": model.coef_[0].tolist(),
        "intercept": [float(model.intercept_[0])],
    }


def _decline_threshold(probabilities: np.ndarray, right: np.ndarray, precision: float) -> float:
    """The lowest probability at which the questions at or above it are right at least
    `precision` of the time (the highest probability when no threshold gets there)."""
    order = np.argsort(-probabilities, kind="stable")
    running = np.cumsum(right[order]) / np.arange(1, len(order) + 1)
    reached = np.flatnonzero(running >= precision)
    if len(reached) == 0:
        return float(probabilities.max())
    return float(probabilities[order[reached[-1]]])


def _probability(model: dict[str, list[float]], row: np.ndarray) -> float:
    z = (row - np.asarray(model["mean"])) / np.asarray(model["scale"])
    logit = float(z @ np.asarray(model["coef"]) + model["intercept"][0])
    return float(1.0 / (1.0 + np.exp(-logit)))


@functools.cache
def packaged_ranker() -> EvidenceRanker:
    """The ranker a new shop gets out of the box (`shopsense/assistant/packaged_ranker/`):
    the stacker and answerability model over the encoder cosine, without a relevance model,
    trained on public product-question data (how: its README)."""
    from importlib import resources

    with resources.as_file(resources.files("shopsense.assistant").joinpath(PACKAGED)) as path:
        return EvidenceRanker.load(Path(path))


#: The packaged ranker's folder inside `shopsense.assistant`.
PACKAGED = "packaged_ranker"
