"""What is held back from the public store (publish/restricted.py), in isolation: fast enough for a mutation run.
End to end: test_pipeline.py and test_hostile_sources.py (never in the public store, no public validator moved),
test_web.py, test_oai_provider.py and test_odata_provider.py (in no answer)."""

from __future__ import annotations

from pathlib import Path

from mcep_ld.config import DEFAULT_RESTRICTED
from mcep_ld.publish.restricted import restricted_predicates, split, with_both_schemes
from tests.conftest import make_settings


def test_each_schema_org_term_is_held_under_both_schemes() -> None:
    held = with_both_schemes(["http://schema.org/email", "https://schema.org/telephone",
                              "http://xmlns.com/foaf/0.1/mbox"])
    assert held == {"http://schema.org/email", "https://schema.org/email", "http://schema.org/telephone",
                    "https://schema.org/telephone", "http://xmlns.com/foaf/0.1/mbox"}
    assert with_both_schemes([]) == frozenset()
    assert with_both_schemes(["https://example.org/schema.org/email"]) == {"https://example.org/schema.org/email"}


def test_the_default_holds_back_contact_details_in_every_common_vocabulary(tmp_path: Path) -> None:
    held = restricted_predicates(make_settings(tmp_path))
    assert set(DEFAULT_RESTRICTED) <= held
    for term in ("email", "telephone", "faxNumber", "address"):
        assert {f"http://schema.org/{term}", f"https://schema.org/{term}"} <= held
    assert "http://purl.org/dc/terms/title" not in held
    custom = restricted_predicates(make_settings(tmp_path, restricted_predicates=["https://schema.org/birthDate"]))
    assert custom == {"https://schema.org/birthDate", "http://schema.org/birthDate"}  # the setting replaces


def test_a_records_statements_split_in_their_order() -> None:
    email, title = "https://schema.org/email", "http://purl.org/dc/terms/title"
    statements = [(title, "<a> <t> \"A\""), (email, "<a> <e> \"x@y\""), (title, "<a> <t> \"B\""),
                  (email, "<a> <e> \"z@y\"")]
    public, held = split(statements, frozenset({email}))
    assert public == ["<a> <t> \"A\"", "<a> <t> \"B\""] and held == ["<a> <e> \"x@y\"", "<a> <e> \"z@y\""]
    assert split([], frozenset({email})) == ([], [])
    assert split(statements, frozenset()) == ([s for _, s in statements], [])
