"""The protocols the sample server speaks over its folder, one part each: InforMEA's OData, OAI-PMH 2.0, and the
CBD index API's Solr select. Parts of :class:`~mcep_ld.fetch.sample_server.SampleServer` (mixins), which owns
the folder, the address and the settings each part reads."""

from __future__ import annotations

import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from lxml import etree

_TREATY = re.compile(r"treaty eq '([^']*)'")
_UPDATED_GT = re.compile(r"updated gt datetime'([^']*)'")
OAI = "http://www.openarchives.org/OAI/2.0/"


def _odata_ms(value: Any) -> datetime:
    """An OData ``/Date(ms)/`` value as a datetime; anything else sorts first."""
    m = re.match(r"^/Date\((-?\d+)", value) if isinstance(value, str) else None
    return datetime.fromtimestamp(int(m.group(1)) / 1000, UTC) if m else datetime.min.replace(tzinfo=UTC)


class _Part:
    """What a protocol part reads of the server."""

    root: Path
    url: str


class ODataSamples(_Part):
    """``/informea.svc/{Set}``: an OData service over ``informea/{Set}.json``."""

    odata_refuses_datetime_filter: bool
    odata_datetime_filter_finds_nothing: bool
    odata_ignores_filter: bool
    odata_ignores_expand: bool
    odata_serves_navigation: bool
    odata_link_base: str

    @property
    def informea_endpoint(self) -> str:
        return f"{self.url}/informea.svc"

    def _deferring(self, entity_set: str, row: Any) -> Any:
        """*row* as a provider that ignores ``$expand`` sends it: collections as ``__deferred`` links."""
        if not self.odata_ignores_expand or not isinstance(row, dict):
            return row
        out = dict(row)
        for name, value in row.items():
            if isinstance(value, list) or isinstance(value, dict) and "results" in value:
                key = quote(str(row.get("id")), safe="")
                base = f"{self.odata_link_base or self.url}/informea.svc"
                out[name] = {"__deferred": {"uri": f"{base}/{entity_set}('{key}')/{name}"}}
        return out

    def _odata(self, raw_path: str) -> tuple[int, bytes, str]:
        parts = urlsplit(raw_path)
        segments = [unquote(s) for s in parts.path.split("/") if s]
        if len(segments) not in (2, 3):
            return 404, b"not found", "text/plain"
        entity_set, _, entity_key = segments[1].partition("(")
        navigation = segments[2] if len(segments) == 3 else None
        path = self.root / "informea" / f"{entity_set}.json"
        if not path.is_file():
            return 404, b"no such entity set", "text/plain"
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        doc = json.loads(path.read_text(encoding="utf-8"))
        body = doc["d"]
        rows = body if isinstance(body, list) else body["results"]
        if entity_key:  # one entity by key, Decisions('id') or Decisions(guid'id'), or its navigation property
            wanted = entity_key.rstrip(")").removeprefix("guid").strip("'")
            found = [r for r in rows if isinstance(r, dict) and str(r.get("id")) == wanted]
            not_found = b'{"error": {"message": {"value": "Resource not found"}}}'
            if not found:
                return 404, not_found, "application/json"
            if navigation is None:
                answer: Any = {"d": self._deferring(entity_set, found[0])}
            else:
                value = found[0].get(navigation)
                if not self.odata_serves_navigation or not isinstance(value, dict | list):
                    return 404, not_found, "application/json"
                # Deferred in the file itself: nothing behind the link, an empty collection (as Olingo answers).
                items = value.get("results", []) if isinstance(value, dict) else value
                answer = {"d": {"results": items}}
            return 200, json.dumps(answer, ensure_ascii=False).encode(), "application/json;charset=utf-8"
        if navigation is not None:
            return 404, b"not found", "text/plain"
        flt = "" if self.odata_ignores_filter else query.get("$filter")
        if flt and (treaties := _TREATY.findall(flt)):
            rows = [r for r in rows if not isinstance(r, dict) or r.get("treaty") in treaties]
        if flt and (since := _UPDATED_GT.search(flt)):
            if self.odata_refuses_datetime_filter:
                return 400, b'{"error": {"code": "", "message": {"value": "Invalid filter expression"}}}', \
                    "application/json"
            moment = datetime.fromisoformat(since.group(1)).replace(tzinfo=UTC)
            rows = [r for r in rows if not isinstance(r, dict) or _odata_ms(r.get("updated")) > moment]
            if self.odata_datetime_filter_finds_nothing:
                rows = []
        if (order := query.get("$orderby", "")).startswith("updated"):
            rows = sorted(rows, key=lambda r: _odata_ms(r.get("updated") if isinstance(r, dict) else None),
                          reverse=order.endswith("desc"))
        skip = int(query.get("$skip", "0"))
        top = int(query.get("$top", str(len(rows) or 1)))
        page = [self._deferring(entity_set, r) for r in rows[skip: skip + top]]
        if isinstance(body, list):
            out: dict[str, Any] = {"d": page}
        else:
            out = {"d": {"results": page}}
            if skip + top < len(rows):
                nxt = dict(query, **{"$skip": str(skip + top)})
                out["d"]["__next"] = f"{self.odata_link_base or self.url}{parts.path}?{urlencode(nxt)}"
        return 200, json.dumps(out, ensure_ascii=False).encode("utf-8"), "application/json;charset=utf-8"


