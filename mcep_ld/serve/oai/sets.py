"""OAI-PMH sets: the setSpecs records carry (``kind:decision``, ``country:BR``…), their hierarchy and names."""

from __future__ import annotations

from collections.abc import Iterable

from mcep_ld.vocab import Vocabulary


def in_set(sets: str, spec: str) -> bool:
    """Whether a record with these setSpecs is in *spec* or in a set below it (``country`` holds ``country:BR``)."""
    return any(s == spec or s.startswith(f"{spec}:") for s in sets.split())


def set_specs(set_lists: Iterable[str]) -> list[str]:
    """Every set of the repository, parents included, from the records' space-separated setSpecs."""
    specs: set[str] = set()
    for sets in set_lists:
        for spec in sets.split():
            parts = spec.split(":")
            specs.update(":".join(parts[:i]) for i in range(1, len(parts) + 1))
    return sorted(specs)


def set_name(spec: str, vocab: Vocabulary, base_uri: str) -> str:
    """A readable name: the English label of the concept a set stands for, where there is one."""
    family, _, value = spec.partition(":")
    if not value:
        return {"kind": "Record kinds", "source": "Sources", "treaty": "Treaties", "country": "Countries",
                "region": "Regions", "theme": "Themes", "relevance": "Relevance"}.get(family, spec)
    scheme = {"kind": "kind", "treaty": "treaty", "country": "country", "region": "region",
              "theme": "theme"}.get(family)
    if scheme:
        label = vocab.label(f"{base_uri}vocab/{scheme}/{value}", ["en"])
        if label:
            return label[0]
    return {"source": f"Records from {value}", "relevance": f"Relevant to: {value}"}.get(family, spec)
