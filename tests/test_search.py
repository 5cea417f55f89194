"""Search over HTTP on the demo hub: six languages, identifiers first, facets equal to SPARQL counts, paging,
errors; and the index kept level with the catalog."""

from __future__ import annotations

import random
import re
import sqlite3
from collections.abc import Iterator

import pytest
import requests

from mcep_ld.hub import Hub
from mcep_ld.search.text import fts_query, identifier_key, index_text, words
from tests.conftest import demo_copy, make_settings, mcep, running_service

BASE = "http://localhost:8000/"
STORAGE = f"{BASE}id/decision/mc-2-3"  # "Interim storage of mercury…", titled in the six languages
MCEP = "https://w3id.org/mcep/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCAT = "http://www.w3.org/ns/dcat#"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, demo_template) -> Iterator[str]:  # noqa: ANN001
    data = demo_copy(demo_template, tmp_path_factory, "search")
    with running_service(data) as url:
        yield url


def search(url: str, **params: object) -> dict:
    resp = requests.get(f"{url}/api/search", params=params, timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()


def sparql_count(url: str, where: str) -> int:
    query = f"SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {where} FILTER(CONTAINS(STR(?s), \"/id/\")) }}"
    resp = requests.get(f"{url}/sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"},
                        timeout=10)
    return int(resp.json()["results"]["bindings"][0]["n"]["value"])


@pytest.mark.parametrize("lang, words", [("en", "interim storage"), ("fr", "stockage provisoire"),
                                         ("es", "almacenamiento provisional"), ("ru", "временное хранение"),
                                         ("ar", "التخزين المؤقت"), ("zh", "临时储存")])
def test_each_language_finds_the_record_by_its_title(service: str, lang: str, words: str) -> None:
    hits = {h["iri"]: h for h in search(service, q=words, lang=lang, page_size=3)["hits"]}
    assert STORAGE in hits, list(hits)
    assert hits[STORAGE]["title_lang"] == lang and words.split()[0][:2] in hits[STORAGE]["title"].lower()


def test_word_forms_meet_through_their_stems(service: str) -> None:
    """Another inflection of a title's word finds it: plural/singular, Russian case, Arabic article."""
    for query, lang in [("storages", "en"), ("хранения", "ru"), ("تخزين", "ar")]:
        assert STORAGE in [h["iri"] for h in search(service, q=query, page_size=50)["hits"]], (query, lang)


def test_the_pages_language_does_not_hide_words_in_another_script(service: str) -> None:
    """Regression: on the Arabic page (lang=ar), "stockages" (French, Latin letters) was left unstemmed and found
    nothing; the reader's language narrows stemming only among the languages written in the word's script."""
    everywhere = {h["iri"] for h in search(service, q="stockages", page_size=50)["hits"]}
    assert STORAGE in everywhere
    assert {h["iri"] for h in search(service, q="stockages", lang="ar", page_size=50)["hits"]} == everywhere
    page = requests.get(f"{service}/search", params={"q": "stockages", "lang": "ar"}, timeout=10)
    assert STORAGE.rsplit("/", 1)[-1] in page.text


def test_mercurio_finds_spanish_titles(service: str) -> None:
    hits = search(service, q="mercurio", lang="es", page_size=10)["hits"]
    assert hits and all("mercurio" in h["titles"].get("es", "").lower() for h in hits[:3])


@pytest.mark.parametrize("typed, iri", [("UNEP/MC/COP.3/7", "id/document/unep-mc-cop-3-7"),
                                        ("MC-2/3", "id/decision/mc-2-3"), ("mc-2/3", "id/decision/mc-2-3"),
                                        ("GEF-10148", "id/project/gef-10148"), ("10148", "id/project/gef-10148")])
def test_an_identifier_as_typed_comes_first(service: str, typed: str, iri: str) -> None:
    assert search(service, q=typed)["hits"][0]["iri"] == BASE + iri


def test_nothing_matches_gets_an_empty_answer(service: str) -> None:
    assert search(service, q="zzyzxqq")["total"] == 0
    assert search(service, q="***")["total"] == 0  # only punctuation: nothing to look for, not an error


FACET_SPARQL = {
    "country": lambda v: f"?s <{MCEP}country> <{v}> .",
    "theme": lambda v: f"?s <http://purl.org/dc/terms/subject> <{v}> .",
    "region": lambda v: f"{{ ?s <{MCEP}region> <{v}> }} UNION {{ ?s <{MCEP}country>|<{MCEP}region> ?c . "
                        f"?c <{SKOS}broader>+ <{v}> . <{v}> <{SKOS}broader> <{BASE}vocab/region/001> }}",
    "language": lambda v: f"{{ ?s <http://purl.org/dc/terms/title> ?t FILTER(LANG(?t) = \"{v}\") }} UNION "
                          f"{{ ?s (<{DCAT}distribution>?)/<http://purl.org/dc/terms/language> "
                          f"<{BASE}vocab/language/{v}> }} FILTER NOT EXISTS {{ ?record <{DCAT}distribution> ?s }}",
}