class OAISamples(_Part):
    """``/oai/request``: an OAI-PMH 2.0 provider over the records of ``oai/records.xml``."""

    oai_page_size: int
    oai_token_epoch: int

    @property
    def oai_endpoint(self) -> str:
        return f"{self.url}/oai/request"

    def _oai(self, raw_path: str) -> bytes:
        """One OAI-PMH response, built with lxml from the records file."""
        query = {k: v[-1] for k, v in parse_qs(urlsplit(raw_path).query).items()}
        verb = query.get("verb", "")
        root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap={None: OAI})
        etree.SubElement(root, f"{{{OAI}}}responseDate").text = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        request = etree.SubElement(root, f"{{{OAI}}}request")
        request.text = self.oai_endpoint

        def error(code: str, text: str) -> bytes:
            etree.SubElement(root, f"{{{OAI}}}error", code=code).text = text
            return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

        # A broken repository serves characters XML forbids: they are hidden from lxml while the page is
        # built and put back in what is sent.
        raw = (self.root / "oai" / "records.xml").read_text(encoding="utf-8")
        hidden: dict[str, str] = {}

        def hide(m: re.Match) -> str:
            marker = f"\ue000{len(hidden)}\ue001"
            hidden[marker] = m.group(0)
            return marker

        raw = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]|&#x0*1?[0-9a-f];", hide, raw, flags=re.IGNORECASE)
        records = etree.fromstring(raw.encode("utf-8")).findall(f"{{{OAI}}}record")

        def tostring(element: etree._Element) -> bytes:
            text = etree.tostring(element, xml_declaration=True, encoding="UTF-8").decode("utf-8")
            for marker, original in hidden.items():
                text = text.replace(marker, original)
            return text.encode("utf-8")

        if verb == "Identify":
            request.set("verb", verb)
            ident = etree.SubElement(root, f"{{{OAI}}}Identify")
            stamps = sorted(r.findtext(f"{{{OAI}}}header/{{{OAI}}}datestamp") for r in records)
            for tag, text in (("repositoryName", "Sample repository"), ("baseURL", self.oai_endpoint),
                              ("protocolVersion", "2.0"), ("adminEmail", "repository@example.org"),
                              ("earliestDatestamp", stamps[0] if stamps else "1970-01-01T00:00:00Z"),
                              ("deletedRecord", "persistent"), ("granularity", "YYYY-MM-DDThh:mm:ssZ")):
                etree.SubElement(ident, f"{{{OAI}}}{tag}").text = text
            return tostring(root)
        if verb == "ListSets":
            request.set("verb", verb)
            sets = etree.SubElement(root, f"{{{OAI}}}ListSets")
            for spec in sorted({s.text for r in records for s in r.iter(f"{{{OAI}}}setSpec")}):
                one = etree.SubElement(sets, f"{{{OAI}}}set")
                etree.SubElement(one, f"{{{OAI}}}setSpec").text = spec
                etree.SubElement(one, f"{{{OAI}}}setName").text = spec
            return tostring(root)
        if verb not in ("ListRecords", "ListIdentifiers"):
            return error("badVerb", f"illegal verb {verb!r}")
        request.set("verb", verb)
        if token := query.get("resumptionToken"):
            try:
                epoch, offset_text, prefix, set_spec, since, until = token.split("|")
                offset = int(offset_text)
            except ValueError:
                return error("badResumptionToken", "unknown token")
            if int(epoch) != self.oai_token_epoch:
                return error("badResumptionToken", "the token has expired")
        else:
            offset, prefix = 0, query.get("metadataPrefix", "")
            set_spec, since, until = query.get("set", ""), query.get("from", ""), query.get("until", "")
            if not prefix:
                return error("badArgument", "metadataPrefix is required")
        if prefix != "oai_dc":
            return error("cannotDisseminateFormat", f"no format {prefix!r}")

        def keep(r: etree._Element) -> bool:
            stamp = r.findtext(f"{{{OAI}}}header/{{{OAI}}}datestamp")
            specs = [s.text for s in r.iter(f"{{{OAI}}}setSpec")]
            return ((not set_spec or set_spec in specs) and (not since or stamp[:len(since)] >= since)
                    and (not until or stamp[:len(until)] <= until))

        chosen = sorted((r for r in records if keep(r)),
                        key=lambda r: r.findtext(f"{{{OAI}}}header/{{{OAI}}}datestamp"))
        if not chosen:
            return error("noRecordsMatch", "no records match")
        listing = etree.SubElement(root, f"{{{OAI}}}{verb}")
        for r in chosen[offset: offset + self.oai_page_size]:
            listing.append(r.find(f"{{{OAI}}}header") if verb == "ListIdentifiers" else r)
        if len(chosen) > self.oai_page_size:
            more = offset + self.oai_page_size < len(chosen)
            rt = etree.SubElement(listing, f"{{{OAI}}}resumptionToken", completeListSize=str(len(chosen)),
                                  cursor=str(offset))
            rt.text = (f"{self.oai_token_epoch}|{offset + self.oai_page_size}|{prefix}|{set_spec}|{since}|{until}"
                       if more else "")
        return tostring(root)


