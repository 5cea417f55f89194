"""Pages from Jinja2 templates an operator can override: a base.html in templates_dir that extends the bundled
frame puts the Convention's banner on every page; a page's own template replaced; a static_dir file wins over
the bundled one of the same path while the others are still served. Without the settings, the bundled look."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
import requests

from tests.conftest import demo_copy, running_service

#: Every kind of HTML page the hub serves: each must come from the operator's frame.
PAGES = ("/?lang=ar", "/search?q=mercury", "/id/decision/mc-2-4", "/dashboard?lang=fr", "/sparql", "/dumps/",
         "/sparql?format=html&query=SELECT%20*%20%7B%20%3Fs%20%3Fp%20%3Fo%20%7D%20LIMIT%201",
         "/vocab", "/vocab/theme", "/vocab/theme/art-17", "/vocab/country/GH", "/vocab/product/thermometers",
         "/insights", "/insights/17-1?lang=ar", "/admin/usage")
BANNER = '<div class="convention-banner"><img src="/static/convention-logo.svg" alt="Minamata Convention"></div>'


@pytest.fixture(scope="module")
def look(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("look")
    templates, static = root / "templates", root / "static"
    templates.mkdir()
    static.mkdir()
    (templates / "base.html").write_text(
        '{% extends "bundled/base.html" %}{% block header %}' + BANNER + "{{ super() }}{% endblock %}"
        '{% block head %}<link rel="stylesheet" href="/static/convention.css">{{ super() }}{% endblock %}',
        encoding="utf-8")
    (templates / "downloads.html").write_text(
        '{% extends "base.html" %}{% block content %}<h1>{{ title }}</h1><p id="ours">{{ parts|length }} files, '
        '{{ _("downloads") }}</p>{% endblock %}', encoding="utf-8")
    (templates / "concept.html").write_text(  # a concept's own page, and the country and product pages extend it
        '{% extends "bundled/concept.html" %}{% block content %}{{ super() }}<p id="curators">{{ _("vocabularies") }}'
        "</p>{% endblock %}", encoding="utf-8")
    (static / "hub.css").write_text("/* the Convention's stylesheet */ body { font-family: serif; }\n")
    (static / "convention-logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (static / "convention.css").write_text(".convention-banner { background: #004f71; }\n")
    return templates, static


def test_an_operators_templates_and_static_files_win(tmp_path_factory: pytest.TempPathFactory, demo_template: Path,
                                                     look: tuple[Path, Path]) -> None:
    templates, static = look
    env = {"MCEP_TEMPLATES_DIR": str(templates), "MCEP_STATIC_DIR": str(static)}
    data = demo_copy(demo_template, tmp_path_factory, "look")
    with running_service(data, env=env) as site:
        token = (data / "admin-token").read_text().strip()
        for path in PAGES:
            page = requests.get(f"{site}{path}", headers={"Accept": "text/html", "Authorization": f"Bearer {token}"},
                                timeout=30)
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html"), path
            doc = lxml.html.fromstring(page.content)
            assert doc.xpath("//header/div[@class='convention-banner']/img/@src") == ["/static/convention-logo.svg"]
            assert doc.xpath("//header//nav[@class='languages']")  # the bundled header is still there
            assert "/static/convention.css" in doc.xpath("//head/link/@href"), path
        for path in ("/vocab/theme/art-17?lang=es", "/vocab/country/GH?lang=es", "/vocab/product/thermometers?lang=es"):
            doc = lxml.html.fromstring(requests.get(f"{site}{path}", headers={"Accept": "text/html"},
                                                    timeout=30).content)
            assert doc.xpath("string(//p[@id='curators'])") == "Vocabularios", path
            assert doc.xpath("//main//section"), path  # and the bundled sections below
        downloads = lxml.html.fromstring(requests.get(f"{site}/dumps/?lang=fr", timeout=30).content)
        assert "Téléchargements" in downloads.xpath("string(//p[@id='ours'])")
        assert requests.get(f"{site}/static/hub.css", timeout=30).text.startswith("/* the Convention's")
        assert requests.get(f"{site}/static/convention-logo.svg", timeout=30).status_code == 200
        assert requests.get(f"{site}/static/favicon.svg", timeout=30).status_code == 200  # still the bundled one
        assert requests.get(f"{site}/static/yasgui/yasgui.min.js", timeout=30).status_code == 200


@pytest.fixture(scope="module")
def bundled(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> Iterator[str]:
    with running_service(demo_copy(demo_template, tmp_path_factory, "bundled-look")) as site:
        yield site


def test_without_them_the_bundled_look(bundled: str) -> None:
    doc = lxml.html.fromstring(requests.get(f"{bundled}/dumps/", timeout=30).content)
    assert not doc.xpath("//div[@class='convention-banner']")
    assert [a.text for a in doc.xpath("//table//th/a")][0] == "all.nq.gz"
    assert "font-family: serif" not in requests.get(f"{bundled}/static/hub.css", timeout=30).text


def test_sparql_results_in_the_frame_and_the_readers_language(bundled: str) -> None:
    select = ("SELECT ?s ?label { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?label "
              "FILTER(lang(?label) = 'ar') } LIMIT 3")
    page = requests.get(f"{bundled}/sparql", params={"query": select, "format": "html", "lang": "ar"}, timeout=30)
    doc = lxml.html.fromstring(page.content)
    assert doc.get("lang") == "ar" and doc.get("dir") == "rtl"
    assert doc.findtext(".//h1") == "النتائج" and doc.xpath("//header//nav")  # the site's frame
    assert doc.xpath("//thead//th//text()") == ["?s", "?label"]
    assert len(doc.xpath("//tbody/tr")) == 3 and "3 صفوف" in doc.xpath("string(//p[@role='status'])")
    assert all(span.get("lang") is None for span in doc.xpath("//tbody//span"))  # Arabic labels on an Arabic page
    assert doc.xpath("//tbody/tr[1]/td[1]/a/@href")[0].startswith("http")
    back = doc.xpath("//main//a[starts-with(@href, '/sparql?')]/@href")
    assert back and "query=SELECT" in back[0] and "lang=ar" in back[0]
    ask = requests.get(f"{bundled}/sparql", params={"query": "ASK { ?s ?p ?o }", "format": "html", "lang": "fr"},
                       timeout=30)
    assert lxml.html.fromstring(ask.content).xpath("string(//main/p[1])") == "Oui"


#: Words a template may hold as written: names of standards and formats, the same in every language, and the
#: label of the feedback form's hidden trap field (never shown).
NAMES = {"CONSTRUCT", "CSV", "DCAT", "DESCRIBE", "JSON", "OAI-PMH", "OData", "SPARQL", "Turtle", "VoID", "ms",
         "Website", "informea", "oai", "sparql", "svc"}


def test_templates_hold_no_words_of_their_own() -> None:
    """Every interface word comes from the messages in the reader's language (``{{ _("key") }}``): text written
    into a bundled template would be English on the Arabic page."""
    from mcep_ld.serve.web.templating import BUNDLED_TEMPLATES

    for path in sorted(BUNDLED_TEMPLATES.glob("*.html")):
        text = re.sub(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", " ", path.read_text(encoding="utf-8"), flags=re.S)
        words = set(re.findall(r"[^\W\d_][\w-]+", re.sub(r"<[^>]*>", " ", text)))
        assert words <= NAMES, (path.name, sorted(words - NAMES))
