"""Bearer tokens (RFC 6750) for what the public may not do: SPARQL updates (``sparql_update_token``) and the admin
API (``admin_token``). One check for both, the token compared in constant time; each surface words its refusal."""

from __future__ import annotations

import hmac
from typing import Literal

Verdict = Literal["allowed", "unset", "missing", "wrong"]


def check_bearer(authorization: str | None, token: str) -> Verdict:
    """Whether an ``Authorization`` header carries *token*: ``unset`` when no token is configured (then nothing is
    allowed, whatever is sent: 403), ``missing`` when no bearer token was sent (401), ``wrong`` when another was
    (403)."""
    if not token:
        return "unset"
    scheme, _, given = (authorization or "").strip().partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return "missing"
    return "allowed" if hmac.compare_digest(given.strip().encode(), token.encode()) else "wrong"
