"""`FusionRetriever` ("best"): candidates from several generators, ordered by a learned ranker.

Fitting trains every generator on the training interactions, then a LambdaRank model on the
validation cases: their histories exclude the validation item, so the generators never saw
those targets and each case is an honest example of "what came next". Without validation cases
(production training) the last item of each user is held out the same way, the ranker learns
from those cases, and the generators are then refitted on everything.

Scores are dense like every retriever's: a user's candidates, in the ranker's order, sit above
all other items, which keep the fallback generator's order (then popularity).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
from pydantic import Field, PositiveInt, model_validator
from rich.progress import Progress

from shopsense.data.dataset import Dataset
from shopsense.data.splits import EvalCases, first_occurrences
from shopsense.learning import LambdaMART, LambdaMARTConfig, RankingExamples
from shopsense.ranking.candidates import (
    Candidates,
    GeneratorSpec,
    generate_candidates,
    model_key_name,
    score_generators,
)
from shopsense.ranking.cascade import Cascade
from shopsense.ranking.explain import explain_fused
from shopsense.ranking.features import FeatureBuilder, FeatureConfig
from shopsense.ranking.new_items import reserve_slots
from shopsense.retrieval.base import SCORE_CHUNK, Evidence, Retriever, RetrieverConfig, UserContext
from shopsense.retrieval.capabilities import Composite, ReadsText
from shopsense.retrieval.explanation import Explanation
from shopsense.retrieval.registry import GENERATORS
from shopsense.text.encoder import Encoder, EncoderConfig
from shopsense.text.item_text import ItemTextRecipe, item_vectors

#: The sequential transformer as a generator of the fusion (`sequential=True`): sampled softmax
#: (the full softmax over the catalogue is most of an epoch's time), at most 30 epochs and a
#: short wait for a better one, so that it trains within minutes on a laptop's CPU (about 8 s an
#: epoch on Amazon Toys, 2 CPUs). Epochs, not seconds, bound it so that a fit is reproducible;
#: the time budget is only a safety net for very large shops. It is trained once per fit
#: (`refit=False`): the ranker's signals come from that model, and at scoring time it reads the
#: latest events. Not in the default: measured, it lifted the fusion's NDCG@10 by about 1% on
#: Amazon Beauty and Sports but lowered it on Toys (-1%) and Office (-7%) for 2-8x the fit time
#: (BENCHMARKS.md, section `rec-quality`).
SEQUENTIAL_GENERATOR = GeneratorSpec(
    model="sasrec",
    config={"negatives": 1024, "max_epochs": 30, "patience": 5, "max_fit_seconds": 1200.0},
    refit=False,
)


def _default_generators() -> list[GeneratorSpec]:
    return [
        GeneratorSpec(model="cooccurrence"),
        GeneratorSpec(model="cooccurrence", alias="last", history_window=1),
        GeneratorSpec(
            model="cooccurrence",
            alias="markov",
            config={"window": 1, "backward_weight": 0.0},
            history_window=1,
            depth=0,
        ),
        GeneratorSpec(model="content"),
        GeneratorSpec(model="bridge"),
        GeneratorSpec(model="itemknn"),
        GeneratorSpec(model="als"),
        GeneratorSpec(model="popularity"),
    ]


#: Generators that read nothing but item text, and the overrides that make text-aware ones ID-only.
_TEXT_ONLY = {"content", "bridge"}
_ID_ONLY: dict[str, dict[str, str]] = {"sasrec": {"item_representation": "id"}}


class FusionConfig(RetrieverConfig):
    """Generators, candidate depth, features and ranker of the fused recommender."""

    generators: list[GeneratorSpec] = Field(
        default_factory=_default_generators,
        description="Candidate generators, in cascade order (the first is the fallback order "
        "for items outside the candidate set).",
    )
    depth: int = Field(50, ge=1, description="Items each generator proposes per user.")
    features: FeatureConfig = Field(
        default_factory=FeatureConfig, description="Which features the ranker sees."
    )
    ranker: LambdaMARTConfig = Field(
        default_factory=LambdaMARTConfig, description="LightGBM LambdaRank."
    )
    encoder: EncoderConfig = Field(
        default_factory=EncoderConfig,
        description="Encoder of item text for text features, when no generator has item vectors.",
    )
    text_recipe: ItemTextRecipe = Field(
        default_factory=ItemTextRecipe, description="Item fields that make up the item text."
    )
    refit_with_validation: bool = Field(
        True,
        description="After the ranker is trained, refit the generators on the training data "
        "plus the validation cases' targets (items with no training interaction excepted, so "
        "cold items stay cold): what production training does with the latest events. Chosen "
        "on validation only: a nested split inside the training data gained NDCG@10 from it.",
    )
    new_item_slots: list[PositiveInt] = Field(
        default_factory=lambda: [9, 10],
        description="1-based positions reserved for items without training interactions: the "
        "j-th slot has at least j new items at or above it, the best-ranked new candidates "
        "moving up where the ranker put fewer there (`shopsense.ranking.new_items`). Empty: "
        "the ranker's order as it is.",
    )
    text: bool = Field(
        True,
        description="Use what the catalogue says about items. False is the ID-only ablation: "
        "generators that read only text are dropped, text-aware ones use item IDs alone, and "
        "no text, brand or category feature is built.",
    )
    sequential: bool = Field(
        False,
        description="Add the sequential transformer (`SEQUENTIAL_GENERATOR`) to the generators "
        "unless they have one (the `best-seq` preset). Off by default: measured, it cost fit "
        "time and lowered NDCG@10 on two of four Amazon categories.",
    )
    show_progress: bool = Field(False, description="Show progress while building examples.")

    @model_validator(mode="after")
    def _ablations(self) -> FusionConfig:
        models = {spec.model for spec in self.generators}
        if self.sequential and SEQUENTIAL_GENERATOR.model not in models:
            self.generators = [*self.generators, SEQUENTIAL_GENERATOR]
        if self.text:
            return self
        self.generators = [
            spec.model_copy(update={"config": {**spec.config, **_ID_ONLY[spec.model]}})
            if spec.model in _ID_ONLY
            else spec
            for spec in self.generators
            if spec.model not in _TEXT_ONLY
        ]
        self.features = self.features.model_copy(update={"text": False, "catalogue": False})
        return self


class FusionRetriever(Retriever, Composite):
    """Learned fusion of candidate generators (the product's recommended configuration)."""

    name = "best"
    learns_from_validation = True  # the ranker trains on them
    config_class = FusionConfig
    config: FusionConfig

    def __init__(self, config: FusionConfig | None = None, **overrides: object) -> None:
        super().__init__(config, **overrides)
        keys = [spec.key for spec in self.config.generators]
        if len(set(keys)) != len(keys):
            raise ValueError(f"generator aliases must be unique, got {keys}")
        self.generators: dict[str, Retriever] = {}
        self.features = FeatureBuilder(self.config.features, keys)
        self.ranker = LambdaMART(self.config.ranker)
        self.reviews: pl.DataFrame | None = None
        """Analysed reviews the review features read (None: the dataset's star ratings)."""

    def use_reviews(self, analyzed: pl.DataFrame) -> FusionRetriever:
        """Read the review features from analysed reviews (`shopsense.reviews.analysis.
        ANALYZED` columns: model sentiment, not only stars) when fitted; returns self."""
        self.reviews = analyzed
        return self

    # ---- fitting ---------------------------------------------------------------------------
    def _fit(self, dataset: Dataset, validation: EvalCases | None) -> None:
        if validation is None or len(validation) == 0:
            inner, cases = hold_out_last(dataset)
            self._fit_components(inner, cases)
            self._train_ranker(cases)
            self._fit_components(dataset, None, refit=True)
        else:
            self._fit_components(dataset, validation)
            self._train_ranker(validation)
            if self.config.refit_with_validation:
                self._fit_components(with_case_targets(dataset, validation), None, refit=True)

    def _fit_components(
        self, dataset: Dataset, validation: EvalCases | None, refit: bool = False
    ) -> None:
        """Fit the generators and the features on `dataset`; a refit keeps the generators
        whose spec says `refit=False`."""
        kept = self.generators if refit else {}
        self.generators = {}
        for spec in self.config.generators:
            name = model_key_name(spec)
            if name in kept and not spec.refit:
                self.generators[name] = kept[name]
            elif name not in self.generators:
                self.generators[name] = GENERATORS.create(spec.model, **spec.config).fit(
                    dataset, validation
                )
        self.features = FeatureBuilder(
            self.config.features,
            [spec.key for spec in self.config.generators],
            self._item_vectors(dataset),
        ).fit(dataset, self.reviews)

    def _item_vectors(self, dataset: Dataset) -> np.ndarray | None:
        if not self.config.features.text:
            return None
        for retriever in self.generators.values():
            if isinstance(retriever, ReadsText) and len(retriever.item_vectors) == dataset.n_items:
                return retriever.item_vectors
        encoder = Encoder(self.config.encoder, dataset.languages)
        self.config = self.config.model_copy(update={"encoder": encoder.config})
        return item_vectors(dataset, encoder, self.config.text_recipe)

    def _train_ranker(self, cases: EvalCases) -> None:
        examples = self.examples(cases)
        self.ranker = LambdaMART(self.config.ranker).fit(examples, self.features.names)

    def examples(self, cases: EvalCases) -> RankingExamples:
        """Ranking examples of `cases` whose target is among their candidates."""
        contexts = [UserContext(history=history) for history in cases.histories]
        features, labels, groups = [], [], []
        with Progress(disable=not self.config.show_progress, transient=True) as progress:
            task = progress.add_task("building ranking examples", total=len(contexts))
            for start in range(0, len(contexts), SCORE_CHUNK):
                users = contexts[start : start + SCORE_CHUNK]
                candidates = self.candidates(users)
                hit = candidates.items == cases.targets[start : start + len(users)][candidates.rows]
                keep = np.bincount(candidates.rows[hit], minlength=len(users)) > 0
                pairs = keep[candidates.rows]
                features.append(self.features.build(candidates, users)[pairs])
                labels.append(hit[pairs].astype(np.float32))
                groups.append(candidates.sizes[keep])
                progress.advance(task, len(users))
        return RankingExamples(
            np.concatenate(features), np.concatenate(labels), np.concatenate(groups)
        )

    # ---- scoring ---------------------------------------------------------------------------
    def candidates(
        self, users: Sequence[UserContext], dense: dict[str, np.ndarray] | None = None
    ) -> Candidates:
        """Candidate set and generator signals of a batch of users."""
        if dense is None:
            dense = score_generators(self.generators, self.config.generators, users)
        return generate_candidates(dense, self.config.generators, users, self.config.depth)

    def _score(self, users: Sequence[UserContext]) -> np.ndarray:
        return self.score_with_generators(users)[0]

    def score_with_generators(
        self, users: Sequence[UserContext]
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """`score(users)` and, per generator key, the dense generator scores it was built from
        (what an explanation reads), so a request computes them once."""
        self._check_fitted()
        dense = score_generators(self.generators, self.config.generators, users)
        # Below the candidates, every item in the order of the first generator with a signal.
        fallback = Cascade(len(self.config.generators), len(users), self.n_items)
        for layer, spec in enumerate(self.config.generators):
            fallback.add(layer, dense[spec.key])
            if fallback.complete():
                break  # every item has its layer: the later ones would change nothing
        scores = fallback.scores()
        has_history = np.array([len(u.history) > 0 for u in users], dtype=bool)
        if has_history.any():
            rows = np.flatnonzero(has_history)
            chosen = [users[r] for r in rows]
            candidates = self.candidates(chosen, {k: v[rows] for k, v in dense.items()})
            ranked = self.ranker.predict(self.features.build(candidates, chosen))
            if self.config.new_item_slots:
                is_new = self.features.item_table[candidates.items, 0] == 0
                ranked = reserve_slots(
                    ranked, is_new, candidates.bounds, self.config.new_item_slots
                )
            # Candidates above every other item: the fallback's scores lie in [0, 1).
            scores[rows[candidates.rows], candidates.items] = 2.0 + _sigmoid(ranked)
        return scores, dense

    def score_with_evidence(
        self, users: Sequence[UserContext]
    ) -> tuple[np.ndarray, list[Evidence]]:
        """Scores and, per user, the generator scores its explanation reads."""
        scores, dense = self.score_with_generators(users)
        return scores, [
            {key: rows[i : i + 1] for key, rows in dense.items()} for i in range(len(users))
        ]

    def explain(
        self, user: UserContext, items: np.ndarray | Sequence[int], evidence: Evidence | None = None
    ) -> list[Explanation]:
        """Which generators proposed each item and the history item that drove it
        (`shopsense.ranking.explain.explain_fused`); `evidence`: the user's generator scores."""
        self._check_fitted()
        if evidence is not None and not isinstance(evidence, dict):
            raise TypeError("a fusion's evidence is its generator scores by key")
        return explain_fused(
            self.generators,
            self.config.generators,
            self.config.depth,
            self.features.item_vectors,
            user,
            items,
            evidence,
        )

    def components(self) -> dict[str, Retriever]:
        """The fitted generators, by model key."""
        return dict(self.generators)

    # ---- persistence -----------------------------------------------------------------------
    def _save_state(self, path: Path) -> None:
        names = list(self.generators)
        for position, name in enumerate(names):
            self.generators[name].save(path / "generators" / str(position))
        (path / "ranker.txt").write_text(self.ranker.to_text())
        np.savez(path / "features.npz", tie_breaker=self._tie_breaker, **self.features.state())
        (path / "fusion.json").write_text(
            json.dumps({"n_items": self.n_items, "generators": names}, indent=2)
        )

    def _load_state(self, path: Path) -> None:
        meta = json.loads((path / "fusion.json").read_text())
        self.n_items = int(meta["n_items"])
        self.generators = {
            name: Retriever.load(path / "generators" / str(position))
            for position, name in enumerate(meta["generators"])
        }
        with np.load(path / "features.npz") as state:
            arrays = {key: state[key] for key in state.files}
        self._tie_breaker = arrays.pop("tie_breaker")
        arrays["item_vectors"] = self._shared_vectors(arrays["item_vectors"])
        keys = [spec.key for spec in self.config.generators]
        self.features = FeatureBuilder(self.config.features, keys).restore(arrays)
        self.ranker = LambdaMART.from_text((path / "ranker.txt").read_text(), self.config.ranker)

    def _shared_vectors(self, vectors: np.ndarray) -> np.ndarray:
        """`vectors`, or the equal item vectors a text generator holds: the features read the
        generator's own array after loading, as after fitting (one copy in memory, not two)."""
        for retriever in self.generators.values():
            if isinstance(retriever, ReadsText) and np.array_equal(retriever.item_vectors, vectors):
                return retriever.item_vectors
        return vectors


def hold_out_last(dataset: Dataset) -> tuple[Dataset, EvalCases]:
    """Each user's last distinct item (users with at least 3) as a case, and the dataset
    without any event on those (user, item) pairs — the leave-one-out validation split."""
    users, histories, targets = [], [], []
    for user, sequence in enumerate(dataset.sequences):
        distinct = first_occurrences(sequence)
        if len(distinct) < 3:
            continue
        users.append(user)
        histories.append(distinct[:-1].astype(np.int64))
        targets.append(int(distinct[-1]))
    held = pl.DataFrame(
        {"user": users, "item": targets}, schema={"user": pl.Int64, "item": pl.Int64}
    )
    remaining = dataset.events.join(held, on=["user", "item"], how="anti", maintain_order="left")
    cases = EvalCases(
        users=np.asarray(users, dtype=np.int64),
        histories=histories,
        targets=np.asarray(targets, dtype=np.int64),
    )
    return dataset.with_interactions(remaining.select(dataset.interactions.columns)), cases


def with_case_targets(dataset: Dataset, cases: EvalCases) -> Dataset:
    """`dataset` plus one interaction per case (user, target), after the user's other events,
    for pairs it does not already hold and items it has interactions with."""
    warm = dataset.item_popularity > 0
    users = dataset.user_ids[cases.users]
    items = dataset.item_ids[cases.targets]
    keep = warm[cases.targets]
    added = pl.DataFrame(
        {"user_id": users[keep].tolist(), "item_id": items[keep].tolist()},
        schema={"user_id": pl.Utf8, "item_id": pl.Utf8},
    ).join(dataset.interactions.select("user_id", "item_id"), on=["user_id", "item_id"], how="anti")
    kinds = dataset.interactions["kind"]
    kind = kinds.mode().sort()[0] if kinds.len() else "purchase"
    added = added.with_columns(pl.lit(kind).alias("kind"), pl.lit(1.0).alias("value"))
    combined = pl.concat([dataset.interactions, added], how="diagonal_relaxed")
    return dataset.with_interactions(combined)


def _sigmoid(values: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(values, -50.0, 50.0)))
