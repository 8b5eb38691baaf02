"""The staff console at `/console`: sign-in with an admin key, live metrics, the evaluation
report, review trends and alerts, campaigns, bundle versions with a hot swap, and an audited
shopper lookup.

Pages read what the REST API reads, through its route functions and the runtime's public
methods; charts are rendered off the event loop (`shopsense.web.charts`). Every page but the
sign-in form redirects (303) to it when no staff member is signed in.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from shopsense.bundle.versions import set_current
from shopsense.reviews.signals import ReviewFloor
from shopsense.serving.routers.health import health
from shopsense.serving.routers.insights import list_alerts, trend
from shopsense.serving.routers.recommendations import recommend
from shopsense.serving.routers.users import get_user
from shopsense.serving.runtime import BundleLoadError, Runtime
from shopsense.web import console_data as data
from shopsense.web.charts import Chart, bar_chart, interval_chart, line_chart
from shopsense.web.console_words import console_words
from shopsense.web.metrics_history import MetricsHistory, Sample
from shopsense.web.pages import language_of, runtime_of, site_of
from shopsense.web.sessions import STAFF_COOKIE, forget
from shopsense.web.staff import (
    address_of,
    admin_key_id,
    check_form_token,
    form_token,
    still_admin,
)

router = APIRouter(prefix="/console", include_in_schema=False)
LOGIN = "/console/login"
#: Samples listed under the live charts.
LATEST = 12


async def signed_in(request: Request) -> str:
    """The signed-in staff member's key id; a redirect to the sign-in form otherwise."""
    staff = site_of(request).sessions.staff(request)
    if staff is None or not still_admin(runtime_of(request), staff):
        raise HTTPException(status.HTTP_303_SEE_OTHER, headers={"Location": LOGIN})
    return staff


Staff = Annotated[str, Depends(signed_in)]
FormToken = Annotated[str, Form(alias="form_token")]


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A console template with the console's words and the form token; never cached."""
    response = site_of(request).render(
        request,
        f"console/{template}",
        status_code,
        c=console_words(language_of(request)),
        form_token=form_token(request),
        **context,
    )
    response.headers["cache-control"] = "no-store"
    return response


async def charts(*numbers: data.Numbers) -> list[Chart | None]:
    """Bar charts of `numbers`, rendered on a worker thread."""
    return await asyncio.to_thread(
        lambda: [bar_chart(n.title, n.groups, n.series, "") for n in numbers]
    )


# ---- signing in --------------------------------------------------------------------------
@router.get("/login")
async def login_form(request: Request) -> HTMLResponse:
    return page(request, "login.html", signed_in=False)


@router.post("/login", response_model=None)
async def login(request: Request, key: Annotated[str, Form()]) -> HTMLResponse | RedirectResponse:
    """An admin key signs the browser in; anything else is the form again (401, counted)."""
    runtime, address = runtime_of(request), address_of(request)
    if runtime.failed_auth.retry_after(address):
        return page(request, "login.html", 429, error="too_many", signed_in=False)
    staff = admin_key_id(runtime, key, address)
    if staff is None:
        return page(request, "login.html", 401, error="wrong_key", signed_in=False)
    response = RedirectResponse("/console", status.HTTP_303_SEE_OTHER)
    site_of(request).sessions.remember_staff(request, response, staff)
    return response


@router.post("/logout")
async def logout() -> RedirectResponse:
    response = RedirectResponse(LOGIN, status.HTTP_303_SEE_OTHER)
    forget(response, STAFF_COOKIE)
    return response


# ---- overview and live metrics -----------------------------------------------------------
@router.get("")
async def overview(request: Request, staff: Staff) -> HTMLResponse:
    runtime = runtime_of(request)
    return page(
        request,
        "overview.html",
        health=await health(runtime),
        placement=runtime.placement is not None,
        **await _metrics(request),
    )


@router.get("/metrics")
async def metrics(request: Request, staff: Staff) -> HTMLResponse:
    """The live metrics part of the overview (refreshed by htmx every five seconds)."""
    return page(request, "metrics.html", **await _metrics(request))


