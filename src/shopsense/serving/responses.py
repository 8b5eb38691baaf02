"""Turning what the recommender and the catalogue hold into response bodies."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from fastapi import HTTPException, status

from shopsense.ranking.cascade import Recommender, Scored
from shopsense.serving.runtime import Served
from shopsense.serving.schemas import (
    Recommendation,
    RecommendationList,
    SearchList,
    UnderstoodQuery,
)

if TYPE_CHECKING:
    # Imported only for typing: search pulls in heavy libraries a bundle may not need.
    from shopsense.search.searcher import SearchResults


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


def search_list(served: Served, results: SearchResults) -> SearchList:
    """Search hits as a response: the signals that matched become sources and a reason (in the
    shop's language), with the query as search understood it."""
    language = served.bundle.catalogue.language
    return SearchList(
        bundle=served.bundle.version,
        query=UnderstoodQuery.model_validate(results.query.model_dump()),
        items=[
            Recommendation(
                item=hit.item_id,
                title=hit.title,
                score=hit.score,
                sources=hit.signals.sources(),
                reason=hit.signals.reason(language),
            )
            for hit in results.hits
        ],
    )


def item_index(recommender: Recommender, item_id: str) -> int:
    """The catalogue index of `item_id`, or 404."""
    index = recommender.item_index.get(item_id)
    if index is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="unknown item")
    return index


def moment(seconds: float) -> datetime | None:
    """Seconds since the epoch as a UTC datetime (None where unknown)."""
    return None if seconds != seconds else datetime.fromtimestamp(seconds, UTC)
