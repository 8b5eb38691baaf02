"""Turning what the recommender and the catalogue hold into response bodies."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from fastapi import HTTPException, status

from shopsense.serving.recommender import Recommender, Scored
from shopsense.serving.runtime import Served
from shopsense.serving.schemas import ItemOut, Recommendation, RecommendationList

if TYPE_CHECKING:
    # Imported only for typing: search pulls in heavy libraries a bundle may not need.
    from shopsense.retrieval.search.searcher import SearchResults


def recommendation_list(served: Served, picks: Sequence[Scored]) -> RecommendationList:
    """The picks as a response, with product ids and titles."""
    recommender = served.recommender
    return RecommendationList(
        bundle=served.bundle.version,
        items=[
            Recommendation(
                item=recommender.item_ids[pick.item],
                title=recommender.titles[pick.item],
                score=pick.score,
                sources=list(pick.sources),
                reason=pick.reason,
                because=None if pick.because is None else recommender.item_ids[pick.because],
            )
            for pick in picks
        ],
    )


def search_list(served: Served, results: SearchResults) -> RecommendationList:
    """Search hits as a response: the signals that matched become sources and a reason."""
    return RecommendationList(
        bundle=served.bundle.version,
        items=[
            Recommendation(
                item=hit.item_id,
                title=hit.title,
                score=hit.score,
                sources=_search_sources(hit.signals),
                reason=_search_reason(hit.signals),
            )
            for hit in results.hits
        ],
    )


# Search signals that are scores rather than understood constraints ("colour": "black").
_SCORE_SIGNALS = frozenset(
    {"lexical_rank", "lexical_score", "dense_rank", "dense_cosine", "personal_affinity", "spelling"}
)


def _search_sources(signals: dict[str, int | float | str]) -> list[str]:
    sources = [
        name
        for name, key in (("lexical", "lexical_rank"), ("dense", "dense_rank"))
        if key in signals
    ]
    if float(signals.get("personal_affinity", 0.0)) > 0:
        sources.append("personal")
    return sources or ["dense"]


def _search_reason(signals: dict[str, int | float | str]) -> str:
    reason = (
        "matches the words of your search"
        if "lexical_rank" in signals
        else "close in meaning to your search"
    )
    met = [f"{name} {value}" for name, value in signals.items() if name not in _SCORE_SIGNALS]
    if met:
        reason += " (" + ", ".join(met) + ")"
    if float(signals.get("personal_affinity", 0.0)) > 0:
        reason += ", and fits your interests"
    return reason


def item_index(recommender: Recommender, item_id: str) -> int:
    """The catalogue index of `item_id`, or 404."""
    index = recommender.item_index.get(item_id)
    if index is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="unknown item")
    return index


def item_out(served: Served, index: int) -> ItemOut:
    """One catalogue row as a response."""
    row = served.bundle.items.row(index, named=True)
    return ItemOut(
        item=row["item_id"],
        title=row["title"] or "",
        description=row["description"] or "",
        brand=row["brand"],
        categories=row["categories"] or [],
        price=row["price"],
        attributes=json.loads(row["attributes"] or "{}"),
        created_at=row["created_at"],
    )


def moment(seconds: float) -> datetime | None:
    """Seconds since the epoch as a UTC datetime (None where unknown)."""
    return None if seconds != seconds else datetime.fromtimestamp(seconds, UTC)
