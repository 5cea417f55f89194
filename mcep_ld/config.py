"""Configuration: one TOML file plus ``MCEP_*`` environment variables.

Every key lives in :data:`KEYS` with its type, default and one line of help; the table in docs/settings.md is
checked against it by a test, so an undocumented key fails CI. Precedence, lowest first: defaults, the TOML
file, environment variables, command-line options (``--data-dir``).
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from mcep_ld.errors import MCEPError


class UsageError(MCEPError):
    """Bad command-line arguments: reported in one line, exit code 2 (as a ConfigError)."""


class ConfigError(MCEPError):
    """A configuration value is missing or of the wrong kind; the message names the key."""


@dataclass(frozen=True)
class Key:
    """One documented setting."""

    name: str
    type: type
    default: Any
    help: str


UN_LANGUAGES = ["en", "fr", "es", "ar", "ru", "zh"]

#: Restricted by default: personal contact details (schema.org, FOAF and vCard terms). Each schema.org term
#: is matched with both schemes, ``http://`` and ``https://`` (publish/restricted.py).
DEFAULT_RESTRICTED = [
    "http://schema.org/email",
    "http://schema.org/telephone",
    "http://schema.org/faxNumber",
    "http://schema.org/address",
    "http://xmlns.com/foaf/0.1/mbox",
    "http://xmlns.com/foaf/0.1/mbox_sha1sum",
    "http://xmlns.com/foaf/0.1/phone",
    "http://www.w3.org/2006/vcard/ns#hasEmail",
    "http://www.w3.org/2006/vcard/ns#email",
    "http://www.w3.org/2006/vcard/ns#hasTelephone",
    "http://www.w3.org/2006/vcard/ns#tel",
    "http://www.w3.org/2006/vcard/ns#hasAddress",
]


def harvested_by_all(settings: Settings) -> list[str]:
    """The sources ``mcep harvest --all`` runs: those enabled and with an endpoint. The CBD clearing-house is off
    unless an operator turns it on (it holds every CBD record, nearly all off the Convention's subject)."""
    return [n for n in sorted(settings.sources) if settings.source(n)["enabled"] and settings.source(n)["endpoint"]]


KEYS: dict[str, Key] = {
    k.name: k
    for k in [
        Key("data_dir", str, "./mcep-data", "Directory holding the store, the catalog and dumps."),
        Key("base_uri", str, "",
            "Prefix of every hub IRI and the public address of the service, path prefix included (https://"
            "example.org/mcep/); must end with '/'. Empty: IRIs keep the base the data directory was built with "
            "(data_dir/base-uri.txt) and the service's own URLs follow the address it serves (http://{http_host}:"
            "{http_port}/, localhost for a loopback or wildcard host)."),
        Key("language_fallback", list, UN_LANGUAGES,
            "Order in which languages are tried for display (vocabulary lookup and pages)."),
        Key("restricted_predicates", list, DEFAULT_RESTRICTED,
            "Predicates moved to the restricted store, never published."),
        Key("store", str, "",
            "Public store: empty, the embedded one in data_dir; sparql+http://host:port, a remote SPARQL server."),
        Key("store_query_url", str, "", "Remote store: its SPARQL query URL (default: {store}/query)."),
        Key("store_update_url", str, "", "Remote store: its SPARQL update URL (default: {store}/update)."),
        Key("store_graph_store_url", str, "", "Remote store: its Graph Store Protocol URL (default: {store}/store)."),
        Key("store_user", str, "", "Remote store: the account that writes (updates, Graph Store requests); "
            "empty: writes are anonymous. Reads are always anonymous."),
        Key("store_password", str, "",
            "Remote store: the writing account's password (MCEP_STORE_PASSWORD); never logged."),
        Key("store_auth", str, "digest", "Remote store: how writes are signed, digest (Virtuoso) or basic (Fuseki)."),
        Key("vocabularies_dir", str, "", "Folder of SKOS Turtle files; empty means the bundled one."),
        Key("shapes_dir", str, "", "Folder of SHACL Turtle files; empty means the bundled one."),
        Key("harvest_batch_records", int, 500, "Records mapped, validated and committed together."),
        Key("harvest_max_record_bytes", int, 1 << 20,
            "A source record larger than this is quarantined (metadata, not content); the run goes on."),
        Key("harvest_max_field_chars", int, 100_000,
            "A CSV cell longer than this quarantines its row; the run goes on."),
        Key("ingest_workers", int, min(4, os.cpu_count() or 1),
            "Processes that map and validate records; 0 does it all in the harvesting process."),
        Key("incremental_overlap_s", float, 3600.0,
            "Incremental runs ask for changes since the last completed run's start minus this much."),
        Key("max_delete_fraction", float, 0.2,
            "A complete listing that would delete more than this share of a source's live records (or all of "
            "them) fails the run and deletes nothing, unless the run is given --allow-deletions."),
        Key("resume_max_age_h", float, 24.0,
            "A stopped run resumes from its checkpoint if that is younger than this; else a new run starts."),
        Key("http_timeout_s", float, 30.0, "Connect and read timeout of one source request."),
        Key("http_retries", int, 4, "Retries of a request on connection errors, 5xx and 429."),
        Key("http_backoff_s", float, 1.0, "First retry delay; doubled each retry, with jitter."),
        Key("http_requests_per_s", float, 4.0, "Most requests per second sent to one source."),
        Key("http_max_response_bytes", int, 128 << 20,
            "Largest answer read from a source; a larger one fails the request (not retried)."),
        Key("http_deadline_s", float, 300.0,
            "Longest time one source request may take in all, its body included (a trickle counts too)."),
        Key("http_max_crawl_delay_s", float, 30.0, "Longest Crawl-delay (robots.txt) obeyed; longer ones wait this."),
        Key("http_max_requests", int, 200_000,
            "Most requests one run sends to its source: a listing that never ends fails here."),
        Key("http_user_agent", str, "mcep-ld/0.1 (+https://mercuryconvention.org)", "User-Agent sent."),
        Key("oai_page_size", int, 100, "Records (or headers) per page of an OAI-PMH list."),
        Key("oai_repository_name", str, "Minamata Convention Exchange Platform",
            "The OAI-PMH repositoryName (Identify)."),
        Key("oai_admin_email", str, "admin@example.org",
            "The OAI-PMH adminEmail (Identify): set it to the address harvesters should write to."),
        Key("oai_repository_identifier", str, "",
            "The oai-identifier namespace; empty: the host of base_uri (with .localdomain if it has no dot)."),
        Key("oai_earliest_datestamp", str, "",
            "A floor for Identify's earliestDatestamp (UTC, YYYY-MM-DDThh:mm:ssZ); empty: the catalog's oldest."),
        Key("oai_token_secret", str, "",
            "Key signing resumption tokens; empty: one generated once in the data directory."),
        Key("sparql_timeout_s", float, 30.0,
            "A query not answered within this many seconds gets 503; the worker evaluating it is killed."),
        Key("sparql_max_concurrent", int, 8,
            "Query worker processes (one query each at a time); more queries wait, and after sparql_timeout_s "
            "get 503."),
        Key("sparql_max_per_client", int, 2,
            "Queries one client address may have running or waiting at once; one more gets 429."),
        Key("sparql_max_nesting", int, 64,
            "Deepest nesting of brackets ( { [ in a query or update; a deeper one gets 400 before parsing."),
        Key("sparql_service_allow", list, [],
            "IRI prefixes of the SPARQL services a query may call with SERVICE (and an update LOAD); empty: "
            "none. Loopback, link-local and private addresses are refused whatever this says."),
        Key("sparql_max_rows", int, 100_000, "A SELECT answering more rows gets 400 (add a LIMIT): never cut."),
        Key("sparql_max_body_bytes", int, 1_000_000, "Largest request body /sparql reads (a query or an update)."),
        Key("search_page_size", int, 20, "Search results per page unless the request says (page_size)."),
        Key("search_max_page_size", int, 100, "Largest page_size /api/search and /search accept (400 above)."),
        Key("feedback_max_per_client_per_h", int, 10,
            "Feedback forms one client may send in an hour (429 above); counted in memory, addresses never stored."),
        Key("feedback_max_comment_chars", int, 2000, "Longest comment the feedback form takes (400 above)."),
        Key("usage_analytics", bool, True,
            "Count the service's use in daily aggregates (page views, searches, downloads, SPARQL, OAI-PMH) in "
            "the catalog; no cookie, no address or user agent is stored (mcep report usage)."),
        Key("usage_retention_days", int, 400, "Days of usage aggregates kept; older days are deleted."),
        Key("usage_flush_interval_s", float, 60.0,
            "Seconds between writes of the usage counted in memory to the catalog (and at shutdown)."),
        Key("usage_keep_sparql_text", bool, False,
            "Keep the text of SPARQL queries in the usage aggregates (counted by text); false: only their number, "
            "time and errors."),
        Key("usage_max_keys_per_day", int, 5000,
            "Most distinct values (search terms, records, referring domains…) counted per kind and day; the "
            "rest are counted together as (other)."),
        Key("sparql_max_answer_bytes", int, 200_000_000,
            "Largest serialised answer /sparql gives (any query form); a larger one gets 400: never cut."),
        Key("sparql_update_token", str, "",
            "Bearer token that allows SPARQL updates on /sparql; empty: no updates are taken."),
        Key("http_max_body_bytes", int, 65_536,
            "Largest request body the service reads on any route but /sparql (413 above)."),
        Key("http_body_timeout_s", float, 30.0,
            "A request body not received in full within this many seconds gets 408."),
        Key("search_max_query_chars", int, 500, "Longest q /api/search and /search accept (400 above)."),
        Key("search_max_terms", int, 32, "Most words in one search q (400 above)."),
        Key("search_max_offset", int, 10_000,
            "Deepest search result reachable by paging (page × page_size; 400 past it): narrow the query."),
        Key("data_license", str, "",
            "IRI of the licence the published data may be reused under (a Creative Commons licence, say): "
            "stated on the DCAT catalog, datasets, distributions, VoID and record pages; empty: none asserted."),
        Key("data_publisher", str, "",
            "Who publishes the data: a name, or an IRI of the organisation (DCAT, VoID dct:publisher)."),
        Key("data_contact", str, "",
            "Whom to ask about the data: an e-mail address or a web address (DCAT dcat:contactPoint)."),
        Key("templates_dir", str, "",
            "A folder of Jinja2 templates that win over the bundled ones of the same name (base.html, the frame "
            "of every page; a page's own template); empty: the bundled templates only."),
        Key("static_dir", str, "",
            "A folder of static files that win over the bundled ones of the same path under /static/ "
            "(hub.css, favicon.svg, a logo the templates name); empty: the bundled files only."),
        Key("admin_token", str, "",
            "Bearer token of the admin API (/admin/harvests); empty: one generated once in data_dir/admin-token."),
        Key("http_host", str, "127.0.0.1", "Address `mcep serve` listens on."),
        Key("http_port", int, 8000, "Port `mcep serve` listens on."),
        Key("log_format", str, "text",
            "Logs on standard error: text, or json (one object per line: time, level, logger, message; "
            "uvicorn's access log with client, method, path and status as fields; progress lines too)."),
        Key("log_client_addresses", bool, False,
            "Whether uvicorn's access log names the client's address; false: '-' in its place, so that no "
            "reader's address is kept by the hub, its logs included."),
        Key("progress_interval_s", float, 10.0,
            "Seconds between progress lines of harvests, search-index and dump when not on a terminal (cron, "
            "journald, a pipe); on a terminal one line is rewritten as the work moves."),
        Key("root_path", str, "",
            "The path prefix a reverse proxy serves the hub under (/mcep); empty: the path of base_uri. The proxy "
            "strips it before passing requests on; the pages' links carry it."),
        Key("forwarded_allow_ips", list, ["127.0.0.1"],
            "Proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (the client's address for "
            "sparql_max_per_client, the scheme); * for any. The hub's own URLs come from base_uri, never from "
            "request headers."),
    ]
}

#: Keys of a ``[sources.NAME]`` table.
SOURCE_KEYS: dict[str, Key] = {
    k.name: k
    for k in [
        Key("endpoint", str, "", "Service root (URL) of the source."),
        Key("harvester", str, "", "Which harvester reads it (informea, gef, oai); empty: the source's name."),
        Key("enabled", bool, True, "Whether `mcep harvest --all` includes the source."),
        Key("set_spec", str, "", "oai: the set to harvest; empty: the whole repository."),
        Key("treaties", list, ["minamata"], "InforMEA treaty ids to harvest (checked on each entity too: providers "
            "may ignore $filter)."),
        Key("keep_without_treaty", bool, False, "informea: keep entities linked to no treaty (a contact whose "
            "treaty links are absent or not served); false: they are not ours."),
        Key("entity_sets", list, ["Treaties", "Decisions", "Meetings", "Contacts", "CountryReports",
                                  "NationalPlans", "Documents"], "InforMEA OData entity sets."),
        Key("page_size_records", int, 100, "Records asked for per page ($top)."),
        Key("requests_per_s", float, 0.0, "Most requests per second sent to this source; 0: http_requests_per_s."),
        Key("schedule", str, "", "When `mcep serve` harvests the source: a cron expression in UTC; empty: never."),
        Key("rights", str, "", "The terms the source sets on reusing or showing its records, in words: dc:rights "
            "on each of its records and dct:rights on its DCAT dataset and dump; empty: none stated."),
        Key("license", str, "", "IRI of the licence of the source's records: dct:license on each record, its "
            "dataset and dump; empty: data_license."),
        Key("republish", bool, True, "false: the source's terms do not allow republishing its records in bulk. They "
            "stay in search, record pages and SPARQL, and are left out of the dumps, the OData provider and "
            "OAI-PMH (listed there as deleted, as DSpace lists embargoed items)."),
        Key("relevant_only", bool, True, "gef, cbd: publish only the records about mercury (their title, or for CBD "
            "a title or description, names mercury, Minamata, an MIA, ASGM or amalgam in any of the six languages); "
            "false: every record (GEF marks each mcep:minamataRelevant)."),
    ]
}

#: InforMEA's terms, from its API page (shared/reference/sources.md §1): the hub republishes its records only under
#: such an agreement; an operator without one sets ``republish = false`` for the source.
INFORMEA_RIGHTS = ("The display of InforMEA data on third parties' websites is subject to an agreement with the IKM "
                   "project (https://www.informea.org/en/about/api).")

# GEF publishes no stable export URL (sources.md §2): its endpoint is configuration. The CBD clearing-house
# holds every CBD record, nearly all off the Convention's subject: off unless an operator turns it on.
DEFAULT_SOURCES = {"informea": {"endpoint": "https://odata.informea.org/informea.svc", "rights": INFORMEA_RIGHTS},
                   "gef": {"endpoint": ""},
                   "cbd": {"endpoint": "https://api.cbd.int/api/v2013", "enabled": False},
                   "convention": {"endpoint": "https://mercuryconvention.org"}}


@dataclass(frozen=True)
class Settings:
    """The resolved configuration. Read values with attribute access: ``settings.base_uri``."""

    values: dict[str, Any]
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.values[name]
        except KeyError:
            raise AttributeError(name) from None

    @property
    def data_path(self) -> Path:
        return Path(self.values["data_dir"])

    def source(self, name: str) -> dict[str, Any]:
        """The settings of one source, defaults filled in."""
        base = {k: v.default for k, v in SOURCE_KEYS.items()}
        base.update(self.sources.get(name, {}))
        return base


#: Names the hub's own graphs use after ``{base_uri}graph/``: a source of that name would share them.
RESERVED_SOURCE_NAMES = frozenset({"hub", "restricted", "vocab"})


def check_source_name(name: str) -> None:
    """Raise ConfigError for a source name that cannot name a source's graphs and catalog rows."""
    if name in RESERVED_SOURCE_NAMES:
        raise ConfigError(f"sources.{name}: '{name}' is reserved for the hub's own graphs; name the source otherwise")
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", name):
        raise ConfigError(f"sources.{name}: a source name is lower-case letters, digits and '-'")


def _coerce(where: str, key: Key, value: Any) -> Any:
    """Return *value* as the key's type, or raise ConfigError naming *where*."""
    if key.type is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in {"1", "true", "yes", "0", "false", "no"}:
            return value.lower() in {"1", "true", "yes"}
    elif key.type is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    elif key.type is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif key.type is list:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        if isinstance(value, str):
            return [v.strip() for v in value.split(",") if v.strip()]
    elif key.type is str:
        if isinstance(value, str):
            return value
    raise ConfigError(f"{where}: expected {key.type.__name__}, got {value!r}")


#: Where a data directory keeps the base its IRIs were minted with (written when it is first opened).
BASE_URI_FILE = "base-uri.txt"


def served_address(host: str, port: int) -> str:
    """The service's URL for a listening address: ``localhost`` for a loopback or wildcard host."""
    name = "localhost" if host in ("127.0.0.1", "::1", "0.0.0.0", "::", "", "localhost") else host
    return f"http://{f'[{name}]' if ':' in name else name}:{port}/"


def _resolve_addresses(values: dict[str, Any]) -> None:
    """``base_uri`` (the IRIs' prefix), ``public_url`` (where the service's own URLs point) and ``root_path``.

    With ``base_uri`` set, all three follow it. Without, the IRIs keep the base recorded in the data directory
    (so a hub served on another port does not lose its records), or for a new one the served address; the
    service's own URLs (OAI-PMH baseURL, JSON-LD context, SPARQL endpoint, DCAT and VoID links) follow the
    served address.
    """
    given, served = values["base_uri"], served_address(values["http_host"], values["http_port"])
    if given and not given.endswith("/"):
        raise ConfigError(f"base_uri: must end with '/', got {given!r}")
    if given and not given.startswith(("http://", "https://")):
        raise ConfigError(f"base_uri: must be an http(s) URI, got {given!r}")
    recorded = Path(values["data_dir"]) / BASE_URI_FILE
    values["base_uri"] = given or (recorded.read_text(encoding="utf-8").strip() if recorded.is_file() else served)
    values["public_url"] = given or served
    root = values["root_path"] or urlsplit(values["public_url"]).path
    if root and not root.startswith("/"):
        raise ConfigError(f"root_path: must start with '/', got {root!r}")
    values["root_path"] = root.rstrip("/")


def load_settings(
    config_file: str | Path | None = None,
    *,
    environ: dict[str, str] | None = None,
    overrides: dict[str, Any] | None = None,
) -> Settings:
    """Resolve the configuration from defaults, *config_file*, the environment and *overrides*.

    Without *config_file*, ``MCEP_CONFIG`` names the file, else ``./mcep.toml`` is read if present.
    """
    env = dict(os.environ if environ is None else environ)
    values = {k: v.default for k, v in KEYS.items()}
    sources: dict[str, dict[str, Any]] = {n: dict(s) for n, s in DEFAULT_SOURCES.items()}

    path = Path(config_file) if config_file else None
    if path is None and env.get("MCEP_CONFIG"):
        path = Path(env["MCEP_CONFIG"])
    if path is None and Path("mcep.toml").is_file():
        path = Path("mcep.toml")
    if path is not None:
        try:
            doc = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"configuration file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        for name, value in doc.items():
            if name == "sources":
                if not isinstance(value, dict):
                    raise ConfigError(f"{path}: 'sources' must be a table of tables")
                for src, table in value.items():
                    if not isinstance(table, dict):
                        raise ConfigError(f"{path}: sources.{src} must be a table")
                    for skey, sval in table.items():
                        if skey not in SOURCE_KEYS:
                            raise ConfigError(f"{path}: unknown key sources.{src}.{skey}")
                        coerced = _coerce(f"{path}: sources.{src}.{skey}", SOURCE_KEYS[skey], sval)
                        sources.setdefault(src, {})[skey] = coerced
                continue
            if name not in KEYS:
                raise ConfigError(f"{path}: unknown key '{name}'")
            values[name] = _coerce(f"{path}: {name}", KEYS[name], value)

    for var, raw in env.items():
        if not var.startswith("MCEP_") or var == "MCEP_CONFIG":
            continue
        rest = var[len("MCEP_"):].lower()
        if rest.startswith("sources_"):
            src, _, skey = rest[len("sources_"):].partition("_")
            # Source keys contain underscores; the source name does not.
            if skey not in SOURCE_KEYS:
                raise ConfigError(f"{var}: unknown source key '{skey}'")
            sources.setdefault(src, {})[skey] = _coerce(var, SOURCE_KEYS[skey], raw)
        elif rest in KEYS:
            values[rest] = _coerce(var, KEYS[rest], raw)
        else:
            raise ConfigError(f"{var}: unknown setting '{rest}'")

    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = _coerce(f"option {name}", KEYS[name], value)

    for name in sources:
        check_source_name(name)
        licence = sources[name].get("license", "")
        if licence and not licence.startswith(("http://", "https://")):
            raise ConfigError(f"sources.{name}.license: an http(s) IRI of a licence, got {licence!r}")
    _resolve_addresses(values)
    for name in ("harvest_batch_records", "harvest_max_record_bytes", "harvest_max_field_chars",
                 "http_requests_per_s", "http_timeout_s", "http_port", "oai_page_size",
                 "sparql_timeout_s", "sparql_max_concurrent", "sparql_max_body_bytes", "sparql_max_rows",
                 "sparql_max_answer_bytes", "sparql_max_per_client", "sparql_max_nesting", "http_max_body_bytes",
                 "http_body_timeout_s", "search_max_query_chars", "search_max_terms", "search_max_offset",
                 "http_max_response_bytes", "http_deadline_s", "http_max_crawl_delay_s", "http_max_requests",
                 "progress_interval_s"):
        if values[name] <= 0:
            raise ConfigError(f"{name}: must be greater than 0, got {values[name]!r}")
    if values["data_license"] and not values["data_license"].startswith(("http://", "https://")):
        raise ConfigError(f"data_license: an http(s) IRI of a licence, got {values['data_license']!r}")
    contact = values["data_contact"]
    if contact and not (contact.startswith(("http://", "https://")) or re.fullmatch(r"[^@\s:/]+@[^@\s/]+", contact)):
        raise ConfigError(f"data_contact: an e-mail address or an http(s) URL, got {contact!r}")
    if values["log_format"] not in ("text", "json"):
        raise ConfigError(f"log_format: text or json, got {values['log_format']!r}")
    if not 0 <= values["max_delete_fraction"] <= 1:
        raise ConfigError(f"max_delete_fraction: a share between 0 and 1, got {values['max_delete_fraction']!r}")
    if values["ingest_workers"] < 0:
        raise ConfigError(f"ingest_workers: must be 0 or more, got {values['ingest_workers']!r}")
    return Settings(values=values, sources=sources)
