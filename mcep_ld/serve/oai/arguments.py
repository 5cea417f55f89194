"""Which arguments each verb takes (§3.6, §4), checked on the raw pairs so repeats are seen, and the
datestamps of ``from`` and ``until`` (§3.3): UTC, day or second granularity, the same in both."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from mcep_ld.serve.oai.errors import BadArgument, BadVerb, OAIError

#: verb → (required, optional, exclusive) arguments
VERBS: dict[str, tuple[set[str], set[str], set[str]]] = {
    "Identify": (set(), set(), set()),
    "ListMetadataFormats": (set(), {"identifier"}, set()),
    "ListSets": (set(), set(), {"resumptionToken"}),
    "GetRecord": ({"identifier", "metadataPrefix"}, set(), set()),
    "ListIdentifiers": ({"metadataPrefix"}, {"from", "until", "set"}, {"resumptionToken"}),
    "ListRecords": ({"metadataPrefix"}, {"from", "until", "set"}, {"resumptionToken"}),
}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECOND = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_SET_SPEC = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*$")
_PREFIX = re.compile(r"^[A-Za-z0-9\-_.!~*'()]+$")


@dataclass(frozen=True)
class Request:
    verb: str
    args: dict[str, str]  # as received: echoed in <request>


def parse(pairs: list[tuple[str, str]]) -> Request:
    """The verb and its arguments, or every problem found as OAIErrors (raised as the first, with the
    others in ``errors``)."""
    verbs = [v for k, v in pairs if k == "verb"]
    if len(verbs) != 1:
        raise BadVerb("the verb is missing" if not verbs else "the verb is repeated")
    verb = verbs[0]
    if verb not in VERBS:
        raise BadVerb(f"{verb!r} is not a verb of OAI-PMH 2.0")
    required, optional, exclusive = VERBS[verb]
    problems: list[str] = []
    args: dict[str, str] = {}
    for key, value in pairs:
        if key == "verb":
            continue
        if key not in required | optional | exclusive:
            problems.append(f"{key!r} is not an argument of {verb}")
        elif key in args:
            problems.append(f"{key!r} is repeated")
        elif not value.strip():
            problems.append(f"{key!r} is empty")
        args[key] = value
    given_exclusive = set(args) & exclusive
    if given_exclusive:
        if len(args) > 1:
            problems.append("resumptionToken is exclusive: it comes with no other argument")
    else:
        problems += [f"{key!r} is required" for key in sorted(required - set(args))]
    if "metadataPrefix" in args and args["metadataPrefix"] and not _PREFIX.match(args["metadataPrefix"]):
        problems.append(f"metadataPrefix {args['metadataPrefix']!r} is not a valid prefix")
    if "set" in args and args["set"] and not _SET_SPEC.match(args["set"]):
        problems.append(f"set {args['set']!r} is not a valid setSpec")
    try:
        window(args.get("from"), args.get("until"))
    except OAIError as exc:
        problems.append(exc.message)
    if problems:
        raise BadArgument("; ".join(dict.fromkeys(problems)))
    return Request(verb, args)


def window(start: str | None, end: str | None) -> tuple[str | None, str | None]:
    """``from`` and ``until`` as second-granularity UTC datestamps, both bounds inclusive."""
    if start is not None and start.strip() and end is not None and end.strip():
        if bool(_DAY.match(start)) != bool(_DAY.match(end)):
            raise BadArgument("from and until must have the same granularity")
    low = _datestamp(start, "from", end_of_day=False) if start and start.strip() else None
    high = _datestamp(end, "until", end_of_day=True) if end and end.strip() else None
    if low and high and low > high:
        raise BadArgument("from is later than until")
    return low, high


def _datestamp(text: str, name: str, *, end_of_day: bool) -> str:
    if _DAY.match(text):
        text += "T23:59:59Z" if end_of_day else "T00:00:00Z"
    elif not _SECOND.match(text):
        raise BadArgument(f"{name} {text!r} is neither YYYY-MM-DD nor YYYY-MM-DDThh:mm:ssZ")
    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise BadArgument(f"{name} {text!r} is not a date") from None
    return text
