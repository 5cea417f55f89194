"""The bearer-token check behind SPARQL updates and the admin API (serve/web/bearer.py), in isolation: fast
enough for a mutation run. Over HTTP: test_sparql_protocol.py (a token configured), test_web.py (none),
test_service_harvests.py (the admin API)."""

from __future__ import annotations

import pytest

from mcep_ld.serve.web.bearer import check_bearer


@pytest.mark.parametrize("header, token, verdict", [
    ("Bearer s3cret", "s3cret", "allowed"),
    ("bearer s3cret", "s3cret", "allowed"),  # the scheme is case-insensitive (RFC 6750, 7235)
    ("BEARER  s3cret ", "s3cret", "allowed"),
    ("Bearer s3cret", "", "unset"),  # no token configured: nothing is allowed, whatever is sent
    (None, "", "unset"),
    ("Bearer ", "", "unset"),
    (None, "s3cret", "missing"),
    ("", "s3cret", "missing"),
    ("Bearer", "s3cret", "missing"),
    ("Bearer ", "s3cret", "missing"),
    ("Basic czNjcmV0", "s3cret", "missing"),  # another scheme is no bearer token
    ("Token s3cret", "s3cret", "missing"),  # even with the right secret after it
    ("Digest s3cret", "s3cret", "missing"),
    ("s3cret", "s3cret", "missing"),
    ("Bearer s3cre", "s3cret", "wrong"),
    ("Bearer s3cret2", "s3cret", "wrong"),
    ("Bearer S3CRET", "s3cret", "wrong"),  # the token itself is compared exactly
    ("Bearer s3cret extra", "s3cret", "wrong"),
])
def test_a_request_is_allowed_only_with_the_configured_token(header: str | None, token: str, verdict: str) -> None:
    assert check_bearer(header, token) == verdict
