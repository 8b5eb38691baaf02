"""Shopper tokens: short-lived, signed proof that a request acts for one shopper.

A shop's backend mints a token for the signed-in shopper (`mint_shopper_token`, or
`shopsense token --user U --ttl 900`) with the server's secret; the storefront sends it as
`Authorization: Bearer <token>`, and the server lets it read and write that shopper's data
only. A token is `v1.<shopper id, base64url>.<expiry, unix seconds>.<HMAC-SHA256, base64url>`:
readable by anyone who holds it, forgeable by no one without the secret.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import time

#: The prefix of every token of this format.
VERSION = "v1"
#: Longest lifetime a token may be minted with (a day): tokens are meant to be short-lived.
MAX_TTL_S = 86_400
#: Shortest secret accepted, in bytes.
MIN_SECRET_BYTES = 16


class InvalidToken(ValueError):
    """A token that is malformed, forged or expired (the message says which, for logs)."""


def mint_shopper_token(
    secret: str, user: str, ttl_s: int = 900, *, now: float | None = None
) -> str:
    """A token that acts for `user` for `ttl_s` seconds (at most `MAX_TTL_S`)."""
    _check_secret(secret)
    if not user:
        raise ValueError("user: a shopper id is needed")
    if not 1 <= ttl_s <= MAX_TTL_S:
        raise ValueError(f"ttl_s: must be between 1 and {MAX_TTL_S} seconds, not {ttl_s}")
    expiry = int((time.time() if now is None else now) + ttl_s)
    payload = f"{VERSION}.{_encode(user.encode())}.{expiry}"
    return f"{payload}.{_sign(secret, payload)}"


def verify_shopper_token(secret: str, token: str, *, now: float | None = None) -> str:
    """The shopper id `token` acts for; `InvalidToken` if it is malformed, forged or expired."""
    parts = token.split(".")
    if len(parts) != 4 or parts[0] != VERSION or not parts[2].isdigit():
        raise InvalidToken("malformed token")
    payload, signature = ".".join(parts[:3]), parts[3]
    if not hmac.compare_digest(signature.encode(), _sign(secret, payload).encode()):
        raise InvalidToken("bad signature")
    if int(parts[2]) <= (time.time() if now is None else now):
        raise InvalidToken("expired token")
    try:
        return base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise InvalidToken("malformed shopper id") from None


def _check_secret(secret: str) -> None:
    if len(secret.encode()) < MIN_SECRET_BYTES:
        raise ValueError(f"the token secret must be at least {MIN_SECRET_BYTES} bytes")


def _sign(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return _encode(digest)


def _encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
