"""Shopper profiles: `POST /v1/users`, `GET /v1/users/{user_id}`, `DELETE /v1/users/{user_id}`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response, status

from shopsense.serving.deps import (
    ADMIN_ERRORS,
    BODY_ERRORS,
    SHOPPER_ERRORS,
    WRITE_ERRORS,
    CallerDep,
    RuntimeDep,
    require_admin,
    require_path_shopper,
    require_shopper,
)
from shopsense.serving.responses import moment
from shopsense.serving.runtime import Runtime
from shopsense.serving.schemas import (
    Interest,
    PathId,
    Problem,
    ProfileIn,
    ProfileOut,
    RecentEvent,
)
from shopsense.text.pii import mask_pii

router = APIRouter(prefix="/v1/users", tags=["users"])
#: Events listed in a profile.
RECENT = 10


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={**SHOPPER_ERRORS, **BODY_ERRORS, **WRITE_ERRORS},
)
async def describe_user(profile: ProfileIn, runtime: RuntimeDep, caller: CallerDep) -> ProfileOut:
    """Create or update a shopper from a sentence about their interests (cold start): their
    recommendations use it until, and alongside, their events. Their token or an admin key."""
    require_shopper(caller, profile.user)
    # Personal data in the sentence is masked before it is stored or encoded.
    await runtime.describe(profile.user, mask_pii(profile.text))
    return await _profile(runtime, profile.user)


@router.get(
    "/{user_id}",
    dependencies=[Depends(require_path_shopper)],
    responses={
        **SHOPPER_ERRORS,
        404: {"model": Problem, "description": "Unknown or erased shopper."},
    },
)
async def get_user(user_id: PathId, runtime: RuntimeDep) -> ProfileOut:
    """The shopper's readable interest profile and latest events (their token or an admin
    key; 404 for an unknown shopper only to those)."""
    await runtime.refresh_shopper(user_id)
    if not runtime.users.knows(user_id):
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="unknown shopper")
    return await _profile(runtime, user_id)


@router.delete(
    "/{user_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    dependencies=[Depends(require_admin)],
    responses={**ADMIN_ERRORS, **WRITE_ERRORS},
    response_class=Response,
)
async def erase_user(user_id: PathId, runtime: RuntimeDep, caller: CallerDep) -> None:
    """Erase the shopper everywhere, all or nothing: stored events, reviews, searches and
    profile (the store file rewritten so no bytes remain), the bundles' copies, the live state
    and every loaded model. 204 whether or not the shopper was known; 503 if any part failed,
    in which case nothing was erased and a retry completes it. Recorded in the audit log
    (when and by which key, not whom)."""
    await runtime.erase(user_id, by=caller.key_id or "unknown")


async def _profile(runtime: Runtime, user: str) -> ProfileOut:
    served = runtime.served
    recommender = served.recommender
    events = runtime.users.history(user)
    text = runtime.users.texts.get(user)
    history = recommender.history(events)
    profiler = await served.profiler()
    if len(history):
        # A sentence counts like a search the shopper typed.
        profile = await served.in_text_thread(
            profiler.profile_history,
            history.items,
            history.timestamps,
            history.kinds.tolist(),
            queries=[text] if text else (),
        )
    else:
        profile = await served.in_text_thread(profiler.profile_from_text, text or "")
    recent = [
        RecentEvent(
            item=recommender.item_ids[item],
            title=recommender.titles[item],
            kind=str(kind),
            timestamp=moment(float(seconds)),
        )
        for item, kind, seconds in zip(
            history.items[::-1][:RECENT],
            history.kinds[::-1][:RECENT],
            history.timestamps[::-1][:RECENT],
            strict=True,
        )
    ]
    return ProfileOut(
        user=user,
        events=len(events),
        recent=recent,
        interests={
            facet: [Interest(name=i.name, weight=round(i.weight, 4)) for i in interests]
            for facet, interests in (
                ("categories", profile.categories),
                ("brands", profile.brands),
                ("terms", profile.terms),
            )
        },
        described=text is not None,
    )
