"""The deployment of ``deploy/``, run for real: the service the systemd unit describes (its ExecStart and
Environment, with the example settings) behind the nginx site from Debian's nginx, under a path prefix.
Pages, links, OAI-PMH (sickle), SPARQL (SPARQLWrapper), dumps and content negotiation all go through nginx.

Skipped, saying why, where nginx is not installed (``.ci/run`` installs it with apt-get), unless
``REQUIRE_NGINX=1``.
"""

from __future__ import annotations

import configparser
import gzip
import os
import re
import shlex
import shutil
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sickle import Sickle
from SPARQLWrapper import JSON, SPARQLWrapper

from tests.conftest import PROJECT_ROOT, free_port, mcep

DEPLOY = PROJECT_ROOT / "deploy"
NGINX = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)

pytestmark = pytest.mark.skipif(
    NGINX is None and os.environ.get("REQUIRE_NGINX") != "1",
    reason="nginx is not installed (apt-get install nginx-light; .ci/run does)")


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read(DEPLOY / "mcep-ld.service")
    return parser


def start_nginx(folder: Path, port: int, upstream: int) -> subprocess.Popen:
    """nginx with the deploy site, its listen address and upstream port replaced; logs in *folder*."""
    site = (DEPLOY / "nginx-mcep-ld.conf").read_text()
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};").replace("server 127.0.0.1:8000;",
                                                                          f"server 127.0.0.1:{upstream};")
    (folder / "site.conf").write_text(site)
    user = f"user {os.environ.get('USER', 'root')};" if os.geteuid() == 0 else ""
    (folder / "nginx.conf").write_text(f"""
        daemon off; worker_processes 1; {user}
        pid {folder}/nginx.pid; error_log {folder}/error.log warn;
        events {{ worker_connections 256; }}
        http {{
            access_log {folder}/access.log;
            client_body_temp_path {folder}/body; proxy_temp_path {folder}/proxy;
            fastcgi_temp_path {folder}/fastcgi; uwsgi_temp_path {folder}/uwsgi; scgi_temp_path {folder}/scgi;
            include {folder}/site.conf;
        }}""")
    assert NGINX, "nginx is not installed (REQUIRE_NGINX=1)"
    proc = subprocess.Popen([NGINX, "-p", str(folder), "-c", str(folder / "nginx.conf")], stderr=subprocess.PIPE)
    return proc


