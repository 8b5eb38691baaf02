"""Staff in the console: signing in with an admin key, and the form token that guards the
console's forms (what staff looked at goes to the server's audit log, `Runtime.audit`).

A sign-in checks the key as the REST API does (`shopsense.serving.deps.scope_of`, constant
time) and counts a wrong or non-admin key against the address, as a failed key check. The form
token is an HMAC of the staff cookie (HttpOnly, so another site can neither read nor derive
it); every console form sends it back besides the SameSite=Lax cookie.
"""

from __future__ import annotations

import hashlib
import hmac

from fastapi import HTTPException, Request, status

from shopsense.serving.deps import key_id, scope_of
from shopsense.serving.runtime import Runtime
from shopsense.serving.settings import Scope
from shopsense.web.sessions import STAFF_COOKIE


def address_of(request: Request) -> str:
    """The client's address, as the API's failed-check limiter counts it."""
    return request.client.host if request.client else "unknown"


def admin_key_id(runtime: Runtime, key: str, address: str) -> str | None:
    """The key id of an admin key (None: a wrong or non-admin key, counted as a failure)."""
    if scope_of(runtime, key) is Scope.ADMIN:
        return key_id(key)
    runtime.failed_auth.failed(address)
    return None


def still_admin(runtime: Runtime, staff: str) -> bool:
    """Whether the key a staff member signed in with is still one of the server's admin keys
    (a key removed from the configuration ends its sign-ins)."""
    return any(
        scope is Scope.ADMIN and key_id(key) == staff
        for key, scope in runtime.config.api_keys.items()
    )


def form_token(request: Request) -> str:
    """The form token of the request's staff cookie."""
    cookie = request.cookies.get(STAFF_COOKIE, "")
    return hmac.new(cookie.encode(), b"shopsense console form", hashlib.sha256).hexdigest()


def check_form_token(request: Request, sent: str) -> None:
    """403 unless `sent` is the form token of the request's staff cookie."""
    if not hmac.compare_digest(sent.encode(), form_token(request).encode()):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "the form is stale: reload the page")
