"""Dependencies shared by the routers: the runtime, and who is calling.

A caller presents an API key (`X-API-Key`), a shopper token (`Authorization: Bearer ...`,
see `shopsense.serving.tokens`), or both. `catalog` keys (public, e.g. in a storefront) and
shopper tokens open the catalogue routes: search, items, similar items, anonymous
recommendations. One shopper's recommendations, profile, personalised search, events and
outcomes need that shopper's token or an `admin` key; a token for someone else gets the same
403 whether or not that shopper exists, so ids cannot be enumerated. Admin keys also erase
shoppers, manage sponsored campaigns and read `/metrics`. `/healthz` and `/openapi.json` need
nothing. Every failed key or token check counts against the client's address (429 once it has
failed too often).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from shopsense.placement.engine import PlacementEngine
from shopsense.serving.runtime import Runtime
from shopsense.serving.schemas import PathId, Problem
from shopsense.serving.settings import Scope
from shopsense.serving.tokens import InvalidToken, verify_shopper_token

log = logging.getLogger("shopsense.serving")

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="An API key from SHOPSENSE_API_KEYS (`key:catalog` or `key:admin`).",
)
shopper_token = HTTPBearer(
    auto_error=False,
    description="A shopper token minted by the shop's backend (`shopsense token`).",
)


@dataclass(frozen=True)
class Caller:
    """Who sent a request: the scope of its key, and the shopper its token acts for."""

    scope: Scope | None
    shopper: str | None
    #: Names the key for audit records without revealing it: `key sha256:<12 hex digits>`.
    key_id: str | None = None

    @property
    def admin(self) -> bool:
        return self.scope is Scope.ADMIN

    def may_act_for(self, user: str) -> bool:
        """Whether the caller may read or write `user`'s data."""
        return self.admin or self.shopper == user


async def get_runtime(request: Request) -> Runtime:
    """The app's runtime (async: FastAPI would run a plain function in its thread pool)."""
    return request.app.state.runtime


async def get_caller(
    request: Request,
    key: Annotated[str | None, Security(api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Security(shopper_token)],
) -> Caller:
    """The caller; 401 for a missing, unknown or expired credential, 429 for an address that
    has failed too often."""
    runtime: Runtime = request.app.state.runtime
    address = request.client.host if request.client else "unknown"
    wait = runtime.failed_auth.retry_after(address)
    if wait:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail="too many failed key or token checks from this address; try again later",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    scope = scope_of(runtime, key) if key is not None else None
    shopper = _shopper_of(runtime, bearer.credentials) if bearer is not None else None
    # An Authorization header that is not a well-formed bearer token is a failed check too.
    sent_token = bearer is not None or "authorization" in request.headers
    if (key is not None and scope is None) or (sent_token and shopper is None):
        runtime.failed_auth.failed(address)
        raise _unauthorized()
    if scope is None and shopper is None:
        raise _unauthorized()
    return Caller(scope, shopper, None if key is None else key_id(key))


def _unauthorized() -> HTTPException:
    return HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="missing, unknown or expired credentials (send an X-API-Key header or a "
        "shopper token as Authorization: Bearer)",
        headers={"WWW-Authenticate": "APIKey"},
    )


def scope_of(runtime: Runtime, key: str) -> Scope | None:
    """The scope of an API key (None: not one of the server's keys)."""
    found: Scope | None = None
    presented = key.encode()
    # Compare against every key in constant time so timing reveals nothing about them.
    for candidate, scope in runtime.config.api_keys.items():
        if hmac.compare_digest(presented, candidate.encode()):
            found = scope
    return found


def key_id(key: str) -> str:
    """Names a key in audit records without revealing it: `key sha256:<12 hex digits>`."""
    return f"key sha256:{hashlib.sha256(key.encode()).hexdigest()[:12]}"


def _shopper_of(runtime: Runtime, token: str) -> str | None:
    secret = runtime.config.token_secret
    if secret is None:
        return None
    try:
        return verify_shopper_token(secret.get_secret_value(), token)
    except InvalidToken as problem:
        log.info("refused a shopper token: %s", problem)
        return None


#: The caller as a route parameter.
CallerDep = Annotated[Caller, Depends(get_caller)]


async def require_catalog(caller: CallerDep) -> None:
    """Any valid key or shopper token."""


async def require_admin(caller: CallerDep) -> None:
    """An admin key."""
    if not caller.admin:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail="this route needs an admin key"
        )


def require_shopper(caller: Caller, user: str) -> None:
    """403 unless the caller may act for `user` (the same answer whether or not `user`
    exists)."""
    if not caller.may_act_for(user):
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN,
            detail="a shopper's data needs that shopper's token or an admin key",
        )


async def require_path_shopper(user_id: PathId, caller: CallerDep) -> None:
    """The shopper in the path's token, or an admin key."""
    require_shopper(caller, user_id)


#: The runtime as a route parameter.
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_placement(runtime: RuntimeDep) -> PlacementEngine:
    """The placement engine; 503 when the server runs without a placement store."""
    if runtime.placement is None:
        raise HTTPException(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            detail="sponsored placement is off: the server has no placement store configured",
        )
    return runtime.placement


#: The placement engine as a route parameter (503 while placement is off).
PlacementDep = Annotated[PlacementEngine, Depends(get_placement)]

#: OpenAPI documentation of the auth failures, per scope.
CATALOG_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing, unknown or expired key or token."},
    429: {"model": Problem, "description": "Too many failed checks from this address."},
}
SHOPPER_ERRORS: dict[int | str, dict[str, Any]] = {
    **CATALOG_ERRORS,
    403: {"model": Problem, "description": "Neither this shopper's token nor an admin key."},
}
ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    **CATALOG_ERRORS,
    403: {"model": Problem, "description": "The key is not an admin key."},
}
#: OpenAPI documentation of the failures of routes that take a body.
BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body is not readable (e.g. not UTF-8)."},
    413: {"model": Problem, "description": "The body is larger than the server accepts."},
}
#: OpenAPI documentation of the placement routes' own failure.
PLACEMENT_ERRORS: dict[int | str, dict[str, Any]] = {
    503: {"model": Problem, "description": "Placement is off (no placement store)."},
}
#: OpenAPI documentation of the failures of routes that write to the store.
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    503: {"model": Problem, "description": "The store cannot be written now; nothing was saved."},
}
