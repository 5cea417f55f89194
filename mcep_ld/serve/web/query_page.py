"""The query page of ``/sparql`` (for browsers), its stored example queries, SELECT results as a page,
and the SPARQL 1.1 service description (for machines), all made by the hub: no CDN; the editor (YASGUI) is
installed with the hub, and the page works without it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import Request
from markupsafe import Markup

from mcep_ld.messages import message
from mcep_ld.serve.web import jsonld
from mcep_ld.serve.web.layout import Link, lang_attr, page_language, render, web_address

EXAMPLES_DIR = Path(__file__).resolve().parent / "example-queries"


@dataclass(frozen=True)
class Example:
    name: str
    title: str
    query: str


def examples() -> list[Example]:
    """The stored example queries: one ``.rq`` file each, its first comment line the title."""
    out = []
    for path in sorted(EXAMPLES_DIR.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        first = text.splitlines()[0] if text else ""
        out.append(Example(path.stem, first.lstrip("# ").strip() or path.stem, text))
    return out


def page(request: Request, lang: str, endpoint: str, query: str = "") -> str:
    """The query page in the site's frame and the reader's language: YASGUI (installed with the hub, started by
    ``/static/sparql-editor.js``) over a plain form that works without JavaScript, prefilled with *query* or
    the first example, and the examples, each with a link that runs it."""
    stored = examples()
    query = query or (stored[0].query if stored else "SELECT * WHERE { ?s ?p ?o } LIMIT 10")
    listed = [{"title": e.title, "run": urlencode({"query": e.query, "format": "html"}),
               "edit": urlencode({"example": e.name, "lang": lang})} for e in stored]
    return render(request, "sparql.html", lang, message("sparql_query", lang), endpoint=endpoint,
                  query=query, examples=listed, prefixes=json.dumps(jsonld.prefixes()))


def results_page(request: Request, json_results: bytes, query: str) -> str:
    """SELECT or ASK results (SPARQL JSON) as a table in the site's frame and the reader's language, IRIs as
    links (web addresses only), literals marked with their language."""
    lang = page_language(request)
    data = json.loads(json_results)
    context: dict = {"answer": None, "names": [], "rows": [],
                     "edit": "/sparql?" + urlencode({"query": query, "lang": lang})}
    if "boolean" in data:
        context["answer"] = message("yes" if data["boolean"] else "no", lang)
    else:
        context["names"] = data["head"]["vars"]
        for binding in data["results"]["bindings"]:
            row = []
            for name in context["names"]:
                term = binding.get(name) or {"type": "none", "value": ""}
                if term["type"] == "uri":
                    row.append(Link(term["value"] if web_address(term["value"]) else "", term["value"]))
                else:
                    row.append(Link("", term["value"], Markup(lang_attr(term.get("xml:lang", ""), lang))))
            context["rows"].append(row)
    return render(request, "results.html", lang, message("results", lang), **context)


SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
_RESULT_FORMATS = ["http://www.w3.org/ns/formats/SPARQL_Results_JSON", "http://www.w3.org/ns/formats/SPARQL_Results_XML",
                   "http://www.w3.org/ns/formats/SPARQL_Results_CSV", "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
                   "http://www.w3.org/ns/formats/Turtle", "http://www.w3.org/ns/formats/N-Triples",
                   "http://www.w3.org/ns/formats/JSON-LD", "http://www.w3.org/ns/formats/RDF_XML"]


def service_description(endpoint: str, void_dataset: str, *, updates: bool) -> list[ox.Triple]:
    """The endpoint described in the SPARQL 1.1 Service Description vocabulary."""
    service = ox.NamedNode(f"{endpoint}#service")
    sd = lambda term: ox.NamedNode(f"{SD}{term}")  # noqa: E731 - a local shorthand
    dataset = ox.BlankNode()
    default = ox.BlankNode()
    triples = [
        ox.Triple(service, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), sd("Service")),
        ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
        ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
        ox.Triple(service, sd("feature"), sd("UnionDefaultGraph")),
        ox.Triple(service, sd("defaultDataset"), dataset),
        ox.Triple(dataset, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), sd("Dataset")),
        ox.Triple(dataset, sd("defaultGraph"), default),
        ox.Triple(default, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), sd("Graph")),
        ox.Triple(default, ox.NamedNode(f"{VOID}inDataset"), ox.NamedNode(void_dataset)),
    ]
    if updates:
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(f)) for f in _RESULT_FORMATS]
    return triples
