"""The query page of ``/sparql`` (for browsers), its stored example queries, SELECT results as an HTML table,
and the SPARQL 1.1 service description (for machines), all made by the hub: no CDN; the editor (YASGUI) is
installed with the hub, and the page works without it."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

import pyoxigraph as ox
from fastapi import Request

from mcep_ld.messages import message
from mcep_ld.serve.web import jsonld
from mcep_ld.serve.web.layout import anchor, render

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
    return render(request, lang, message("sparql_query", lang), "", template="sparql.html", endpoint=endpoint,
                  query=query, examples=listed, prefixes=json.dumps(jsonld.prefixes()))


def results_table(json_results: bytes, query: str) -> str:
    """SELECT or ASK results (SPARQL JSON) as an HTML table, IRIs as links."""
    data = json.loads(json_results)
    if "boolean" in data:
        body = f"<p>{'yes' if data['boolean'] else 'no'}</p>"
    else:
        names = data["head"]["vars"]
        rows = []
        for binding in data["results"]["bindings"]:
            cells = []
            for name in names:
                term = binding.get(name)
                if term is None:
                    cells.append("<td></td>")
                elif term["type"] == "uri":
                    cells.append(f'<td>{anchor(term["value"], html.escape(term["value"]))}</td>')
                else:
                    lang = term.get("xml:lang")
                    attr = f' lang="{html.escape(lang)}"' if lang else ""
                    cells.append(f"<td{attr}>{html.escape(term['value'])}</td>")
            rows.append("<tr>" + "".join(cells) + "</tr>")
        head = "".join(f"<th scope=\"col\">{html.escape(n)}</th>" for n in names)
        body = (f"<p>{len(rows)} row(s)</p><table><thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(rows)}</tbody></table>")
    return (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            f'<link rel="icon" href="/static/favicon.svg"><title>SPARQL results</title>'
            f'<link rel="stylesheet" href="/static/query.css"></head>'
            f'<body><main><h1>Results</h1>{body}'
            f'<p><a href="?{html.escape(urlencode({"query": query}))}">Edit the query</a></p></main></body></html>')


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