@pytest.mark.parametrize("facet", sorted(FACET_SPARQL))
def test_facet_counts_equal_sparql_counts(service: str, facet: str) -> None:
    facets = search(service, page_size=1)["facets"][facet]
    assert facets, f"the demo has no {facet} values"
    for entry in facets:
        assert entry["count"] == sparql_count(service, FACET_SPARQL[facet](entry["value"])), entry


def test_facet_counts_under_a_filter_equal_sparql_counts(service: str) -> None:
    africa = f"{BASE}vocab/region/002"
    found = search(service, region=africa, page_size=1)
    assert found["total"] == sparql_count(service, FACET_SPARQL["region"](africa))
    for entry in found["facets"]["country"]:
        where = FACET_SPARQL["country"](entry["value"]) + FACET_SPARQL["region"](africa)
        assert entry["count"] == sparql_count(service, where), entry
    # two values of a facet are either; two facets are both
    both = search(service, country=[f"{BASE}vocab/country/GH", f"{BASE}vocab/country/BF"], page_size=1)
    each = [search(service, country=f"{BASE}vocab/country/{c}", page_size=1)["total"] for c in ("GH", "BF")]
    assert both["total"] == sum(each) > 0
    narrowed = search(service, country=f"{BASE}vocab/country/GH", kind="project", page_size=1)
    ghana_projects = f"?s <{MCEP}country> <{BASE}vocab/country/GH> ; a <{MCEP}Project> ."
    assert narrowed["total"] == sparql_count(service, ghana_projects)
    assert narrowed["total"] > 0 and [f["value"] for f in narrowed["facets"]["kind"]] == ["project"]


