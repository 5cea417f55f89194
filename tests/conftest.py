"""Shared fixtures: a real sample server on 127.0.0.1, settings on a temporary data directory, a hub."""

from __future__ import annotations

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import rdflib
import requests

from mcep_ld.config import Settings, load_settings
from mcep_ld.fetch.sample_server import SampleServer
from mcep_ld.hub import Hub
from mcep_ld.resources import PROJECT_ROOT, SAMPLES_DIR
from mcep_ld.store.remote import RemoteStore

SHARED = PROJECT_ROOT.parent / "shared"


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    """A private copy of the bundled samples (a folder per source), so a test may edit them."""
    folder = tmp_path / "samples"
    shutil.copytree(SAMPLES_DIR, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return folder


@pytest.fixture
def server(samples: Path) -> Iterator[SampleServer]:
    with SampleServer(samples) as srv:
        yield srv


def make_settings(data_dir: Path, **overrides: object) -> Settings:
    """Settings for tests: no config file, fast retries, no pacing."""
    values = {"data_dir": str(data_dir), "http_requests_per_s": 1000.0, "http_backoff_s": 0.01,
              "http_retries": 2, "http_timeout_s": 5.0}
    values.update(overrides)
    return load_settings(environ={}, overrides=values)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def hub(settings: Settings) -> Iterator[Hub]:
    with Hub(settings) as h:
        yield h


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def mcep(*args: str, env: dict[str, str] | None = None, check: bool = False,
         timeout: float = 120) -> subprocess.CompletedProcess:
    """Run the real command line in a child process."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MCEP_")}
    full_env.update(env or {})
    proc = subprocess.run([sys.executable, "-m", "mcep_ld.cli", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout, cwd=PROJECT_ROOT)
    if check and proc.returncode != 0:
        raise AssertionError(f"mcep {' '.join(args)} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


@contextmanager
def running_service(data: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """`mcep serve` on a free port of 127.0.0.1 over *data*, its log in ``serve.log`` beside it; the URL."""
    port = free_port()
    # The hub's public address pinned to where the demo data was minted, whatever port it is served on (an
    # operator sets base_uri so); tests of an unset base_uri pass MCEP_BASE_URI="".
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MCEP_")} | {
        "MCEP_BASE_URI": "http://localhost:8000/"} | (env or {})
    log = (data.parent / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "mcep_ld.cli", "serve", "--port", str(port),
                             "--data-dir", str(data)], cwd=PROJECT_ROOT, env=full_env,
                            stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"mcep serve did not start: {(data.parent / 'serve.log').read_text()}")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        log.close()


@contextmanager
def answering(answer: Callable[[str], bytes], content_type: str) -> Iterator[str]:
    """A server on 127.0.0.1 that answers every GET with ``answer(path)``: a source playing a part (a
    hostile repository, say) in one test. Yields its URL."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            body = answer(self.path)
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


def process_tree_cpu_s(url: str) -> float:
    """CPU seconds used so far by the `mcep serve` answering at *url* and every process under it (query
    workers), read from /proc: a test can tell that a stopped query no longer takes CPU."""
    port = url.rsplit(":", 1)[1]
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    root = None
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        pid = int(entry.name)
        parents[pid] = int(fields[1])
        cpu[pid] = (int(fields[11]) + int(fields[12])) / tick
        if b"serve" in cmdline and port.encode() in cmdline:
            root = pid
    assert root is not None, f"no mcep serve on port {port}"
    tree, grew = {root}, True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in tree and pid not in tree:
                tree.add(pid)
                grew = True
    return sum(cpu[p] for p in tree)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One hub filled by `mcep demo --no-serve` for the whole session; modules take copies (`demo_copy`)."""
    data = tmp_path_factory.mktemp("demo-template") / "data"
    mcep("demo", "--no-serve", "--data-dir", str(data), check=True)
    return data


def demo_copy(template: Path, factory: pytest.TempPathFactory, name: str) -> Path:
    """A private copy of the demo hub (a service holds its store: each module serves its own)."""
    data = factory.mktemp(name) / "data"
    shutil.copytree(template, data)
    return data


def rdf_of(service: str, resp: requests.Response, fmt: str) -> rdflib.Graph:
    """The graph an RDF answer holds. JSON-LD names the hub's published context by its public URL; the
    context is fetched from *service* (the hub under test) and put in place, as a JSON-LD processor would."""
    text = resp.text
    if fmt == "json-ld":
        document = resp.json()
        assert document["@context"] == "http://localhost:8000/context.jsonld"
        document["@context"] = requests.get(f"{service}/context.jsonld", timeout=30).json()["@context"]
        text = json.dumps(document)
    return rdflib.Graph().parse(data=text, format=fmt)


VIRTUOSO, VIRTUOSO_ISQL = shutil.which("virtuoso-t"), shutil.which("isql-vt")
VIRTUOSO_WRITER = ("mcep", "writer-secret-0b5e")


@dataclass(frozen=True)
class Virtuoso:
    """A running Virtuoso 7 set up as deploy/virtuoso says: the settings that make it the hub's store."""

    http: str
    sql_port: int
    directory: Path

    def settings(self) -> dict[str, str]:
        return {"store": f"sparql+{self.http}", "store_query_url": f"{self.http}/sparql",
                "store_update_url": f"{self.http}/sparql-auth",
                "store_graph_store_url": f"{self.http}/sparql-graph-crud-auth",
                "store_user": VIRTUOSO_WRITER[0], "store_password": VIRTUOSO_WRITER[1]}

    def environment(self) -> dict[str, str]:
        """The same settings as ``MCEP_*`` variables, for a command or a service in a child process."""
        return {f"MCEP_{name.upper()}": value for name, value in self.settings().items()}

    def store(self) -> RemoteStore:
        """The hub's view of this server: anonymous reads, writes as the writer."""
        return RemoteStore.from_url(f"sparql+{self.http}", query_url=f"{self.http}/sparql",
                                    update_url=f"{self.http}/sparql-auth",
                                    graph_store_url=f"{self.http}/sparql-graph-crud-auth",
                                    user=VIRTUOSO_WRITER[0], password=VIRTUOSO_WRITER[1])

    def clear(self) -> None:
        """Drop every public graph: the next test starts on an empty store (the server is shared)."""
        store = self.store()
        store.drop_graphs(list(store.graph_names()))
        store.close()


def wait_until_answering(proc: subprocess.Popen, url: str, *, within_s: float, why: Callable[[], str]) -> None:
    """Wait until a server started as *proc* answers *url* at all; fail with *why()* if it stops or takes longer."""
    deadline = time.monotonic() + within_s
    while True:
        try:
            requests.get(url, timeout=5)
            return
        except requests.ConnectionError:
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError(why()) from None
            time.sleep(0.2)


def need_virtuoso() -> None:
    """Skip the test where Virtuoso is not installed; fail it instead under REQUIRE_VIRTUOSO=1 (CI)."""
    if VIRTUOSO is None or VIRTUOSO_ISQL is None:
        if os.environ.get("REQUIRE_VIRTUOSO") == "1":
            pytest.fail("virtuoso-t or isql-vt is not installed (REQUIRE_VIRTUOSO=1)")
        pytest.skip("Virtuoso (Debian's virtuoso-opensource-7-bin) is not installed: tests/install-test-tools.sh")


@contextmanager
def running_virtuoso(location: Path) -> Iterator[Virtuoso]:
    """Debian's Virtuoso 7 with deploy/virtuoso/virtuoso.ini and setup.sql, on free ports of 127.0.0.1. Skips
    where it is not installed (tests/install-test-tools.sh installs it), unless REQUIRE_VIRTUOSO=1."""
    need_virtuoso()
    location.mkdir(parents=True)
    sql_port, http_port = free_port(), free_port()
    template = (PROJECT_ROOT / "deploy" / "virtuoso" / "virtuoso.ini").read_text(encoding="utf-8")
    ini = location / "virtuoso.ini"
    ini.write_text(template.format(dir=location, sql_port=sql_port, http_port=http_port), encoding="utf-8")
    proc = subprocess.Popen([VIRTUOSO, "-c", str(ini), "+foreground"], cwd=location,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    http = f"http://127.0.0.1:{http_port}"
    try:
        log = location / "virtuoso.log"
        # a new database is made first: seconds on a loaded machine
        wait_until_answering(proc, f"{http}/sparql?query=ASK%7B%7D", within_s=120, why=lambda: (
            "virtuoso-t did not start: " + (log.read_text()[-2000:] if log.exists() else "no log")))
        setup = subprocess.run([VIRTUOSO_ISQL, f"127.0.0.1:{sql_port}", "dba", "dba",
                                str(PROJECT_ROOT / "deploy" / "virtuoso" / "setup.sql"), "-u",
                                f"writer={VIRTUOSO_WRITER[0]}", f"password={VIRTUOSO_WRITER[1]}"],
                               capture_output=True, text=True, timeout=120)
        if setup.returncode != 0 or "*** Error" in setup.stdout + setup.stderr:
            raise RuntimeError(f"deploy/virtuoso/setup.sql failed: {setup.stdout[-2000:]}{setup.stderr[-2000:]}")
        yield Virtuoso(http=http, sql_port=sql_port, directory=location)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)  # it checkpoints before it stops
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="session")
def virtuoso_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Virtuoso]:
    """One Virtuoso for the test session (it takes seconds to start); see ``virtuoso``."""
    with running_virtuoso(tmp_path_factory.mktemp("virtuoso") / "db") as server:
        yield server


@pytest.fixture
def virtuoso(virtuoso_server: Virtuoso) -> Virtuoso:
    """The session's Virtuoso, emptied of public graphs for this test."""
    virtuoso_server.clear()
    return virtuoso_server


OXIGRAPH = shutil.which("oxigraph")


@contextmanager
def running_oxigraph(location: Path) -> Iterator[str]:
    """``oxigraph serve`` (PyPI oxigraph) on a free port of 127.0.0.1, a remote store: its ``sparql+http://…``.
    Skips the test where the server is not installed."""
    if OXIGRAPH is None:
        pytest.skip("the `oxigraph` server (PyPI package oxigraph) is not installed")
    port = free_port()
    proc = subprocess.Popen([OXIGRAPH, "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}",
                             "--union-default-graph"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_answering(proc, f"{url}/query?query=ASK%7B%7D", within_s=20,
                             why=lambda: "oxigraph serve did not start")
        yield f"sparql+{url}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
