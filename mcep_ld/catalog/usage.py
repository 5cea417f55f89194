"""The service's use in daily aggregates (rows of ``usage``), and the monthly report made from them.

What the service counts is decided in ``serve/web/usage.py``; here it is only added up. A row is one day, one
metric and one key (``page_view`` / ``record|fr``, ``search_empty`` / ``mercure dentaire``…) with a count and a
sum that goes with it. Nothing in the table tells one reader from another: no address, no user agent, no
cookie; distinct visitors are one number per day.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from mcep_ld.catalog.part import Part

#: Metrics whose value is the day's figure itself (kept at its largest), not a count to add to.
LEVELS = frozenset({"visitors"})
TOP = 50  # rows per list in the report


class UsageCounts(Part):
    """Rows of ``usage``."""

    def add_usage(self, counts: dict[tuple[str, str, str], tuple[int, float]], *, keep_days: int,
                  today: date | None = None) -> None:
        """Add *counts* ((day, metric, key) → (n, total)) in one transaction, and delete the days older than
        *keep_days* before *today*."""
        add = [(d, m, k, n, t) for (d, m, k), (n, t) in counts.items() if m not in LEVELS]
        level = [(d, m, k, n, t) for (d, m, k), (n, t) in counts.items() if m in LEVELS]
        oldest = ((today or date.today()) - timedelta(days=keep_days)).isoformat()

        def statements() -> None:
            self.db.executemany("INSERT INTO usage (day, metric, key, n, total) VALUES (?,?,?,?,?) "
                                "ON CONFLICT DO UPDATE SET n = n + excluded.n, total = total + excluded.total", add)
            self.db.executemany("INSERT INTO usage (day, metric, key, n, total) VALUES (?,?,?,?,?) "
                                "ON CONFLICT DO UPDATE SET n = max(n, excluded.n)", level)
            self.db.execute("DELETE FROM usage WHERE day < ?", (oldest,))
        self._write(statements, None, None)

    def usage_rows(self, month: str) -> list[tuple[str, str, str, int, float]]:
        """The rows of *month* (``YYYY-MM``): day, metric, key, n, total."""
        return [tuple(r) for r in self.db.execute(
            "SELECT day, metric, key, n, total FROM usage WHERE day >= ? AND day < ? ORDER BY day, metric, key",
            (f"{month}-01", f"{month}-32"))]

    def usage_report(self, month: str) -> dict:
        """The month's report: visitors and page views by day, page views by kind of page and language, the
        most viewed records, downloads, searches (the terms, and those that found nothing), SPARQL queries,
        OAI-PMH harvests by format and set, referring sites."""
        rows = self.usage_rows(month)
        sums: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0, 0.0]))
        by_day: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for day, metric, key, n, total in rows:
            cell = sums[metric][key]
            cell[0] += n
            cell[1] += total
            if metric in ("visitors", "page_view"):
                by_day[day]["visitors" if metric == "visitors" else "page_views"] += n

        def top(metric: str, name: str) -> list[dict]:
            ranked = sorted(sums[metric].items(), key=lambda kv: (-kv[1][0], kv[0]))[:TOP]
            return [{name: key, "n": int(cell[0])} for key, cell in ranked]

        def total(metric: str) -> int:
            return int(sum(cell[0] for cell in sums[metric].values()))

        kinds: dict[str, int] = defaultdict(int)
        languages: dict[str, int] = defaultdict(int)
        for key, (n, _) in sums["page_view"].items():
            kind, _, lang = key.partition("|")
            kinds[kind] += int(n)
            languages[lang or "-"] += int(n)
        sparql = sums["sparql"]
        queries = int(sum(cell[0] for cell in sparql.values()))
        harvests = []
        for key, cell in sorted(sums["oai"].items(), key=lambda kv: (-kv[1][0], kv[0])):
            verb, _, rest = key.partition(" ")
            prefix, _, spec = rest.partition(" ")
            harvests.append({"verb": verb, "format": prefix, "set": spec, "n": int(cell[0])})
        return {
            "month": month,
            "days": {day: dict(v) for day, v in sorted(by_day.items())},
            "visitors_daily_sum": total("visitors"),
            "page_views": {"total": total("page_view"), "by_kind": _ranked(kinds), "by_language": _ranked(languages),
                           "by_robots": total("robot_view")},
            "records_viewed": top("record_view", "record"),
            "downloads": top("download", "file"),
            "searches": {"total": total("search"), "found_nothing": total("search_empty"),
                         "terms": top("search", "term"), "zero_result_terms": top("search_empty", "term")},
            "sparql": {"queries": queries, "errors": int(sparql["error"][0]), "timeouts": int(sparql["timeout"][0]),
                       "mean_ms": round(sum(c[1] for c in sparql.values()) / queries, 1) if queries else 0.0,
                       "texts": top("sparql_text", "query")},
            "oai": {"harvests": harvests[:TOP], "requests": top("oai_request", "verb")},
            "data_requests": top("data_request", "route"),
            "referrers": top("referrer", "domain"),
        }


def _ranked(counts: dict[str, int]) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
