"""What a shopper's message asks for: a product question, a search, the shop's policies, an
order's status, a human, or small talk.

`IntentClassifier` needs no conversations from the shop. It compares a message with the seed
phrases of `intent_exemplars` (English and Chinese) under the multilingual encoder: per intent,
the mean cosine similarity of the message to its `neighbours` nearest seed phrases. Beside them
sit the keyword cues of `intent_cues` (order numbers, asking for a human, returns, shipping).
A logistic regression over these twelve features is fitted on the seed phrases alone when the
classifier is first used, each phrase's similarities computed without itself. On a product
page (`has_item`) the odds of a product question are multiplied by `item_page_odds`, so that a
bare "is it waterproof?" is read as a question about that product. Confidence is the
regression's probability of the intent chosen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property

import numpy as np
from pydantic import BaseModel, ConfigDict, Field
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from shopsense.assistant.intent_cues import cue_features
from shopsense.assistant.intent_exemplars import EXEMPLARS
from shopsense.text import Encoder, EncoderConfig
from shopsense.text.backends import MULTILINGUAL_MODEL


class Intent(StrEnum):
    """What a message asks for."""

    PRODUCT_QUESTION = "product_question"
    """About one product: "is it waterproof?", "这个屏幕多大"."""
    PRODUCT_SEARCH = "product_search"
    """Finding or choosing products: "a gift for my mum under $50"."""
    POLICY = "policy"
    """The shop's shipping, returns, refunds, payment, warranty: "可以七天无理由退货吗"."""
    ORDER_STATUS = "order_status"
    """One of the shopper's orders: "where is my order 12345?", "我的快递到哪了"."""
    HANDOVER = "handover"
    """A complaint or a request for a person: "I want to speak to a person", "转人工"."""
    GREETING = "greeting"
    """Hello, thanks, goodbye, small talk."""


#: The intents in the order of the features and of `CUES`.
INTENTS: tuple[Intent, ...] = tuple(Intent)


@dataclass(frozen=True)
class IntentPrediction:
    """The intent of one message, its probability, and every intent's probability."""

    intent: Intent
    confidence: float
    scores: dict[Intent, float]


class IntentConfig(BaseModel):
    """How messages are classified."""

    model_config = ConfigDict(extra="forbid")

    encoder: EncoderConfig = Field(
        default_factory=lambda: EncoderConfig(model_name=MULTILINGUAL_MODEL),
        description="The encoder of messages and seed phrases (multilingual-e5-small).",
    )
    neighbours: int = Field(
        16,
        ge=1,
        description="Seed phrases averaged per intent (16 of about 64: chosen by 5-fold "
        "cross-validation on the seed phrases).",
    )
    regularisation: float = Field(1.0, gt=0, description="C of the logistic regression.")
    item_page_odds: float = Field(
        2.0, gt=0, description="Odds multiplier of a product question on a product page."
    )


class IntentClassifier:
    """Classifies shoppers' messages into `Intent`s; the encoder and the regression load on
    first use and are then kept, so one instance serves a process."""

    def __init__(self, config: IntentConfig | None = None) -> None:
        """`config`: the defaults suit English and Chinese shops."""
        self.config = config or IntentConfig()
        self.encoder = Encoder(self.config.encoder)

    def classify(self, text: str, has_item: bool = False) -> IntentPrediction:
        """The intent of one message; `has_item`: the shopper is on a product page."""
        return self.classify_many([text], has_item=has_item)[0]

    def classify_many(
        self, texts: Sequence[str], has_item: bool | Sequence[bool] = False
    ) -> list[IntentPrediction]:
        """The intents of `texts`; `has_item` for all of them or one per text."""
        if len(texts) == 0:
            return []
        on_page = np.broadcast_to(np.asarray(has_item, dtype=bool), (len(texts),))
        # Shoppers' words stay out of the on-disk cache.
        vectors = self.encoder.encode(list(texts), kind="query", remember=False)
        features = np.hstack([self._similarities(vectors), _cues(texts)])
        logits = self._model.decision_function(features)
        logits[on_page, 0] += np.log(self.config.item_page_odds)
        probabilities = _softmax(logits)
        return [_prediction(row) for row in probabilities]

    @cached_property
    def _exemplars(self) -> tuple[np.ndarray, np.ndarray, list[str]]:
        """The seed phrases' vectors, their intents' positions and the phrases."""
        phrases, labels = [], []
        for position, intent in enumerate(INTENTS):
            for language_phrases in EXEMPLARS[intent.value].values():
                phrases += language_phrases
                labels += [position] * len(language_phrases)
        vectors = self.encoder.encode(phrases, kind="query")
        return vectors, np.array(labels), phrases

    @cached_property
    def _model(self) -> Pipeline:
        """The regression, fitted on the seed phrases (each without itself as a neighbour)."""
        vectors, labels, phrases = self._exemplars
        features = np.hstack([self._similarities(vectors, leave_out_self=True), _cues(phrases)])
        model = make_pipeline(
            StandardScaler(),
            LogisticRegression(C=self.config.regularisation, max_iter=2000),
        )
        return model.fit(features, labels)

    def _similarities(self, vectors: np.ndarray, leave_out_self: bool = False) -> np.ndarray:
        """Per intent, the mean cosine of each vector to its nearest seed phrases."""
        exemplars, labels, _ = self._exemplars
        cosines = vectors @ exemplars.T
        if leave_out_self:
            np.fill_diagonal(cosines, -np.inf)
        k = self.config.neighbours
        columns = []
        for position in range(len(INTENTS)):
            within = cosines[:, labels == position]
            nearest = -np.partition(-within, k - 1, axis=1)[:, :k]
            columns.append(nearest.mean(axis=1))
        return np.stack(columns, axis=1)


def _cues(texts: Sequence[str]) -> np.ndarray:
    return np.stack([cue_features(text) for text in texts])


def _softmax(logits: np.ndarray) -> np.ndarray:
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _prediction(probabilities: np.ndarray) -> IntentPrediction:
    best = int(np.argmax(probabilities))
    scores = {intent: float(p) for intent, p in zip(INTENTS, probabilities, strict=True)}
    return IntentPrediction(INTENTS[best], float(probabilities[best]), scores)
