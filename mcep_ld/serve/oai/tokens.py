"""Stateless resumption tokens: the query and a keyset position, signed so they cannot be forged.

A token holds everything the next page needs (verb, prefix, set, from, the ``until`` fixed when the list
began, the last (datestamp, id) returned, the cursor and the list size), so any process can serve it, for
as long as the key lasts: tokens do not expire. base64url keeps them URL-safe.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from mcep_ld.serve.oai.errors import BadResumptionToken


@dataclass(frozen=True)
class Position:
    verb: str
    prefix: str
    set: str | None
    start: str | None  # from
    until: str  # fixed at the first page: the list does not grow while it is walked
    after: tuple[str, int]  # the (datestamp, id) of the last record returned
    cursor: int  # records returned before the next page
    size: int  # completeListSize, counted at the first page


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenSigner:
    def __init__(self, key: bytes) -> None:
        self.key = key

    @classmethod
    def for_data_dir(cls, data_dir: Path, secret: str = "") -> TokenSigner:
        """The configured secret, else one generated once and kept in the data directory."""
        if secret:
            return cls(secret.encode())
        path = data_dir / "oai-token-key"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return cls(path.read_text().strip().encode())

    def _mac(self, body: str) -> str:
        return _b64(hmac.new(self.key, body.encode(), hashlib.sha256).digest()[:18])

    def encode(self, position: Position) -> str:
        body = _b64(json.dumps(asdict(position), separators=(",", ":")).encode())
        return f"{body}.{self._mac(body)}"

    def decode(self, token: str, verb: str) -> Position:
        body, _, mac = token.partition(".")
        if not body or not hmac.compare_digest(mac, self._mac(body)):
            raise BadResumptionToken("the resumptionToken is not one this repository issued")
        try:
            data = json.loads(_unb64(body))
            position = Position(**{**data, "after": tuple(data["after"])})
        except (ValueError, TypeError, KeyError):
            raise BadResumptionToken("the resumptionToken cannot be read") from None
        if position.verb != verb:
            raise BadResumptionToken(f"the resumptionToken belongs to {position.verb}, not {verb}")
        return position
