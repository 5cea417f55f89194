"""Sources that answer wrongly as a whole (issue 14, rows 7 and 13): a page cut short, an empty or truncated
export, an error page in place of the protocol. Nothing published is lost: the run fails with a clear
message and deletes nothing, unless the operator allows it; damage inside one record quarantines that one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from mcep_ld.harvesters.gef import GEFHarvester
from mcep_ld.harvesters.oai import OAIHarvester

from mcep_ld.fetch.http import HttpClient
from mcep_ld.fetch.sample_server import Fault, SampleServer
from mcep_ld.hub import Hub
from mcep_ld.ingest.pipeline import Pipeline, RunResult
from tests.conftest import answering, make_settings, mcep

OAI = "http://www.openarchives.org/OAI/2.0/"


def gef(hub: Hub, server: SampleServer, **kw: bool) -> RunResult:
    h = GEFHarvester(endpoint=server.file_url("gef/projects.csv"), settings=hub.settings,
                     client=HttpClient.from_settings(hub.settings))
    return Pipeline(hub).harvest(h, **kw)


def oai(hub: Hub, endpoint: str, **kw: bool) -> RunResult:
    h = OAIHarvester(endpoint=endpoint, settings=hub.settings, client=HttpClient.from_settings(hub.settings))
    return Pipeline(hub).harvest(h, **kw)


def live(hub: Hub, source: str) -> int:
    return hub.catalog.live_count(source)


def test_a_truncated_export_deletes_nothing(tmp_path: Path, samples: Path) -> None:
    export = samples / "gef" / "projects.csv"
    with SampleServer(samples) as server, Hub(make_settings(tmp_path / "data")) as hub:
        assert gef(hub, server).ok
        before = live(hub, "gef")
        lines = export.read_text(encoding="utf-8").splitlines()
        export.write_text("\n".join(lines[: len(lines) // 2]) + "\n", encoding="utf-8")
        result = gef(hub, server)
        assert not result.ok and "max_delete_fraction" in result.error and "nothing was deleted" in result.error
        assert live(hub, "gef") == before and result.counters.deleted == 0
        allowed = gef(hub, server, allow_deletions=True)
        assert allowed.ok and allowed.counters.deleted > 0


def test_a_header_only_export_deletes_nothing(tmp_path: Path, samples: Path) -> None:
    export = samples / "gef" / "projects.csv"
    with SampleServer(samples) as server, Hub(make_settings(tmp_path / "data")) as hub:
        assert gef(hub, server).ok
        before = live(hub, "gef")
        export.write_text(export.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
        result = gef(hub, server)
        assert not result.ok and f"none of the {before} live records" in result.error
        assert live(hub, "gef") == before


def test_no_records_match_on_a_full_run_deletes_nothing(tmp_path: Path, samples: Path) -> None:
    """noRecordsMatch is an empty listing: after a --full run it would have tombstoned every record."""
    records = samples / "oai" / "records.xml"
    with SampleServer(samples) as server, Hub(make_settings(tmp_path / "data")) as hub:
        assert oai(hub, server.oai_endpoint).ok
        before = live(hub, "oai")
        text = records.read_text(encoding="utf-8")
        records.write_text(text[: text.index("<record>")] + "</records>\n", encoding="utf-8")
        result = oai(hub, server.oai_endpoint, full=True)
        assert not result.ok and "none of the" in result.error
        assert live(hub, "oai") == before


def test_a_page_cut_short_is_asked_again(tmp_path: Path, samples: Path) -> None:
    with SampleServer(samples) as server, Hub(make_settings(tmp_path / "data")) as hub:
        server.faults.append(Fault("resumptionToken", truncate=True))
        result = oai(hub, server.oai_endpoint)
        c = result.counters  # every record, none lost to the cut page (as in a run without the fault)
        assert result.ok and (c.seen, c.added, c.quarantined) == (15, 14, 1)


def test_pages_that_stay_cut_short_fail_the_run_and_delete_nothing(tmp_path: Path, samples: Path) -> None:
    with SampleServer(samples) as server, Hub(make_settings(tmp_path / "data")) as hub:
        assert oai(hub, server.oai_endpoint).ok
        before = live(hub, "oai")
        server.faults.extend([Fault("resumptionToken", truncate=True)] * 5)
        result = oai(hub, server.oai_endpoint, full=True)
        assert not result.ok and "not well-formed XML" in result.error
        assert live(hub, "oai") == before


def test_an_html_page_is_no_oai_answer(tmp_path: Path, samples: Path) -> None:
    with SampleServer(samples) as server, Hub(make_settings(tmp_path / "data")) as hub:
        assert oai(hub, server.oai_endpoint).ok
        before = live(hub, "oai")
        server.faults.extend([Fault("/oai/request", html=True)] * 5)
        result = oai(hub, server.oai_endpoint, full=True)
        assert not result.ok and "not an OAI-PMH answer" in result.error
        assert live(hub, "oai") == before


def test_the_command_line_says_why_and_exits_1(tmp_path: Path, samples: Path) -> None:
    export = samples / "gef" / "projects.csv"
    data = str(tmp_path / "data")
    with SampleServer(samples) as server:
        url = server.file_url("gef/projects.csv")
        mcep("harvest", "gef", "--endpoint", url, "--data-dir", data, check=True)
        export.write_text(export.read_text(encoding="utf-8").splitlines()[0] + "\n", encoding="utf-8")
        refused = mcep("harvest", "gef", "--endpoint", url, "--data-dir", data)
        assert refused.returncode == 1 and "--allow-deletions" in refused.stderr
        allowed = mcep("harvest", "gef", "--endpoint", url, "--data-dir", data, "--allow-deletions")
        assert allowed.returncode == 0 and "deleted 0" not in allowed.stdout


# -- damage inside one record ---------------------------------------------------------------------

def _record(n: int, title: str) -> str:
    return (f"<record><header><identifier>oai:bad.example:{n}</identifier><datestamp>2024-01-0{n}</datestamp>"
            f"</header><metadata><oai_dc:dc><dc:title>{title}</dc:title><dc:date>2024</dc:date></oai_dc:dc>"
            "</metadata></record>")


BOMB = ('<!DOCTYPE OAI-PMH [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>')
PAGE = ('<?xml version="1.0" encoding="UTF-8"?>' + BOMB
        + f'<OAI-PMH xmlns="{OAI}" xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
          'xmlns:dc="http://purl.org/dc/elements/1.1/"><responseDate>2024-01-01T00:00:00Z</responseDate>'
          '<request verb="ListRecords">http://x/oai</request><ListRecords>'
        + _record(1, "A sound record")
        + _record(2, "&lol3;")
        + _record(3, "Deep " + "<dc:x>" * 300 + "down" + "</dc:x>" * 300)
        + _record(4, "Another sound record")
        + "</ListRecords></OAI-PMH>")
IDENTIFY = (f'<?xml version="1.0"?><OAI-PMH xmlns="{OAI}"><responseDate>2024-01-01T00:00:00Z</responseDate>'
            '<request verb="Identify">http://x/oai</request><Identify><repositoryName>bad</repositoryName>'
            '<baseURL>http://x/oai</baseURL><protocolVersion>2.0</protocolVersion><adminEmail>a@b.c</adminEmail>'
            '<earliestDatestamp>2024-01-01</earliestDatestamp><deletedRecord>no</deletedRecord>'
            '<granularity>YYYY-MM-DD</granularity></Identify></OAI-PMH>')


@pytest.fixture
def hostile_repository() -> Iterator[str]:
    answer = lambda path: (IDENTIFY if "Identify" in path else PAGE).encode()  # noqa: E731
    with answering(answer, "text/xml; charset=utf-8") as url:
        yield f"{url}/oai"


def test_an_entity_bomb_or_deep_nesting_quarantines_its_record_only(tmp_path: Path, hostile_repository: str) -> None:
    with Hub(make_settings(tmp_path / "data")) as hub:
        result = oai(hub, hostile_repository)
        assert result.ok, result.error
        assert (result.counters.added, result.counters.quarantined) == (2, 2)
        quarantined = {q["source_key"] for q in hub.catalog.quarantine("oai")}
        assert quarantined == {"oai:bad.example:2", "oai:bad.example:3"}
        titles = {r[0].value for r in hub.store.public.query(
            "SELECT ?t WHERE { ?s <http://purl.org/dc/terms/title> ?t }")}
        assert not any("lol" in t for t in titles) and "A sound record" in titles
