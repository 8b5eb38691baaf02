"""`GET /healthz` (no key: for load balancers) and `GET /metrics` (Prometheus; admin keys)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response
from prometheus_client import CONTENT_TYPE_LATEST

from shopsense.serving.deps import ADMIN_ERRORS, RuntimeDep, require_admin
from shopsense.serving.schemas import Health

router = APIRouter(tags=["operations"])


@router.get("/healthz")
async def health(runtime: RuntimeDep) -> Health:
    """Liveness, and the bundle being served. `degraded` (still 200: reads are served) while
    the store cannot be written; it turns `ok` again by itself once a write or a probe
    succeeds."""
    served = runtime.served
    writable = await runtime.writer.probe()
    return Health(
        status="ok" if writable else "degraded",
        store="ok" if writable else "failing",
        bundle=served.bundle.version,
        items=served.recommender.n_items,
        users=len(runtime.users.events),
    )


@router.get(
    "/metrics",
    dependencies=[Depends(require_admin)],
    response_class=Response,
    responses={
        **ADMIN_ERRORS,
        200: {"content": {CONTENT_TYPE_LATEST: {}}, "description": "Prometheus text."},
    },
)
async def metrics(runtime: RuntimeDep) -> Response:
    """Request counts and latencies by route, events, shoppers and the bundle version."""
    return Response(runtime.metrics.render(), media_type=CONTENT_TYPE_LATEST)
