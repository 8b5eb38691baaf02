"""`GET /healthz` (no key: for load balancers) and `GET /metrics` (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST

from shopsense.serving.deps import READ_ERRORS, RuntimeDep, require_read
from shopsense.serving.schemas import Health

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def health(runtime: RuntimeDep) -> Health:
    """Liveness, and the bundle being served."""
    served = runtime.served
    return Health(
        status="ok",
        bundle=served.bundle.version,
        items=served.recommender.n_items,
        users=len(runtime.users.events),
    )


@router.get(
    "/metrics",
    dependencies=[Depends(require_read)],
    response_class=Response,
    responses={
        **READ_ERRORS,
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text."},
    },
)
async def metrics(runtime: RuntimeDep) -> Response:
    """Request counts and latencies by route, events, shoppers and the bundle version."""
    return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)
