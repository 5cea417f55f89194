"""The OAI-PMH provider's guarantees in isolation, fast enough for a mutation run (benchmarks/mutation.py): the
arguments each verb takes and their errors (§3.6, §4), ``from``/``until`` (§3.3), and the signed resumption
tokens (a token is the repository's, for its verb, or refused)."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from mcep_ld.serve.oai.arguments import parse, window
from mcep_ld.serve.oai.errors import BadArgument, BadResumptionToken, BadVerb
from mcep_ld.serve.oai.tokens import Position, TokenSigner

POSITION = Position("ListRecords", "oai_dc", "kind:decision", "2024-01-01T00:00:00Z", "2026-01-01T00:00:00Z",
                    ("2024-02-03T04:05:06Z", 42), 100, 250)


@pytest.mark.parametrize("pairs, verb, args", [
    ([("verb", "Identify")], "Identify", {}),
    ([("verb", "ListMetadataFormats"), ("identifier", "oai:x:1")], "ListMetadataFormats", {"identifier": "oai:x:1"}),
    ([("verb", "ListSets"), ("resumptionToken", "t")], "ListSets", {"resumptionToken": "t"}),
    ([("verb", "GetRecord"), ("identifier", "oai:x:1"), ("metadataPrefix", "oai_dc")], "GetRecord",
     {"identifier": "oai:x:1", "metadataPrefix": "oai_dc"}),
    ([("verb", "ListRecords"), ("metadataPrefix", "rdf"), ("from", "2024-01-01"), ("until", "2024-12-31"),
      ("set", "kind:decision")], "ListRecords",
     {"metadataPrefix": "rdf", "from": "2024-01-01", "until": "2024-12-31", "set": "kind:decision"}),
    ([("verb", "ListIdentifiers"), ("resumptionToken", "abc.def")], "ListIdentifiers", {"resumptionToken": "abc.def"}),
])
def test_the_arguments_each_verb_takes(pairs: list, verb: str, args: dict) -> None:
    request = parse(pairs)
    assert (request.verb, request.args) == (verb, args)


@pytest.mark.parametrize("pairs, error, says", [
    ([], BadVerb, "missing"),
    ([("verb", "Identify"), ("verb", "Identify")], BadVerb, "repeated"),
    ([("verb", "identify")], BadVerb, "not a verb"),
    ([("verb", "Identify"), ("set", "x")], BadArgument, "'set' is not an argument of Identify"),
    ([("verb", "GetRecord"), ("identifier", "a")], BadArgument, "'metadataPrefix' is required"),
    ([("verb", "GetRecord"), ("metadataPrefix", "oai_dc")], BadArgument, "'identifier' is required"),
    ([("verb", "ListRecords")], BadArgument, "'metadataPrefix' is required"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("metadataPrefix", "rdf")], BadArgument,
     "'metadataPrefix' is repeated"),
    ([("verb", "ListRecords"), ("metadataPrefix", " ")], BadArgument, "'metadataPrefix' is empty"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("resumptionToken", "t")], BadArgument,
     "resumptionToken is exclusive"),
    ([("verb", "ListSets"), ("resumptionToken", "t"), ("set", "a")], BadArgument, "'set' is not an argument"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai dc")], BadArgument, "not a valid prefix"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "kind:")], BadArgument, "not a valid setSpec"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("set", "a b")], BadArgument, "not a valid setSpec"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-13-01")], BadArgument, "not a date"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-01-01T00:00:00")], BadArgument,
     "neither YYYY-MM-DD nor"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-01-01"),
      ("until", "2024-01-02T00:00:00Z")], BadArgument, "same granularity"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-01-01T00:00:00Z"),
      ("until", "2024-01-02")], BadArgument, "same granularity"),
    ([("verb", "ListRecords"), ("metadataPrefix", "oai_dc"), ("from", "2024-02-01"), ("until", "2024-01-01")],
     BadArgument, "from is later than until"),
])
def test_each_wrong_request_gets_its_protocol_error(pairs: list, error: type, says: str) -> None:
    with pytest.raises(error) as caught:
        parse(pairs)
    assert says in caught.value.message


def test_arguments_as_a_request_brings_them() -> None:
    """Names and values parsed from a query string (new strings, not the test's literals), and argument names
    that sort before and after "verb": each is an argument, never taken for the verb."""
    request = parse(parse_qsl("verb=ListRecords&metadataPrefix=oai_dc&until=2024-01-01"))
    assert request.verb == "ListRecords" and request.args == {"metadataPrefix": "oai_dc", "until": "2024-01-01"}
    for name in ("zzz", "verbs", "x", "a"):
        with pytest.raises(BadArgument, match=f"'{name}' is not an argument of Identify"):
            parse(parse_qsl(f"verb=Identify&{name}=1"))


def test_every_problem_of_a_request_is_said_once() -> None:
    with pytest.raises(BadArgument) as caught:
        parse([("verb", "ListRecords"), ("junk", "1"), ("junk", "2"), ("set", "a b")])
    message = caught.value.message
    assert message.count("'junk' is not an argument") == 1 and "'metadataPrefix' is required" in message
    assert "not a valid setSpec" in message


@pytest.mark.parametrize("start, end, expected", [
    ("2024-01-01", "2024-01-31", ("2024-01-01T00:00:00Z", "2024-01-31T23:59:59Z")),  # days: whole days
    ("2024-01-01T10:00:00Z", None, ("2024-01-01T10:00:00Z", None)),
    (None, "2024-01-01", (None, "2024-01-01T23:59:59Z")),
    ("2024-01-01", "2024-01-01", ("2024-01-01T00:00:00Z", "2024-01-01T23:59:59Z")),  # one day: inclusive
    ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z", ("2024-01-01T00:00:00Z", "2024-01-01T00:00:00Z")),
    ("", "  ", (None, None)),
    (None, None, (None, None)),
])
def test_from_and_until_become_inclusive_second_bounds(start: str | None, end: str | None,
                                                       expected: tuple) -> None:
    assert window(start, end) == expected


@pytest.mark.parametrize("start, end", [("2024-02-30", None), (None, "2024-01-01T25:00:00Z"),
                                        ("2024-01-02T00:00:00Z", "2024-01-01T23:59:59Z"), ("yesterday", None)])
def test_impossible_windows_are_bad_arguments(start: str | None, end: str | None) -> None:
    with pytest.raises(BadArgument):
        window(start, end)


# -- resumption tokens ---------------------------------------------------------------------------------------

def test_a_token_gives_back_its_position_for_its_verb_only() -> None:
    signer = TokenSigner(b"k")
    token = signer.encode(POSITION)
    assert signer.decode(token, "ListRecords") == POSITION
    assert TokenSigner(b"k").decode(token, "ListRecords") == POSITION  # stateless: any process with the key
    with pytest.raises(BadResumptionToken, match="belongs to ListRecords"):
        signer.decode(token, "ListIdentifiers")
    assert all(c.isalnum() or c in "-_." for c in token)  # URL-safe as it is


def test_a_token_for_one_list_is_refused_by_any_other() -> None:
    signer = TokenSigner(b"k")
    for verb in ("ListRecords", "ListIdentifiers", "ListSets"):
        token = signer.encode(Position(verb, "oai_dc", None, None, "2026-01-01T00:00:00Z", ("", 0), 0, 1))
        for other in {"ListRecords", "ListIdentifiers", "ListSets"} - {verb}:
            with pytest.raises(BadResumptionToken, match=f"belongs to {verb}, not {other}"):
                signer.decode(token, other)


@pytest.mark.parametrize("length", range(8))
def test_tokens_of_every_length_come_back(length: int) -> None:
    """base64 without its padding: every body length (mod 4) is read back."""
    position = Position("ListRecords", "oai_dc", "a" * length or None, None, "2026-01-01T00:00:00Z", ("", 0), 0, 1)
    token = TokenSigner(b"k").encode(position)
    assert TokenSigner(b"k").decode(token, "ListRecords") == position


def test_a_token_issued_before_an_upgrade_is_still_read() -> None:
    """Tokens do not expire while the key lasts: one made by an earlier version (this one, written down) decodes,
    and the same position still makes the same token."""
    issued = ("eyJ2ZXJiIjoiTGlzdFJlY29yZHMiLCJwcmVmaXgiOiJvYWlfZGMiLCJzZXQiOiJraW5kOmRlY2lzaW9uIiwic3RhcnQiOiIyMDI0LT"
              "AxLTAxVDAwOjAwOjAwWiIsInVudGlsIjoiMjAyNi0wMS0wMVQwMDowMDowMFoiLCJhZnRlciI6WyIyMDI0LTAyLTAzVDA0OjA1OjA2"
              "WiIsNDJdLCJjdXJzb3IiOjEwMCwic2l6ZSI6MjUwfQ.PtCzu-7MdzR9Lk-dG8YFjI_s")
    signer = TokenSigner(b"k")
    assert signer.encode(POSITION) == issued
    assert signer.decode(issued, "ListRecords") == POSITION


def _unsigned(position: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("make", [
    lambda t, s: t.split(".")[0],  # no MAC
    lambda t, s: t.split(".")[0] + ".",  # an empty MAC
    lambda t, s: "." + t.split(".")[1],  # no body
    lambda t, s: TokenSigner(b"another key").encode(POSITION),
    lambda t, s: t[:-1] + ("A" if t[-1] != "A" else "B"),  # the MAC changed
    lambda t, s: t.split(".")[0][:-2] + "xx." + t.split(".")[1],  # the body changed
    lambda t, s: _unsigned({**json.loads(base64.urlsafe_b64decode(t.split(".")[0] + "==")), "cursor": 0}),
    lambda t, s: _unsigned({"verb": "ListRecords"}) + "." + s._mac(_unsigned({"verb": "ListRecords"})),
    lambda t, s: "!!!." + s._mac("!!!"),  # signed, but not base64 JSON
    lambda t, s: "",
])
def test_a_token_not_made_by_this_repository_is_refused(make) -> None:  # noqa: ANN001
    signer = TokenSigner(b"k")
    with pytest.raises(BadResumptionToken):
        signer.decode(make(signer.encode(POSITION), signer), "ListRecords")


def test_the_key_is_the_configured_secret_else_one_made_once(tmp_path: Path) -> None:
    token = TokenSigner.for_data_dir(tmp_path, "s3cret").encode(POSITION)
    assert TokenSigner(b"s3cret").decode(token, "ListRecords") == POSITION
    assert not (tmp_path / "oai-token-key").exists()  # a configured secret writes nothing
    made = TokenSigner.for_data_dir(tmp_path)
    key = tmp_path / "oai-token-key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text()) == 64
    again = TokenSigner.for_data_dir(tmp_path)  # the same key next time: tokens outlive a restart
    assert again.decode(made.encode(POSITION), "ListRecords") == POSITION
    (tmp_path / "elsewhere").mkdir()
    other = TokenSigner.for_data_dir(tmp_path / "elsewhere")  # another hub's key
    with pytest.raises(BadResumptionToken):
        other.decode(made.encode(POSITION), "ListRecords")