def test_paging_walks_every_record_once(service: str) -> None:
    first = search(service, q="mercury", page_size=7)
    seen = []
    for page in range(1, -(-first["total"] // 7) + 1):
        seen += [h["iri"] for h in search(service, q="mercury", page_size=7, page=page)["hits"]]
    assert len(seen) == len(set(seen)) == first["total"]


def test_bad_arguments_get_400(service: str) -> None:
    for params in ({"page": "0"}, {"page_size": "1000"}, {"page": "x"}):
        resp = requests.get(f"{service}/api/search", params=params, timeout=30)
        assert resp.status_code == 400 and "error" in resp.json()
        assert requests.get(f"{service}/search", params=params, timeout=30).status_code == 400


def test_search_page_in_french_and_chinese(service: str) -> None:
    fr = requests.get(f"{service}/search", params={"q": "mercure", "lang": "fr"}, timeout=30)
    assert fr.status_code == 200 and '<html lang="fr"' in fr.text
    assert "Stockage provisoire du mercure" in fr.text.split('class="results"')[1]
    zh = requests.get(f"{service}/search", params={"q": "汞", "lang": "zh"}, timeout=30)
    assert zh.status_code == 200 and '<html lang="zh"' in zh.text and "汞" in zh.text.split('class="results"')[1]


def test_landing_dashboard_and_concept_pages(service: str) -> None:
    landing = requests.get(f"{service}/", headers={"Accept-Language": "es"}, timeout=30)
    assert landing.status_code == 200 and '<html lang="es"' in landing.text and 'role="search"' in landing.text
    board = requests.get(f"{service}/dashboard", timeout=30).text
    assert board.count("<svg") >= 4 and "quarantine" in board.lower()
    france = requests.get(f"{service}/vocab/country/FR", params={"lang": "fr"}, headers={"Accept": "text/html"},
                          timeout=30).text
    assert "/id/national-report/" in france  # the records of France are listed on its page


def test_record_page_shows_provenance_and_schema_org(service: str) -> None:
    page = requests.get(STORAGE.replace("http://localhost:8000", service), params={"lang": "zh"},
                        headers={"Accept": "text/html"}, timeout=30).text
    assert "汞废物以外的汞的临时储存" in page.split("<h1")[1] and "informea" in page
    assert '"@context": "https://schema.org"' in page and "<time datetime=" in page
    # its meeting by the meeting's title, not its IRI; its files, one per language, not among related records
    assert ">Second meeting of the Conference of the Parties to the Minamata Convention on Mercury</a>" in page
    files = page.split("<h2>文件</h2>")[1].split("</section>")[0]
    assert files.count("<li>") == 6 and 'hreflang="ar"' in files and "(阿拉伯文)" in files
    assert "#file-" not in page.split("<h2>相关</h2>")[1].split("</section>")[0]


def test_fts_query_never_fails_whatever_is_typed(tmp_path) -> None:  # noqa: ANN001
    db = sqlite3.connect(tmp_path / "fts.sqlite")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='unicode61 remove_diacritics 2')")
    db.execute("INSERT INTO t VALUES ('mercury storage')")
    rng = random.Random(7)
    alphabet = 'ab "*()^:-+NEAROR{}汞ä\'\\/.,'
    for _ in range(2000):
        typed = "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 12)))
        if expression := fts_query(typed):
            db.execute("SELECT rowid FROM t WHERE t MATCH ?", (expression,)).fetchall()
    assert identifier_key("UNEP/MC/COP.5/19") == "unep-mc-cop-5-19"


@pytest.mark.parametrize("text, lang, typed", [
    ("Les émissions de mercure", "fr", "émission"),  # é: Latin-1
    ("Réduction des rejets", "fr", "réductions"),
    ("Évaluation de l'efficacité", "fr", "évaluations"),
    ("Ōtsuki emissions", "en", "ōtsuki"),  # Ō: Latin Extended-A
    ("Emisiones de mercurio", "es", "emisión"),
])
def test_words_beginning_with_an_accented_letter_meet_through_their_stems(text: str, lang: str, typed: str) -> None:
    """A word's script is read from its first letter: one in Latin-1 or Latin Extended (é, Ō) is Latin, so
    "émission" typed on the French page finds "émissions" as indexed in French."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize=\"unicode61 remove_diacritics 2 tokenchars '_'\")")
    db.execute("INSERT INTO t VALUES (?)", (index_text(text, lang),))  # as the hub's index (search/index.py)
    assert db.execute("SELECT rowid FROM t WHERE t MATCH ?", (fts_query(typed, (lang,)),)).fetchall() == [(1,)]


def test_index_follows_harvests_and_rebuilds(tmp_path_factory: pytest.TempPathFactory, demo_template) -> None:  # noqa: ANN001
    data = demo_copy(demo_template, tmp_path_factory, "search-sync")
    with Hub(make_settings(data)) as hub:
        total = hub.search.count()
        published = hub.catalog.db.execute("SELECT COUNT(DISTINCT iri) FROM records WHERE published=1 AND deleted=0"
                                           ).fetchone()[0]
        assert total == published > 0  # the demo's harvests indexed every published record
        gone = hub.catalog.db.execute("SELECT * FROM records WHERE kind='project' AND published=1 LIMIT 1").fetchone()
        hub.store.public.drop_graphs([gone["graph"]])
        hub.catalog.tombstone([gone["id"]], run_id=0)
        counts = hub.search.sync(hub)
        assert (counts.removed, counts.indexed) == (1, 0) and hub.search.count() == total - 1
        assert gone["iri"] not in set(hub.search.iris())
        assert hub.search.sync(hub).unchanged == total - 1  # level: nothing read again
    out = mcep("search-index", "--rebuild", "--data-dir", str(data), check=True)
    assert f"{total - 1} indexed" in out.stdout


def test_identifier_match_outranks_a_stronger_text_match(tmp_path) -> None:  # noqa: ANN001
    """BM25 alone would put the record whose title repeats the number first; the typed identifier wins."""
    from mcep_ld.search.documents import SearchDocument
    from mcep_ld.search.index import Entry, SearchIndex

    index = SearchIndex(tmp_path / "search.sqlite")
    wordy = SearchDocument(iri=f"{BASE}id/document/wordy", kind="document",
                           titles={"en": "10011 10011 10011 report"}, facets={"kind": {"document"}})
    project = SearchDocument(iri=f"{BASE}id/project/gef-10011", kind="project", identifiers=["GEF-10011"],
                             titles={"en": "A project on mercury in gold mining"}, facets={"kind": {"project"}})
    index.put_many([(Entry.of(wordy), "test"), (Entry.of(project), "test")])
    assert [h.iri for h in index.search("10011").hits] == [project.iri, wordy.iri]
    assert [h.iri for h in index.search("report").hits] == [wordy.iri]
    # a filter narrows identifier matches as it narrows word matches
    assert [h.iri for h in index.search("10011", filters={"kind": ["document"]}).hits] == [wordy.iri]
    assert [h.iri for h in index.search("10011", filters={"kind": ["project"]}).hits] == [project.iri]
    assert index.search("10011", filters={"kind": ["meeting"]}).total == 0


def test_past_rank_max_hits_identifiers_then_titles_then_newest(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """The order used for large match sets (BM25 skipped): identifier, title matches, the rest; newest first."""
    from mcep_ld.search import index as index_module
    from mcep_ld.search.documents import SearchDocument

    monkeypatch.setattr(index_module, "RANK_MAX_HITS", 0)
    index = index_module.SearchIndex(tmp_path / "search.sqlite")
    docs = [SearchDocument(iri=f"{BASE}id/document/old-title", kind="document", titles={"en": "Mercury 2001"},
                           facets={"year": {"2001"}}),
            SearchDocument(iri=f"{BASE}id/document/new-description", kind="document", titles={"en": "Gold"},
                           descriptions={"en": "on mercury"}, facets={"year": {"2024"}}),
            SearchDocument(iri=f"{BASE}id/document/new-title", kind="document", titles={"en": "Mercury 2020"},
                           facets={"year": {"2020"}}),
            SearchDocument(iri=f"{BASE}id/document/mercury", kind="document", titles={"en": "Annex"},
                           descriptions={"en": "mercury"}, facets={"year": {"1999"}})]
    index.put_many([(index_module.Entry.of(doc), "test") for doc in docs])
    found = index.search("mercury")
    assert [h.iri.rsplit("/", 1)[1] for h in found.hits] == ["mercury", "new-title", "old-title", "new-description"]
    assert found.facets["year"] == {"1999": 1, "2001": 1, "2020": 1, "2024": 1}


def test_words_split_cjk_characters_and_keep_other_words_whole() -> None:
    """words() is one regular expression; it must equal its definition: every CJK character spaced out, then
    runs of word characters (a CJK sign that is not a letter, such as ・, is no word)."""
    cjk = re.compile("([\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0002fa1f])")

    def defined(text: str) -> list[str]:
        return re.findall(r"\w+", cjk.sub(r" \1 ", text.casefold()))

    alphabet = [chr(c) for c in [*range(0x20, 0x250), *range(0x3000, 0x3100), *range(0x4e00, 0x4e40),
                                 *range(0x600, 0x660), 0x20000, 0x2FA1F, 0xAC00, 0xF900, 0x30FB]]
    rng = random.Random(7)
    for _ in range(5000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 30)))
        assert words(text) == defined(text), text
    assert words("汞排放・Émissions") == ["汞", "排", "放", "émissions"]


def test_facet_table_counts_and_pages_equal_a_plain_count_and_sort() -> None:
    """FacetTable reads ranges of pairs sorted by record, counts the rest of the index when a set is most of it,
    and sorts only a page's worth: each path must give what counting every pair and sorting everything gives."""
    import numpy as np

    from mcep_ld.search.index import FacetTable

    rng = np.random.default_rng(5)
    docs = np.sort(rng.choice(np.arange(1, 3000), size=2000, replace=False))
    values = [("theme", f"t{i}") for i in range(12)] + [("year", str(1990 + i)) for i in range(30)]
    pairs = [(d, v) for d in docs for v in rng.choice(len(values), size=rng.integers(0, 6), replace=False)]
    pair_doc = np.array([d for d, _ in pairs], np.int64)
    pair_value = np.array([v for _, v in pairs], np.int32)
    shuffle = rng.permutation(len(pairs))
    year = np.zeros(docs.max() + 1, np.int32)
    year[docs] = rng.choice([0, 1999, 2005, 2017, 2024], size=len(docs))
    table = FacetTable("1", values, pair_doc[shuffle], pair_value[shuffle], year, docs)
    for size in (0, 1, 50, 999, 1000, 1001, 1900, 2000):
        ids = np.sort(rng.choice(docs, size=size, replace=False))
        plain: dict[str, dict[str, int]] = {}
        chosen = set(ids.tolist())
        for d, v in pairs:
            if d in chosen:
                facet, value = values[v]
                plain.setdefault(facet, {})[value] = plain.setdefault(facet, {}).get(value, 0) + 1
        counted = {facet: found for facet, found in table.count(ids).items() if found}
        assert counted == plain, size
        tier = rng.integers(0, 3, size=size).astype(np.int8)
        everything = sorted(zip(tier.tolist(), (-year[ids]).tolist(), ids.tolist(), strict=True))
        for offset, limit in ((0, 20), (40, 20), (size - 5, 20)):
            offset = max(offset, 0)
            assert table.top(ids, tier, offset, limit) == [i for _, _, i in everything[offset:offset + limit]]
    assert [int(i) for i in table.newest] == [i for _, _, i in sorted(zip([0] * len(docs), (-year[docs]).tolist(),
                                                                          docs.tolist(), strict=True))]
