"""What validation finds: one result (``Finding``) and a record's results (``Outcome``), the same whether
pyshacl or the compiled shapes (``validate/compiled.py``) found them."""

from __future__ import annotations

from dataclasses import dataclass, field

from rdflib import Graph, URIRef


@dataclass
class Finding:
    severity: str  # Violation | Warning | Info
    focus: str
    path: str
    message: str
    constraint: str
    value: str | None = None
    shape: str = ""  # the shape whose constraint failed (sh:sourceShape)

    def line(self, graph: Graph | None = None) -> str:
        def short(term: str) -> str:
            if graph is not None:
                try:
                    return graph.namespace_manager.normalizeUri(URIRef(term))
                except Exception:  # noqa: BLE001 - fall back to the full IRI
                    return f"<{term}>"
            return f"<{term}>"

        value = f" (value: {self.value})" if self.value is not None else ""
        return (f"{self.severity}: {short(self.focus)} {short(self.path) if self.path else ''}: "
                f"{self.message}{value} [{short(self.constraint)}]")


@dataclass
class Outcome:
    """The findings for one record."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def violations(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "Violation"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity != "Violation"]

    def report(self, severity: str) -> str:
        picked = self.violations if severity == "Violation" else self.warnings
        return "\n".join(f.line() for f in picked)
