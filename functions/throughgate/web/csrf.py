"""Cross-site request forgery protection: a signed double-submit token.

The browser holds a random value in a SameSite=Strict, HttpOnly cookie; every form carries
HMAC(secret, user id + that value). A forged cross-site POST has neither the cookie nor the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE = "tg_csrf"


def new_cookie_value() -> str:
    return secrets.token_urlsafe(32)


def token(secret: bytes, user_id: str, cookie_value: str) -> str:
    return hmac.new(secret, f"{user_id}:{cookie_value}".encode(), hashlib.sha256).hexdigest()


def valid(secret: bytes, user_id: str, cookie_value: str | None, submitted: str | None) -> bool:
    if not cookie_value or not submitted:
        return False
    # Bytes, so a forged token of any characters compares as unequal instead of raising.
    expected = token(secret, user_id, cookie_value).encode()
    return hmac.compare_digest(expected, submitted.encode("utf-8", "surrogatepass"))