async def _metrics(request: Request) -> dict[str, Any]:
    history: MetricsHistory = request.app.state.metrics_history
    samples = list(history.samples)
    return {
        "samples": samples[-LATEST:][::-1],
        "live_charts": await asyncio.to_thread(
            _metric_charts, samples, console_words(language_of(request))
        ),
    }


def _metric_charts(samples: list[Sample], c: dict[str, str]) -> list[Chart | None]:
    at = [s.at for s in samples]
    latency = {f"p{round(q * 100)}": [s.latency_ms[q] for s in samples] for q in (0.5, 0.95, 0.99)}
    return [
        line_chart(c["requests_per_s"], at, {c["requests_per_s"]: [s.rate for s in samples]}, ""),
        line_chart(c["latency"], at, latency, "ms"),
        line_chart(
            c["lists_by_path"],
            at,
            {
                c["precomputed"]: [s.precomputed for s in samples],
                c["live"]: [s.live for s in samples],
            },
            "",
        ),
        line_chart(c["errors"], at, {c["errors"]: [s.errors for s in samples]}, ""),
    ]


# ---- evaluation ----------------------------------------------------------------------------
@router.get("/evaluation")
async def evaluation(request: Request, staff: Staff) -> HTMLResponse:
    manifests = await asyncio.to_thread(data.versions, runtime_of(request).config.bundle)
    report = data.latest_evaluation(manifests)
    figures = [] if report is None else [report.models, report.cold, report.search]
    return page(
        request,
        "evaluation.html",
        report=report,
        figures=list(zip(figures, await charts(*figures), strict=True)),
    )


# ---- reviews -------------------------------------------------------------------------------
@router.get("/reviews")
async def reviews(
    request: Request,
    staff: Staff,
    scope: Literal["category", "brand", "item"] = "category",
    key: str = "",
    bucket: Literal["day", "week", "month"] = "week",
) -> HTMLResponse:
    runtime = runtime_of(request)
    monitor = runtime.reviews.monitor
    keys = monitor.keys("category")
    key = key.strip() or _busiest(runtime, keys, bucket)
    shown = await trend(runtime=runtime, scope=scope, key=key, bucket=bucket) if key else None
    points = shown.points if shown else []
    c = console_words(language_of(request))
    at = [p.start for p in points]
    volume, negative = await asyncio.to_thread(
        lambda: (
            line_chart(
                c["review_volume"], at, {c["reviews_count"]: [p.reviews for p in points]}, ""
            ),
            line_chart(
                c["negative_share"],
                at,
                {c["negative_share"]: [p.negative_share for p in points]},
                "",
            ),
        )
    )
    alerts = await list_alerts(runtime=runtime, since=None, scope=None, limit=100)
    return page(
        request,
        "reviews.html",
        categories=keys,
        scope=scope,
        key=key,
        bucket=bucket,
        points=points,
        volume=volume,
        negative=negative,
        alerts=alerts.alerts,
    )


def _busiest(runtime: Runtime, keys: list[str], bucket: str) -> str:
    """The category with the most reviews ('' when there are none)."""
    volume = {
        key: sum(p.reviews for p in runtime.reviews.monitor.trend("category", key, bucket))
        for key in keys
    }
    return max(volume, key=lambda key: (volume[key], key), default="")


# ---- campaigns -----------------------------------------------------------------------------
@router.get("/campaigns")
async def campaigns(request: Request, staff: Staff) -> HTMLResponse:
    """Campaigns today from the placement store and the impression log, and the off-policy
    comparisons of the newest bundle version that records a `shopsense evaluate-policy`
    report."""
    runtime = runtime_of(request)
    manifests = await asyncio.to_thread(data.versions, runtime.config.bundle)
    off_policy = data.latest_policy_report(manifests)
    c = console_words(language_of(request))
    policy_chart = await asyncio.to_thread(_policy_chart, off_policy, c) if off_policy else None
    shown = {"off_policy": off_policy, "policy_chart": policy_chart}
    engine = runtime.placement
    if engine is None:
        return page(request, "campaigns.html", placement=False, **shown)
    rows = await runtime.placing(data.campaign_rows, engine)
    by_position = await runtime.placing(data.position_ctr, engine)
    figures = [data.spend_numbers(rows), data.ctr_numbers(rows), by_position]
    return page(
        request,
        "campaigns.html",
        placement=True,
        rows=rows,
        figures=list(zip(figures, await charts(*figures), strict=True)),
        **shown,
    )


