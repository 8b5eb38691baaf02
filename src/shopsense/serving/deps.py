"""Dependencies shared by the routers: the runtime, and API-key checks by scope.

Scopes: `read` serves shoppers (recommendations, similar items, search, items, profiles,
metrics); `admin` also changes or erases data (events, profile sentences, erasure). Keys may be
public in a storefront only if they are `read` keys. `/healthz` and the OpenAPI docs need no key.
"""

from __future__ import annotations

import hmac
import math
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, Security, status
from fastapi.security import APIKeyHeader

from shopsense.serving.runtime import Runtime
from shopsense.serving.schemas import Problem
from shopsense.serving.settings import Scope

api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="An API key from SHOPSENSE_API_KEYS (`key:read` or `key:admin`).",
)


async def get_runtime(request: Request) -> Runtime:
    """The app's runtime (async: FastAPI would run a plain function in its thread pool)."""
    return request.app.state.runtime


def _scope_of(request: Request, key: str | None) -> Scope:
    runtime: Runtime = request.app.state.runtime
    address = request.client.host if request.client else "unknown"
    wait = runtime.failed_auth.retry_after(address)
    if wait:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail="too many failed key checks from this address; try again later",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    found: Scope | None = None
    if key:
        presented = key.encode()
        # Compare against every key in constant time so timing reveals nothing about them.
        for candidate, scope in runtime.config.api_keys.items():
            if hmac.compare_digest(presented, candidate.encode()):
                found = scope
    if found is None:
        runtime.failed_auth.failed(address)
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="missing or unknown API key (send it in the X-API-Key header)",
            headers={"WWW-Authenticate": "APIKey"},
        )
    return found


async def require_read(request: Request, key: str | None = Security(api_key_header)) -> None:
    """Any valid key."""
    _scope_of(request, key)


async def require_admin(request: Request, key: str | None = Security(api_key_header)) -> None:
    """An admin key."""
    if _scope_of(request, key) is not Scope.ADMIN:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail="this route needs an admin key"
        )


#: The runtime as a route parameter.
RuntimeDep = Annotated[Runtime, Depends(get_runtime)]

#: OpenAPI documentation of the auth failures, per scope.
READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "Missing or unknown API key."},
    429: {"model": Problem, "description": "Too many failed key checks from this address."},
}
ADMIN_ERRORS: dict[int | str, dict[str, Any]] = {
    **READ_ERRORS,
    403: {"model": Problem, "description": "The key is not an admin key."},
}
#: OpenAPI documentation of the failures of routes that take a body.
BODY_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": Problem, "description": "The body is not readable (e.g. not UTF-8)."},
    413: {"model": Problem, "description": "The body is larger than the server accepts."},
}
#: OpenAPI documentation of the failures of routes that write to the store.
WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    503: {"model": Problem, "description": "The store cannot be written now; nothing was saved."},
}
