"""Staff views of the review stream: `GET /v1/insights/alerts` and `GET /v1/insights/trends`."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from shopsense.serving.deps import ADMIN_ERRORS, RuntimeDep, require_admin
from shopsense.serving.review_schemas import (
    AlertList,
    AlertOut,
    AspectShareOut,
    TrendOut,
    TrendPointOut,
)
from shopsense.serving.schemas import MAX_ID_LENGTH, UtcMoment

router = APIRouter(
    prefix="/v1/insights",
    tags=["insights"],
    dependencies=[Depends(require_admin)],
    responses=ADMIN_ERRORS,
)
Scope = Literal["item", "brand", "category"]


@router.get("/alerts")
async def list_alerts(
    runtime: RuntimeDep,
    since: Annotated[
        UtcMoment | None,
        Query(description="Only alerts raised at or after this moment (no zone: UTC)."),
    ] = None,
    scope: Annotated[Scope | None, Query(description="Only alerts of this scope.")] = None,
    limit: Annotated[int, Query(ge=1, le=1000, description="Most alerts returned.")] = 100,
) -> AlertList:
    """Products, brands and categories whose reviews turned (negative share or complaint volume
    jumped), newest first, each with its reason and the reviews behind it. An admin key."""
    alerts = runtime.reviews.monitor.alerts(since=since)
    chosen = [alert for alert in alerts if scope is None or alert.scope == scope]
    chosen.sort(key=lambda alert: alert.raised_at, reverse=True)
    return AlertList(
        alerts=[
            AlertOut(
                id=a.id,
                scope=a.scope,
                key=a.key,
                kind=a.kind,
                raised_at=a.raised_at,
                value=a.value,
                baseline=a.baseline,
                reason=a.reason,
                reviews=list(a.reviews),
            )
            for a in chosen[:limit]
        ]
    )


@router.get("/trends")
async def trend(
    runtime: RuntimeDep,
    scope: Annotated[Scope, Query(description="item, brand or category.")],
    key: Annotated[
        str,
        Query(
            min_length=1, max_length=MAX_ID_LENGTH, description="The item id, brand or category."
        ),
    ],
    bucket: Annotated[
        Literal["day", "week", "month"], Query(description="The period of each point.")
    ] = "week",
) -> TrendOut:
    """Review volume, negative share and aspect shares per period for one product, brand or
    category (an unknown one has no points). An admin key."""
    points = runtime.reviews.monitor.trend(scope, key, bucket)
    return TrendOut(
        scope=scope,
        key=key,
        bucket=bucket,
        points=[
            TrendPointOut(
                start=p.start,
                reviews=p.reviews,
                negative_share=p.negative_share,
                aspects=[
                    AspectShareOut(aspect=a.aspect, share=a.share, negative_share=a.negative_share)
                    for a in p.aspects
                ],
            )
            for p in points
        ],
    )
