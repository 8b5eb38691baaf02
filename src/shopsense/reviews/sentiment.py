"""The review sentiment model: one logistic regression over NB-weighted word and character
n-grams stacked with a frozen sentence embedding, its settings chosen on a validation split,
optionally blended with an encoder fine-tuned as a classifier.

Sparse n-grams are sharp on the words a corpus uses often; the embedding (multilingual-e5-small,
English and Chinese alike) generalises to phrasings the training set rarely saw. The
regression's class probabilities are the reported score; the validation split picks the
regularisation and how much weight the embedding block gets. With `fine_tune` set, the encoder
is also fine-tuned on the training part (stopping on the validation split) and the score is a
weighted mean of its probabilities and the regression's, the weight chosen on the validation
split. Saved state: `model.npz` (arrays), `terms.json` (the vocabulary), `config.json` and, with
a fine-tuned encoder, its directory `finetuned/`; no pickles.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split

from shopsense.data.language import detect_language
from shopsense.reviews.corpora import POSITIVE, LabelledReviews
from shopsense.reviews.features import FeatureConfig, ReviewFeatures
from shopsense.reviews.finetune import ClassifierConfig, Examples, TextClassifier
from shopsense.text.encoder import MULTILINGUAL_MODEL, Encoder, EncoderConfig


class SentimentConfig(BaseModel):
    """How the sentiment model is trained."""

    model_config = ConfigDict(extra="forbid")

    features: FeatureConfig = Field(default_factory=FeatureConfig, description="The n-grams.")
    encoder: EncoderConfig | None = Field(
        default_factory=lambda: EncoderConfig(model_name=MULTILINGUAL_MODEL),
        description="The frozen sentence encoder whose vectors join the n-grams; None: "
        "n-grams only.",
    )
    c_grid: tuple[float, ...] = Field(
        (4.0, 16.0), description="Inverse regularisation strengths tried on validation."
    )
    embedding_scales: tuple[float, ...] = Field(
        (1.0, 2.0), description="Weights of the embedding block tried on validation."
    )
    validation_share: float = Field(
        0.1, gt=0, lt=0.5, description="Share of the training reviews held out to choose settings."
    )
    seed: int = Field(0, description="Seed of the validation split.")
    fine_tune: ClassifierConfig | None = Field(
        None,
        description="An encoder fine-tuned as a classifier on the training part, blended with "
        "the regression; None: the regression alone.",
    )
    blend_weights: tuple[float, ...] = Field(
        tuple(i / 10 for i in range(11)),
        description="Weights of the fine-tuned classifier's probabilities tried on validation.",
    )


_FINETUNED = "finetuned"


@dataclass(frozen=True)
class ReviewSentiment:
    """The sentiment of one review."""

    language: str
    sentiment: str
    score: float
    """The model's probability of `sentiment`."""


