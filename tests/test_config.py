"""Configuration: sources of values, clear errors, and documentation (README, docs/) that covers every key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mcep_ld.config import KEYS, SOURCE_KEYS, ConfigError, load_settings
from mcep_ld.resources import PROJECT_ROOT
from tests.conftest import mcep


def test_defaults() -> None:
    s = load_settings(environ={})
    assert s.data_dir == "./mcep-data"
    assert s.base_uri.endswith("/")
    assert s.language_fallback == ["en", "fr", "es", "ar", "ru", "zh"]
    assert s.source("informea")["treaties"] == ["minamata"]


def test_file_then_environment_then_overrides(tmp_path: Path) -> None:
    conf = tmp_path / "mcep.toml"
    conf.write_text('base_uri = "https://hub.example.org/"\nhttp_timeout_s = 5\n'
                    '[sources.informea]\nendpoint = "http://x/informea.svc"\npage_size_records = 50\n')
    s = load_settings(conf, environ={"MCEP_HTTP_TIMEOUT_S": "7.5",
                                     "MCEP_SOURCES_INFORMEA_TREATIES": "minamata,basel"},
                      overrides={"data_dir": "/tmp/x"})
    assert s.base_uri == "https://hub.example.org/"
    assert s.http_timeout_s == 7.5
    assert s.data_dir == "/tmp/x"
    informea = s.source("informea")
    assert informea["endpoint"] == "http://x/informea.svc"
    assert informea["page_size_records"] == 50
    assert informea["treaties"] == ["minamata", "basel"]


@pytest.mark.parametrize("text, key", [
    ('http_timeout_s = "soon"', "http_timeout_s"),
    ('base_uri = "http://no-slash"', "base_uri"),
    ('colour = "blue"', "colour"),
    ('[sources.informea]\npage_size = 3', "sources.informea.page_size"),
    ("harvest_batch_records = 0", "harvest_batch_records"),
    ('[sources.hub]\nendpoint = "http://x"', "sources.hub"),  # graph/hub/… holds the harvest runs
    ('[sources.WeDocs]\nharvester = "oai"', "sources.WeDocs"),
])
def test_bad_values_name_the_key(tmp_path: Path, text: str, key: str) -> None:
    conf = tmp_path / "mcep.toml"
    conf.write_text(text + "\n")
    with pytest.raises(ConfigError, match=re.escape(key)):
        load_settings(conf, environ={})


def test_bad_environment_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="MCEP_HTTP_RETRIES"):
        load_settings(environ={"MCEP_HTTP_RETRIES": "many"})


def test_cli_refuses_a_reserved_source_name(tmp_path: Path) -> None:
    proc = mcep("harvest", "oai", "--name", "vocab", "--endpoint", "http://127.0.0.1:9/oai",
                "--data-dir", str(tmp_path / "d"))
    assert proc.returncode == 2 and "reserved" in proc.stderr and "Traceback" not in proc.stderr


def test_cli_reports_bad_configuration_without_traceback(tmp_path: Path) -> None:
    conf = tmp_path / "mcep.toml"
    conf.write_text("http_port = 'eighty'\n")
    proc = mcep("status", "--config", str(conf), "--data-dir", str(tmp_path / "d"))
    assert proc.returncode == 2
    assert "http_port" in proc.stderr
    assert "Traceback" not in proc.stderr


DOCS = PROJECT_ROOT / "docs"


def test_every_setting_is_documented() -> None:
    """Every key has its row in docs/settings.md, and every row there is a key (a renamed one is caught)."""
    reference = (DOCS / "settings.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([A-Za-z_.]+)` \|", reference, flags=re.MULTILINE))
    keys = set(KEYS) | {f"sources.NAME.{k}" for k in SOURCE_KEYS}
    assert not keys - documented, f"keys missing from docs/settings.md: {sorted(keys - documented)}"
    assert not documented - keys, f"docs/settings.md documents keys that do not exist: {sorted(documented - keys)}"


def test_every_template_an_operator_can_override_is_documented() -> None:
    """An operator learns from docs/settings.md which templates there are to override: every bundled one is named."""
    from mcep_ld.serve.web.templating import BUNDLED_TEMPLATES

    row = next(line for line in (DOCS / "settings.md").read_text(encoding="utf-8").splitlines()
               if line.startswith("| `templates_dir` |"))
    named = set(re.findall(r"`([a-z_]+\.html)`", row))
    bundled = {path.name for path in BUNDLED_TEMPLATES.glob("*.html")}
    assert bundled - named == set(), "templates missing from docs/settings.md"
    assert named - bundled == set(), "docs/settings.md names templates that do not exist"


def test_readme_documents_every_command() -> None:
    from mcep_ld.cli import build_parser

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    missing = [name for name in sub.choices if f"mcep {name}" not in readme]
    for name, parser in sub.choices.items():  # and the actions of grouped commands (mcep vocab check…)
        actions = next((a for a in parser._actions if a.dest == f"{name}_command"), None)
        missing += [f"{name} {action}" for action in (actions.choices if actions else ())
                    if f"mcep {name} {action}" not in readme]
    assert not missing, f"commands missing from the README: {missing}"


def test_readme_documents_every_route() -> None:
    """Every path the service answers has its row in docs/routes.md."""
    from mcep_ld.serve.web.app import create_app

    def paths_of(routes: list) -> set[str]:  # included routers are wrapped (FastAPI ≥ 0.16x)
        inner = (getattr(getattr(r, "original_router", r), "routes", None) for r in routes)
        return {r.path for r in routes if hasattr(r, "path")} | {p for sub in inner if sub for p in paths_of(sub)}

    paths = paths_of(create_app(load_settings(environ={})).routes) - {"/docs/oauth2-redirect"}
    assert {"/sparql", "/oai", "/id/{kind}/{key}", "/void", "/docs"} <= paths
    reference = (DOCS / "routes.md").read_text(encoding="utf-8")
    rows = [line for line in reference.splitlines() if line.startswith("| `")]
    missing = [p for p in paths
               if not any(re.search(re.escape(p) + r"(?![\w/{.-])", row.split("|")[1]) for row in rows)]
    assert not missing, f"routes missing from docs/routes.md: {missing}"


def test_the_readme_is_read_in_five_minutes() -> None:
    """Short: under 1,500 words, short lines and cells; the details in docs/, every link to them alive."""
    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert len(readme.split()) < 1500
    assert [line for line in readme.splitlines() if len(line) > 200] == []
    links = re.findall(r"\]\(([^)#]+)\)", readme)
    assert {"docs/settings.md", "docs/routes.md", "docs/commands.md", "docs/data-model.md"} <= set(links)
    assert [link for link in links if not (PROJECT_ROOT / link).is_file()] == []


def test_an_unset_base_uri_follows_the_data_directory_then_the_address(tmp_path: Path) -> None:
    fresh = load_settings(environ={}, overrides={"data_dir": str(tmp_path / "a"), "http_port": 8123})
    assert fresh.base_uri == fresh.public_url == "http://localhost:8123/" and fresh.root_path == ""
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "base-uri.txt").write_text("http://localhost:8000/\n")
    kept = load_settings(environ={}, overrides={"data_dir": str(tmp_path / "b"), "http_port": 8123})
    assert kept.base_uri == "http://localhost:8000/" and kept.public_url == "http://localhost:8123/"
    wide = load_settings(environ={}, overrides={"data_dir": str(tmp_path / "a"), "http_host": "192.0.2.7"})
    assert wide.public_url == "http://192.0.2.7:8000/"


def test_a_set_base_uri_is_the_address_and_its_path_the_root(tmp_path: Path) -> None:
    s = load_settings(environ={"MCEP_BASE_URI": "https://example.org/mcep/"}, overrides={"data_dir": str(tmp_path)})
    assert s.base_uri == s.public_url == "https://example.org/mcep/" and s.root_path == "/mcep"
    s = load_settings(environ={"MCEP_BASE_URI": "https://example.org/mcep/", "MCEP_ROOT_PATH": "/"},
                      overrides={"data_dir": str(tmp_path)})
    assert s.root_path == ""


def test_harvest_all_leaves_the_cbd_clearing_house_off_unless_turned_on() -> None:
    """It holds every CBD decision, meeting and focal point: off by default (issue 20, item 6)."""
    from mcep_ld.config import harvested_by_all

    names = harvested_by_all(load_settings(environ={}))
    assert "cbd" not in names and {"informea", "convention"} <= set(names)
    assert "cbd" in harvested_by_all(load_settings(environ={"MCEP_SOURCES_CBD_ENABLED": "true"}))