def wait_for(url: str, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"{what} exited {proc.returncode}")
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what} did not answer at {url}")


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The public base URL (``http://127.0.0.1:{nginx}/mcep/``) of the hub behind nginx."""
    folder = tmp_path_factory.mktemp("deploy")
    front, back = free_port(), free_port()
    base = f"http://127.0.0.1:{front}/mcep/"
    settings = tomllib.loads((DEPLOY / "mcep.toml").read_text())
    config = (DEPLOY / "mcep.toml").read_text().replace(settings["base_uri"], base)
    config = config.replace(settings["data_dir"], str(folder / "data"))
    config = config.replace(f"http_port = {settings['http_port']}", f"http_port = {back}")
    (folder / "mcep.toml").write_text(config)
    # the data minted under the public base, as a deployment's first harvests would
    mcep("demo", "--no-serve", "--config", str(folder / "mcep.toml"), check=True, timeout=300)
    service = unit()["Service"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("MCEP_")}
    for assignment in service.get("Environment", "").split():
        name, _, value = assignment.partition("=")
        env[name] = str(folder / "mcep.toml") if name == "MCEP_CONFIG" else value
    command = shlex.split(service["ExecStart"])
    assert command[0].endswith("/mcep")
    hub = subprocess.Popen([sys.executable, "-m", "mcep_ld.cli", *command[1:]], env=env, cwd=folder,
                           stdout=subprocess.DEVNULL, stderr=(folder / "serve.log").open("w"))
    nginx = start_nginx(folder, front, back)
    try:
        wait_for(f"http://127.0.0.1:{back}/health", hub, "mcep serve")
        wait_for(f"{base}health", nginx, "nginx")
        yield base
    finally:
        nginx.terminate()
        hub.terminate()
        for proc in (nginx, hub):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_pages_and_their_links_work_through_the_prefix(deployed: str) -> None:
    landing = requests.get(deployed, timeout=10)
    assert landing.status_code == 200
    posted = set(re.findall(r'<form[^>]*method="post" action="([^"]+)"', landing.text))
    assert posted == {"/mcep/feedback"}  # the feedback form: posted through the prefix, thanked under it
    origin = deployed.split("/mcep/")[0]
    sent = requests.post(origin + "/mcep/feedback", data={"page": "/", "useful": "yes"}, allow_redirects=False,
                         timeout=10)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/mcep/feedback/thanks")
    assert requests.get(origin + sent.headers["location"], timeout=10).status_code == 200
    links = set(re.findall(r'(?:href|action)="([^"#]+)"', landing.text)) - posted
    local = [link for link in links if link.startswith("/")]
    assert local and all(link.startswith("/mcep/") for link in local), local
    for link in sorted(local)[:25]:
        assert requests.get(origin + link.replace("&amp;", "&"), timeout=10).status_code == 200, link
    search = requests.get(f"{deployed}search", params={"q": "mercury", "lang": "en"}, timeout=10).text
    record = next(link for link in re.findall(r'href="([^"]+)"', search) if "/id/" in link)
    assert record.startswith(deployed) or record.startswith("/mcep/id/")
    page = requests.get(origin + record if record.startswith("/") else record, headers={"Accept": "text/html"},
                        timeout=10)
    assert page.status_code == 200 and 'href="/mcep/static/hub.css"' in page.text
    assert requests.get(f"{deployed}static/hub.css", timeout=10).status_code == 200
    assert requests.get(deployed.rstrip("/"), timeout=10, allow_redirects=False).status_code == 301


def test_records_negotiate_and_name_the_public_context(deployed: str) -> None:
    iri = f"{deployed}id/decision/mc-5-2"
    turtle = requests.get(iri, headers={"Accept": "text/turtle"}, timeout=10)
    assert turtle.status_code == 200 and turtle.headers["content-type"].startswith("text/turtle")
    assert f"<{iri}>" in turtle.text or "mc-5-2" in turtle.text
    assert f'<{iri}.jsonld>; rel="alternate"' in turtle.headers["link"]
    document = requests.get(f"{iri}.jsonld", timeout=10).json()
    assert document["@context"] == f"{deployed}context.jsonld"
    assert requests.get(document["@context"], timeout=10).json()["@context"]
    revalidated = requests.get(iri, headers={"Accept": "text/turtle", "If-None-Match": turtle.headers["etag"]},
                               timeout=10)
    assert revalidated.status_code == 304


def test_oai_pmh_through_the_proxy_with_sickle(deployed: str) -> None:
    sickle = Sickle(f"{deployed}oai", max_retries=1)
    assert sickle.Identify().baseURL == f"{deployed}oai"
    headers = sickle.ListIdentifiers(metadataPrefix="oai_dc")
    assert len([h for _, h in zip(range(150), headers, strict=False)]) > 100  # past the first resumption token


def test_sparql_through_the_proxy_with_sparqlwrapper(deployed: str) -> None:
    client = SPARQLWrapper(f"{deployed}sparql")
    client.setQuery("SELECT (COUNT(*) AS ?n) WHERE { ?s a ?type }")
    client.setReturnFormat(JSON)
    n = int(client.query().convert()["results"]["bindings"][0]["n"]["value"])
    assert n > 100
    description = requests.get(f"{deployed}sparql", headers={"Accept": "text/turtle"}, timeout=10).text
    assert f"<{deployed}sparql>" in description


def test_dumps_download_and_resume_through_the_proxy(deployed: str) -> None:
    whole = requests.get(f"{deployed}dumps/all.nq.gz", timeout=30)
    assert whole.status_code == 200 and gzip.decompress(whole.content).count(b"\n") > 100
    tail = requests.get(f"{deployed}dumps/all.nq.gz", headers={"Range": "bytes=100-"}, timeout=30)
    assert tail.status_code == 206 and tail.content == whole.content[100:]
    catalog = requests.get(f"{deployed}catalog.nt", timeout=10).text
    assert f"<{deployed}dumps/all.nq.gz>" in catalog