class SolrSamples(_Part):
    """``/api/v2013/index``: the CBD index API's Solr select over ``cbd/index.json``."""

    @property
    def cbd_endpoint(self) -> str:
        return f"{self.url}/api/v2013"

    def _solr(self, raw_path: str) -> tuple[int, bytes, str]:
        """The CBD index API's Solr select, for the query forms the harvester sends."""
        query = {k: v[-1] for k, v in parse_qs(urlsplit(raw_path).query).items()}
        docs = json.loads((self.root / "cbd" / "index.json").read_text(encoding="utf-8"))["docs"]
        q = query.get("q", "*:*")
        if m := re.search(r"schema_s:\(([^)]*)\)", q):
            schemas = {x.strip() for x in m.group(1).split(" OR ")}
            docs = [d for d in docs if d.get("schema_s") in schemas]
        if "NOT version_s:*" in q:
            docs = [d for d in docs if "version_s" not in d]
        if m := re.search(r"updatedDate_dt:\[(\S+) TO \*\]", q):
            docs = [d for d in docs if d.get("updatedDate_dt", "") >= m.group(1)]
        if m := re.search(r'\bid:\["((?:[^"\\]|\\.)*)" TO \*\]', q):
            low = re.sub(r"\\(.)", r"\1", m.group(1))
            docs = [d for d in docs if str(d.get("id", "")) >= low]
        field, _, direction = query.get("sort", "id asc").partition(" ")
        docs.sort(key=lambda d: str(d.get(field, "")), reverse=direction == "desc")
        start, rows = int(query.get("start", "0")), int(query.get("rows", "10"))
        body = {"responseHeader": {"status": 0}, "response": {"numFound": len(docs), "start": start,
                                                              "docs": docs[start:start + rows]}}
        return 200, json.dumps(body, ensure_ascii=False).encode(), "application/json; charset=utf-8"