class SentimentModel:
    """Fit on labelled reviews; `analyze` gives each review's language, sentiment and score."""

    def __init__(
        self,
        config: SentimentConfig,
        features: ReviewFeatures,
        classes: np.ndarray,
        coef: np.ndarray,
        intercept: np.ndarray,
        embedding_scale: float,
        c: float,
        classifier: TextClassifier | None = None,
        blend_weight: float = 0.0,
    ) -> None:
        self.config = config
        self.features = features
        self.classes = classes
        self.embedding_scale = embedding_scale
        self.c = c
        self.coef = coef
        self.intercept = intercept
        self.classifier = classifier
        self.blend_weight = blend_weight

    @classmethod
    def fit(cls, reviews: LabelledReviews, config: SentimentConfig | None = None) -> SentimentModel:
        """Choose C and the embedding weight on a validation split, then refit on all reviews;
        with `fine_tune`, fine-tune the encoder on the training part and choose its weight in
        the blend on the validation split."""
        config = config or SentimentConfig()
        if len(np.unique(reviews.labels)) < 2:
            raise ValueError(f"{reviews.name}: training needs at least two sentiment labels")
        embeddings = _embed(config.encoder, reviews.texts)
        rows = np.arange(len(reviews))
        train, valid = train_test_split(
            rows,
            test_size=config.validation_share,
            stratify=reviews.labels,
            random_state=config.seed,
        )
        features = _fit_features(config, reviews.subset(train))
        sparse_train = features.transform(reviews.subset(train).texts)
        sparse_valid = features.transform(reviews.subset(valid).texts)
        scales = config.embedding_scales if embeddings is not None else (0.0,)
        scored = []
        for c in config.c_grid:
            for scale in scales:
                regression = _regression(c, reviews.labels)
                regression.fit(
                    _stack(sparse_train, embeddings, train, scale), reviews.labels[train]
                )
                found = regression.predict_proba(_stack(sparse_valid, embeddings, valid, scale))
                predicted = regression.classes_[found.argmax(axis=1)]
                scored.append((accuracy_score(reviews.labels[valid], predicted), c, scale, found))
        _, c, scale, found = max(scored, key=lambda row: row[0])
        classifier, weight = _fine_tune(config, reviews.subset(train), reviews.subset(valid), found)
        features = _fit_features(config, reviews)
        regression = _regression(c, reviews.labels)
        regression.fit(
            _stack(features.transform(reviews.texts), embeddings, rows, scale), reviews.labels
        )
        return cls(
            config,
            features,
            regression.classes_,
            regression.coef_,
            regression.intercept_,
            scale,
            c,
            classifier,
            weight,
        )

    def probabilities(self, texts: Sequence[str], remember: bool = True) -> np.ndarray:
        """Class probabilities, one row per text, columns in the order of `classes`.
        `remember=False` keeps the texts' vectors out of the encoder's on-disk cache."""
        embeddings = _embed(self.config.encoder, texts, remember) if self.embedding_scale else None
        x = _stack(
            self.features.transform(texts), embeddings, np.arange(len(texts)), self.embedding_scale
        )
        probabilities = _softmax(np.asarray(x @ self.coef.T) + self.intercept)
        if self.classifier is None or not self.blend_weight:
            return probabilities
        fine_tuned = self.classifier.probabilities(list(texts))
        return self.blend_weight * fine_tuned + (1 - self.blend_weight) * probabilities

    def analyze(self, texts: Sequence[str], remember: bool = True) -> list[ReviewSentiment]:
        """Language, sentiment and its probability for each text."""
        if not texts:
            return []
        probabilities = self.probabilities(texts, remember)
        best = probabilities.argmax(axis=1)
        return [
            ReviewSentiment(detect_language(text), str(self.classes[i]), float(row[i]))
            for text, i, row in zip(texts, best, probabilities, strict=True)
        ]

    def save(self, directory: Path) -> None:
        """Write the model into `directory` (created if needed)."""
        directory.mkdir(parents=True, exist_ok=True)
        np.savez(
            directory / "model.npz",
            classes=self.classes.astype(str),
            coef=self.coef,
            intercept=self.intercept,
            **self.features.arrays(),
        )
        (directory / "terms.json").write_text(json.dumps(self.features.terms, ensure_ascii=False))
        settings = {
            "embedding_scale": self.embedding_scale,
            "c": self.c,
            "blend_weight": self.blend_weight,
        }
        if self.classifier is not None:
            self.classifier.save(directory / _FINETUNED)
        (directory / "config.json").write_text(
            json.dumps({"config": self.config.model_dump(mode="json"), **settings}, indent=2)
        )

    @classmethod
    def load(cls, directory: Path) -> SentimentModel:
        """The model saved in `directory`."""
        for name in ("model.npz", "terms.json", "config.json"):
            if not (directory / name).is_file():
                raise FileNotFoundError(f"{directory}: no sentiment model here ({name} missing)")
        saved = json.loads((directory / "config.json").read_text())
        config = SentimentConfig.model_validate(saved["config"])
        terms = json.loads((directory / "terms.json").read_text())
        classifier = (
            TextClassifier.load(directory / _FINETUNED)
            if (directory / _FINETUNED).is_dir()
            else None
        )
        with np.load(directory / "model.npz", allow_pickle=False) as arrays:
            features = ReviewFeatures(config.features, terms, arrays["idf"], arrays["ratios"])
            return cls(
                config,
                features,
                arrays["classes"],
                arrays["coef"],
                arrays["intercept"],
                saved["embedding_scale"],
                saved["c"],
                classifier,
                saved.get("blend_weight", 0.0),
            )


def _fine_tune(
    config: SentimentConfig,
    train: LabelledReviews,
    valid: LabelledReviews,
    regression_valid: np.ndarray,
) -> tuple[TextClassifier | None, float]:
    """The encoder fine-tuned on `train` (stopping on `valid`) and the weight of its
    probabilities in the blend that scores best on `valid`; (None, 0) without `fine_tune`."""
    if config.fine_tune is None:
        return None, 0.0
    classifier = TextClassifier.fit(
        Examples(train.texts, train.labels),
        Examples(valid.texts, valid.labels),
        config.fine_tune,
    )
    fine_tuned = classifier.probabilities(valid.texts)
    accuracies = [
        accuracy_score(
            valid.labels,
            classifier.classes[(w * fine_tuned + (1 - w) * regression_valid).argmax(axis=1)],
        )
        for w in config.blend_weights
    ]
    return classifier, config.blend_weights[int(np.argmax(accuracies))]


def _softmax(decision: np.ndarray) -> np.ndarray:
    """Class probabilities from the regression's decision values (one column if binary)."""
    if decision.shape[1] == 1:
        positive = 1 / (1 + np.exp(-decision[:, 0]))
        return np.column_stack([1 - positive, positive])
    decision = decision - decision.max(axis=1, keepdims=True)
    exponentials = np.exp(decision)
    return exponentials / exponentials.sum(axis=1, keepdims=True)


def _fit_features(config: SentimentConfig, reviews: LabelledReviews) -> ReviewFeatures:
    return ReviewFeatures.fit(config.features, reviews.texts, reviews.labels == POSITIVE)


def _embed(
    config: EncoderConfig | None, texts: Sequence[str], remember: bool = True
) -> np.ndarray | None:
    if config is None:
        return None
    # e5 reads classification inputs with its "query: " prompt.
    return Encoder(config).encode(list(texts), kind="query", remember=remember)


def _stack(
    sparse: sp.csr_matrix, embeddings: np.ndarray | None, rows: np.ndarray, scale: float
) -> sp.csr_matrix:
    if embeddings is None or not scale:
        return sparse
    return sp.hstack([sparse, sp.csr_matrix(embeddings[rows] * scale)], format="csr")


def _regression(c: float, labels: np.ndarray) -> LogisticRegression:
    # liblinear is the fastest on sparse binary problems but has no multinomial loss.
    solver = "liblinear" if len(np.unique(labels)) == 2 else "lbfgs"
    return LogisticRegression(C=c, solver=solver, max_iter=2000)
