"""Pages from Jinja2 templates an operator can override: a base.html in templates_dir that extends the bundled
frame puts the Convention's banner on every page; a page's own template replaced; a static_dir file wins over
the bundled one of the same path while the others are still served. Without the settings, the bundled look."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest
import requests

from tests.conftest import demo_copy, running_service

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
    (static / "hub.css").write_text("/* the Convention's stylesheet */ body { font-family: serif; }\n")
    (static / "convention-logo.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (static / "convention.css").write_text(".convention-banner { background: #004f71; }\n")
    return templates, static


def test_an_operators_templates_and_static_files_win(tmp_path_factory: pytest.TempPathFactory, demo_template: Path,
                                                     look: tuple[Path, Path]) -> None:
    templates, static = look
    env = {"MCEP_TEMPLATES_DIR": str(templates), "MCEP_STATIC_DIR": str(static)}
    with running_service(demo_copy(demo_template, tmp_path_factory, "look"), env=env) as site:
        for path in ("/?lang=ar", "/id/decision/mc-2-4", "/dashboard?lang=fr", "/sparql"):
            page = requests.get(f"{site}{path}", headers={"Accept": "text/html"}, timeout=30)
            doc = lxml.html.fromstring(page.content)
            assert doc.xpath("//header/div[@class='convention-banner']/img/@src") == ["/static/convention-logo.svg"]
            assert doc.xpath("//header//nav[@class='languages']")  # the bundled header is still there
            assert "/static/convention.css" in doc.xpath("//head/link/@href"), path
        downloads = lxml.html.fromstring(requests.get(f"{site}/dumps/?lang=fr", timeout=30).content)
        assert "Téléchargements" in downloads.xpath("string(//p[@id='ours'])")
        assert requests.get(f"{site}/static/hub.css", timeout=30).text.startswith("/* the Convention's")
        assert requests.get(f"{site}/static/convention-logo.svg", timeout=30).status_code == 200
        assert requests.get(f"{site}/static/favicon.svg", timeout=30).status_code == 200  # still the bundled one
        assert requests.get(f"{site}/static/yasgui/yasgui.min.js", timeout=30).status_code == 200


def test_without_them_the_bundled_look(tmp_path_factory: pytest.TempPathFactory, demo_template: Path) -> None:
    with running_service(demo_copy(demo_template, tmp_path_factory, "bundled-look")) as site:
        doc = lxml.html.fromstring(requests.get(f"{site}/dumps/", timeout=30).content)
        assert not doc.xpath("//div[@class='convention-banner']")
        assert [a.text for a in doc.xpath("//table//th/a")][0] == "all.nq.gz"
        assert "font-family: serif" not in requests.get(f"{site}/static/hub.css", timeout=30).text