def _policy_chart(report: data.OffPolicy, c: dict[str, str]) -> Chart | None:
    """The DR estimate of each campaign's test policies, in percent, with its interval."""
    groups, estimates = report.dr_estimates()
    percent = [(e.estimate * 100, e.low * 100, e.high * 100) for e in estimates]
    return interval_chart(c["dr_chart"], groups, percent, c["dr_label"], c["click_rate_pct"])


# ---- bundles -------------------------------------------------------------------------------
@router.get("/bundles")
async def bundles(request: Request, staff: Staff) -> HTMLResponse:
    return await _bundles_page(request)


@router.post("/bundles")
async def serve_version(
    request: Request, staff: Staff, token: FormToken, version: Annotated[str, Form()]
) -> HTMLResponse:
    """Point the bundle root's `current` at `version` and swap it in (the old pointer is put
    back when the new version does not load)."""
    check_form_token(request, token)
    runtime = runtime_of(request)
    root = runtime.config.bundle
    known = {str(m["version"]) for m in await asyncio.to_thread(data.versions, root)}
    before = runtime.served.bundle.version
    if root == runtime.served.bundle.path or version not in known:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such version under the bundle root")
    await asyncio.to_thread(set_current, root, version)
    try:
        swapped = await runtime.reload()
    except BundleLoadError as error:
        await asyncio.to_thread(set_current, root, before)
        return await _bundles_page(request, ("swap_failed", before, str(error)))
    await asyncio.to_thread(runtime.audit, "console_bundle_swap", staff)
    return await _bundles_page(request, ("swapped" if swapped else "already_served", version, ""))


async def _bundles_page(
    request: Request, outcome: tuple[str, str, str] | None = None
) -> HTMLResponse:
    runtime = runtime_of(request)
    root = runtime.config.bundle
    manifests = await asyncio.to_thread(data.versions, root)
    seconds = data.training_seconds(manifests)
    (chart,) = await charts(seconds)
    return page(
        request,
        "bundles.html",
        manifests=manifests,
        served=runtime.served.bundle.version,
        switchable=root != runtime.served.bundle.path,
        seconds=seconds,
        chart=chart,
        outcome=outcome,
    )


# ---- shoppers ------------------------------------------------------------------------------
@router.get("/shoppers")
async def shoppers(request: Request, staff: Staff) -> HTMLResponse:
    return page(request, "shoppers.html")


@router.post("/shoppers")
async def look_up(
    request: Request, staff: Staff, token: FormToken, user: Annotated[str, Form(max_length=256)]
) -> HTMLResponse:
    """A shopper's profile, recent events and recommendations with their signals; recorded
    in the audit log (by whom, not whose)."""
    check_form_token(request, token)
    runtime = runtime_of(request)
    user = user.strip()
    await asyncio.to_thread(runtime.audit, "console_shopper_lookup", staff)
    try:
        profile = await get_user(user, runtime)
    except HTTPException:
        return page(request, "shoppers.html", user=user, missing=True)
    listed = await recommend(
        user_id=user, runtime=runtime, floor=ReviewFloor(), k=10, sponsored=False
    )
    interests = profile.interests.get("categories", [])
    weights = data.Numbers(
        console_words(language_of(request))["interest_weights"],
        [i.name for i in interests],
        {console_words(language_of(request))["weight"]: [i.weight for i in interests]},
    )
    (chart,) = await charts(weights)
    return page(
        request,
        "shoppers.html",
        user=user,
        profile=profile,
        recommendations=listed.items,
        weights=weights,
        chart=chart,
    )
