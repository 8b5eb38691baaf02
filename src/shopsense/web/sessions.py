"""Who is browsing: signed cookies for the storefront's shopper and the console's staff member,
and the shopper's cart.

A visitor gets a shopper id of their own on their first page (`web-` and 16 hex digits) in a
cookie holding a shopper token (`shopsense.serving.tokens`), so their events personalise the
next page exactly as a signed-in shopper's do; `/login?token=...` switches to the shopper a
token from the shop's backend (`shopsense token`) names. Staff sign in to the console with an
admin key; their cookie is a token of the key's id (never the key) signed with a key derived
from the same secret, so a staff cookie is never a valid shopper token. Cookies are HttpOnly
and SameSite=Lax (Secure over HTTPS).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets

from fastapi import Request, Response

from shopsense.serving.tokens import InvalidToken, mint_shopper_token, verify_shopper_token

SHOPPER_COOKIE = "shopsense_shopper"
STAFF_COOKIE = "shopsense_staff"
CART_COOKIE = "shopsense_cart"
LANGUAGE_COOKIE = "shopsense_lang"
#: How long a visitor's cookie lasts (a day; renewed on every page).
SHOPPER_TTL_S = 86_400
#: How long a staff sign-in lasts (8 hours).
STAFF_TTL_S = 8 * 3600
#: Most products a cart holds.
MAX_CART = 50


class Sessions:
    """Reading and writing the signed cookies with one secret."""

    def __init__(self, secret: str) -> None:
        self._shopper_secret = secret
        self._staff_secret = hmac.new(
            secret.encode(), b"shopsense console", hashlib.sha256
        ).hexdigest()

    def shopper(self, request: Request) -> str | None:
        """The shopper the request's cookie acts for (None: no or no valid cookie)."""
        return _verified(self._shopper_secret, request.cookies.get(SHOPPER_COOKIE))

    def token_shopper(self, token: str) -> str | None:
        """The shopper a token from the shop's backend acts for (None: not a valid token)."""
        return _verified(self._shopper_secret, token)

    def remember_shopper(self, request: Request, response: Response, user: str) -> None:
        """Keep (or renew) `user` as the browser's shopper."""
        token = mint_shopper_token(self._shopper_secret, user, SHOPPER_TTL_S)
        _set(request, response, SHOPPER_COOKIE, token, SHOPPER_TTL_S)

    def staff(self, request: Request) -> str | None:
        """The signed-in staff member's key id (None: not signed in)."""
        return _verified(self._staff_secret, request.cookies.get(STAFF_COOKIE))

    def remember_staff(self, request: Request, response: Response, key_id: str) -> None:
        """Sign the browser in to the console as the holder of `key_id`."""
        token = mint_shopper_token(self._staff_secret, key_id, STAFF_TTL_S)
        _set(request, response, STAFF_COOKIE, token, STAFF_TTL_S)


def new_visitor() -> str:
    """A fresh shopper id for a visitor nobody knows yet."""
    return f"web-{secrets.token_hex(8)}"


def forget(response: Response, *names: str) -> None:
    """Remove the named cookies from the browser."""
    for name in names:
        response.delete_cookie(name, path="/")


def cart_of(request: Request) -> list[str]:
    """The product ids in the browser's cart, oldest first (a bad cookie is an empty cart)."""
    try:
        items = json.loads(request.cookies.get(CART_COOKIE) or "[]")
    except ValueError:
        return []
    if not isinstance(items, list):
        return []
    return [item for item in items if isinstance(item, str)][:MAX_CART]


def keep_cart(request: Request, response: Response, items: list[str]) -> None:
    """Store the cart's product ids in the browser (an empty cart removes the cookie)."""
    if not items:
        forget(response, CART_COOKIE)
        return
    _set(request, response, CART_COOKIE, json.dumps(items[-MAX_CART:]), SHOPPER_TTL_S)


def _verified(secret: str, token: str | None) -> str | None:
    if not token:
        return None
    try:
        return verify_shopper_token(secret, token)
    except InvalidToken:
        return None


def _set(request: Request, response: Response, name: str, value: str, max_age: int) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
