"""What a product's reviews say, per catalogue item, for search and recommendations.

`ItemReviewSignals` holds, aligned to a list of item ids: how many reviews each item has, its
mean star rating, the share of its reviews that are positive, both shrunk toward the shop's
mean (a Bayesian average with `SignalConfig.prior_reviews` pseudo-reviews at the shop's mean,
so one 5-star review does not outrank two hundred at 4.8), a sentiment score per aspect its
reviews talk about, and the words of the aspects they praise (what search matches queries
against: "quiet" for a grinder whose reviews praise its quiet running).

It is built from a table of analysed reviews (`from_analyzed`, `shopsense.reviews.analysis.
ANALYZED` columns) or, where no review was analysed, from star ratings alone (`from_ratings`:
4-5 stars positive, no aspects). `ReviewFloor` is the minimum a shopper or a business rule
asks of a product's reviews. Saved as NumPy arrays and JSON, never pickles.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from shopsense.data.errors import DataError
from shopsense.reviews.corpora import NEGATIVE, POSITIVE

#: The star scale of ratings (what `ReviewFloor.min_rating` is read on).
LOWEST_STARS, HIGHEST_STARS = 1.0, 5.0
#: Stars from which a rated review counts as positive when no model read it.
POSITIVE_STARS = 4.0
#: Files `ItemReviewSignals.save` writes.
_ARRAYS, _META = "review_signals.npz", "review_signals.json"


class SignalConfig(BaseModel):
    """How per-review readings become per-item signals."""

    model_config = ConfigDict(extra="forbid")

    prior_reviews: float = Field(
        10.0,
        gt=0,
        description="Pseudo-reviews at the shop's mean added to every item's rating and "
        "positive share (Bayesian average): an item needs about this many reviews before its "
        "own average outweighs the shop's.",
    )


class ReviewFloor(BaseModel):
    """The least a product's reviews must show for it to be returned (None: no floor).

    Floors read what a shopper sees: the mean star rating and the share of positive reviews,
    not the shrunk values. A product with no reviews has neither: it is kept unless
    `require_reviews` (a new product is not a bad one; "4 stars & up" pages set it)."""

    model_config = ConfigDict(extra="forbid")

    min_rating: float | None = Field(
        None,
        ge=LOWEST_STARS,
        le=HIGHEST_STARS,
        description="Lowest mean star rating (1-5) of a returned product with rated reviews.",
    )
    min_positive: float | None = Field(
        None,
        ge=0,
        le=1,
        description="Lowest share (0-1) of positive reviews of a returned reviewed product.",
    )
    require_reviews: bool = Field(
        False, description="Leave out products without reviews (without ratings, for min_rating)."
    )

    def is_empty(self) -> bool:
        """Whether the floor keeps every product."""
        return self.min_rating is None and self.min_positive is None and not self.require_reviews


@dataclass(frozen=True, eq=False)
class ItemReviewSignals:
    """Review signals per item, row `i` for `item_ids[i]`."""

    item_ids: list[str]
    reviews: np.ndarray
    """Reviews per item (int64)."""
    rated: np.ndarray
    """Reviews with a star rating per item (int64)."""
    mean_rating: np.ndarray
    """Mean star rating (NaN without rated reviews)."""
    positive_share: np.ndarray
    """Mean probability that a review is positive (NaN without reviews)."""
    shrunk_rating: np.ndarray
    """Bayesian average rating: the shop's mean for an item without rated reviews."""
    shrunk_positive: np.ndarray
    """Bayesian average positive share: the shop's share for an item without reviews."""
    aspects: list[str]
    """Aspect names (columns of the aspect arrays)."""
    aspect_rows: np.ndarray
    """Per (item, aspect) pair mentioned: the item's row..."""
    aspect_ids: np.ndarray
    """...the aspect's index in `aspects`..."""
    aspect_scores: np.ndarray
    """...its mean signed sentiment in [-1, 1] (+score praised, -score criticised, 0 neutral)..."""
    aspect_mentions: np.ndarray
    """...and how many mentions it has (pairs sorted by row, then aspect)."""
    praised: list[list[str]]
    """Per item, the terms its reviews praise, of aspects praised more than criticised, most
    often praised first."""
    shop_rating: float
    """Mean star rating over every rated review (NaN without any): what ratings shrink to."""
    shop_positive: float
    """Mean positive probability over every review (NaN without any)."""
    config: SignalConfig

    # ---- building ----------------------------------------------------------------------------
    @classmethod
    def from_analyzed(
        cls, frame: pl.DataFrame, item_ids: Sequence[str], config: SignalConfig | None = None
    ) -> ItemReviewSignals:
        """Signals of the items `item_ids` from analysed reviews (`item_id`, `rating`,
        `positive` and `aspects` columns of `ANALYZED`); reviews of other items are ignored."""
        _require(frame, ("item_id", "rating", "positive", "aspects"))
        positive = frame["positive"].cast(pl.Float64)
        outside = positive.is_not_null() & ((positive < 0) | (positive > 1))
        if outside.any():
            raise DataError("must be a probability in [0, 1]", field="positive")
        return cls._build(frame, positive, item_ids, config or SignalConfig())

    @classmethod
    def from_ratings(
        cls, reviews: pl.DataFrame, item_ids: Sequence[str], config: SignalConfig | None = None
    ) -> ItemReviewSignals:
        """Signals from star ratings alone (`item_id`, `rating`; `schema.REVIEWS`): a rated
        review is positive from `POSITIVE_STARS` up; unrated ones count only as reviews."""
        _require(reviews, ("item_id", "rating"))
        rating = reviews["rating"].cast(pl.Float64)
        positive = (rating >= POSITIVE_STARS).cast(pl.Float64)
        frame = reviews.select("item_id", "rating").with_columns(
            pl.lit(None, dtype=pl.List(pl.Struct({"term": pl.Utf8()}))).alias("aspects")
        )
        return cls._build(frame, positive, item_ids, config or SignalConfig())

    @classmethod
    def empty(
        cls, item_ids: Sequence[str], config: SignalConfig | None = None
    ) -> ItemReviewSignals:
        """Signals of items none of which has a review."""
        return cls.from_ratings(
            pl.DataFrame(schema={"item_id": pl.Utf8, "rating": pl.Float64}), item_ids, config
        )

    @classmethod
    def _build(
        cls,
        frame: pl.DataFrame,
        positive: pl.Series,
        item_ids: Sequence[str],
        config: SignalConfig,
    ) -> ItemReviewSignals:
        ids = list(item_ids)
        if len(set(ids)) != len(ids):
            raise DataError("item ids must be distinct", field="item_id")
        rating = frame["rating"].cast(pl.Float64)
        if ((rating < LOWEST_STARS) | (rating > HIGHEST_STARS)).any():
            raise DataError(
                f"star ratings must lie in [{LOWEST_STARS:g}, {HIGHEST_STARS:g}]", field="rating"
            )
        row_of = {item: row for row, item in enumerate(ids)}
        rows = np.array([row_of.get(item, -1) for item in frame["item_id"].to_list()], np.int64)
        known = rows >= 0
        n = len(ids)
        stars = rating.to_numpy().astype(np.float64)[known]
        chance = positive.to_numpy().astype(np.float64)[known]
        rows_known = rows[known]
        counts = np.bincount(rows_known, minlength=n)
        rated_mask = np.isfinite(stars)
        read_mask = np.isfinite(chance)
        rated = np.bincount(rows_known[rated_mask], minlength=n)
        star_sum = np.bincount(rows_known[rated_mask], stars[rated_mask], minlength=n)
        read = np.bincount(rows_known[read_mask], minlength=n)
        positive_sum = np.bincount(rows_known[read_mask], chance[read_mask], minlength=n)
        prior = config.prior_reviews
        shop_rating = _ratio(star_sum.sum(keepdims=True), rated.sum(keepdims=True))[0]
        shop_positive = _ratio(positive_sum.sum(keepdims=True), read.sum(keepdims=True))[0]
        aspects = _aspect_table(frame.filter(pl.Series(known)), rows_known)
        return cls(
            item_ids=ids,
            reviews=counts.astype(np.int64),
            rated=rated.astype(np.int64),
            mean_rating=_ratio(star_sum, rated),
            positive_share=_ratio(positive_sum, read),
            shrunk_rating=(prior * shop_rating + star_sum) / (prior + rated),
            shrunk_positive=(prior * shop_positive + positive_sum) / (prior + read),
            praised=_praised_words(aspects, n),
            shop_rating=float(shop_rating),
            shop_positive=float(shop_positive),
            config=config,
            **_aspect_arrays(aspects),
        )

    # ---- reading -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.item_ids)

    @property
    def has_reviews(self) -> bool:
        """Whether any item has a review."""
        return bool(self.reviews.sum())

    def passes(self, floor: ReviewFloor | None) -> np.ndarray:
        """Per row, whether the item meets `floor` (see `ReviewFloor` for unreviewed items)."""
        kept = np.ones(len(self), dtype=bool)
        if floor is None or floor.is_empty():
            return kept
        unknown_kept = not floor.require_reviews
        if floor.require_reviews:
            kept &= self.reviews > 0
        if floor.min_rating is not None:
            rating = np.nan_to_num(self.mean_rating, nan=-np.inf)
            kept &= np.where(self.rated > 0, rating >= floor.min_rating, unknown_kept)
        if floor.min_positive is not None:
            share = np.nan_to_num(self.positive_share, nan=-np.inf)
            known = ~np.isnan(self.positive_share)
            kept &= np.where(known, share >= floor.min_positive, unknown_kept)
        return kept

    def aspect_scores_of(self, item_id: str) -> dict[str, float]:
        """The item's mean signed sentiment per aspect its reviews mention."""
        row = self.item_ids.index(item_id)
        start, end = np.searchsorted(self.aspect_rows, [row, row + 1])
        return {
            self.aspects[int(aspect)]: float(score)
            for aspect, score in zip(
                self.aspect_ids[start:end], self.aspect_scores[start:end], strict=True
            )
        }

    def aligned(self, item_ids: Sequence[str]) -> ItemReviewSignals:
        """The same signals over another list of items (an item not held here has none)."""
        ids = list(item_ids)
        if ids == self.item_ids:
            return self
        row_of = {item: row for row, item in enumerate(self.item_ids)}
        source = np.array([row_of.get(item, -1) for item in ids], dtype=np.int64)
        held = source >= 0
        target_of = np.full(len(self) + 1, -1, dtype=np.int64)
        target_of[source[held]] = np.flatnonzero(held)
        moved = target_of[self.aspect_rows]
        keep = moved >= 0
        order = np.lexsort((self.aspect_ids[keep], moved[keep]))

        def pick(values: np.ndarray, missing: float) -> np.ndarray:
            out = np.full(len(ids), missing, dtype=values.dtype)
            out[held] = values[source[held]]
            return out

        return ItemReviewSignals(
            item_ids=ids,
            reviews=pick(self.reviews, 0),
            rated=pick(self.rated, 0),
            mean_rating=pick(self.mean_rating, np.nan),
            positive_share=pick(self.positive_share, np.nan),
            shrunk_rating=pick(self.shrunk_rating, self.shop_rating),
            shrunk_positive=pick(self.shrunk_positive, self.shop_positive),
            aspects=self.aspects,
            aspect_rows=moved[keep][order],
            aspect_ids=self.aspect_ids[keep][order],
            aspect_scores=self.aspect_scores[keep][order],
            aspect_mentions=self.aspect_mentions[keep][order],
            praised=[self.praised[row] if row >= 0 else [] for row in source.tolist()],
            shop_rating=self.shop_rating,
            shop_positive=self.shop_positive,
            config=self.config,
        )

    # ---- persistence -------------------------------------------------------------------------
    def save(self, directory: str | Path) -> Path:
        """Write the signals to `directory` as one `.npz` of arrays and one JSON file."""
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        np.savez(
            directory / _ARRAYS,
            allow_pickle=False,
            reviews=self.reviews,
            rated=self.rated,
            mean_rating=self.mean_rating,
            positive_share=self.positive_share,
            shrunk_rating=self.shrunk_rating,
            shrunk_positive=self.shrunk_positive,
            aspect_rows=self.aspect_rows,
            aspect_ids=self.aspect_ids,
            aspect_scores=self.aspect_scores,
            aspect_mentions=self.aspect_mentions,
        )
        meta = {
            "config": self.config.model_dump(mode="json"),
            "item_ids": self.item_ids,
            "aspects": self.aspects,
            "praised": self.praised,
            # NaN (a shop without reviews) is not JSON: saved as null.
            "shop_rating": None if np.isnan(self.shop_rating) else self.shop_rating,
            "shop_positive": None if np.isnan(self.shop_positive) else self.shop_positive,
        }
        (directory / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> ItemReviewSignals:
        """Read signals written by `save`."""
        directory = Path(directory)
        meta = json.loads((directory / _META).read_text(encoding="utf-8"))
        with np.load(directory / _ARRAYS, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
        return cls(
            item_ids=list(meta["item_ids"]),
            aspects=list(meta["aspects"]),
            praised=[list(terms) for terms in meta["praised"]],
            shop_rating=np.nan if meta["shop_rating"] is None else float(meta["shop_rating"]),
            shop_positive=np.nan if meta["shop_positive"] is None else float(meta["shop_positive"]),
            config=SignalConfig.model_validate(meta["config"]),
            **arrays,
        )

    @staticmethod
    def saved_in(directory: str | Path) -> bool:
        """Whether `directory` holds signals written by `save`."""
        return (Path(directory) / _META).is_file()


def _require(frame: pl.DataFrame, columns: Sequence[str]) -> None:
    for column in columns:
        if column not in frame.columns:
            raise DataError("missing column in the reviews table", field=column)


def _ratio(total: np.ndarray, count: np.ndarray) -> np.ndarray:
    out = np.full(len(count), np.nan)
    has = count > 0
    out[has] = total[has] / count[has]
    return out


def _aspect_table(frame: pl.DataFrame, rows: np.ndarray) -> pl.DataFrame:
    """One row per aspect mention of the known reviews: row, term, aspect, signed score."""
    empty = pl.DataFrame(
        schema={"row": pl.Int64, "term": pl.Utf8, "aspect": pl.Utf8, "signed": pl.Float64}
    )
    if frame.height == 0 or not frame["aspects"].list.len().fill_null(0).sum():
        return empty
    mentions = (
        frame.select(pl.Series("row", rows), "aspects")
        .explode("aspects")
        .drop_nulls("aspects")
        .unnest("aspects")
    )
    for column in ("term", "aspect", "sentiment", "score"):
        if column not in mentions.columns:
            raise DataError(f"aspect mentions lack '{column}'", field="aspects")
    sign = (
        pl.when(pl.col("sentiment") == POSITIVE)
        .then(1.0)
        .when(pl.col("sentiment") == NEGATIVE)
        .then(-1.0)
        .otherwise(0.0)
    )
    return mentions.select(
        "row",
        pl.col("term").str.strip_chars().str.to_lowercase(),
        pl.col("aspect"),
        (sign * pl.col("score").cast(pl.Float64)).alias("signed"),
    ).drop_nulls(["aspect", "signed"])


def _aspect_arrays(mentions: pl.DataFrame) -> dict[str, object]:
    """The sparse (item, aspect) arrays of `ItemReviewSignals` from the mention table."""
    names = sorted(set(mentions["aspect"].to_list()))
    code = {name: i for i, name in enumerate(names)}
    pairs = (
        mentions.group_by("row", "aspect")
        .agg(pl.col("signed").mean().alias("score"), pl.len().alias("mentions"))
        .with_columns(pl.col("aspect").replace_strict(code, return_dtype=pl.Int64).alias("id"))
        .sort("row", "id")
    )
    return {
        "aspects": names,
        "aspect_rows": pairs["row"].to_numpy().astype(np.int64),
        "aspect_ids": pairs["id"].to_numpy().astype(np.int64),
        "aspect_scores": pairs["score"].to_numpy().astype(np.float64),
        "aspect_mentions": pairs["mentions"].to_numpy().astype(np.int64),
    }


def _praised_words(mentions: pl.DataFrame, n_items: int) -> list[list[str]]:
    """Per item, the terms its reviews praise, of aspects praised more than criticised, most
    often praised first."""
    praised: list[list[str]] = [[] for _ in range(n_items)]
    if mentions.height == 0:
        return praised
    net = mentions.group_by("row", "aspect").agg(pl.col("signed").sum().alias("net"))
    terms = (
        mentions.filter((pl.col("signed") > 0) & (pl.col("term").str.len_chars() > 0))
        .join(net.filter(pl.col("net") > 0), on=["row", "aspect"])
        .group_by("row", "term")
        .agg(pl.len().alias("times"))
        .sort(["row", "times", "term"], descending=[False, True, False])
        .group_by("row", maintain_order=True)
        .agg(pl.col("term"))
    )
    for row, words in terms.iter_rows():
        praised[row] = list(words)
    return praised
