"""Whether a record of a source that holds far more than the Convention's subject is about mercury: the rule
the GEF and CBD harvesters apply to what they list (``[sources.NAME] relevant_only``)."""

from __future__ import annotations

import re
from collections.abc import Iterable

#: Mercury, the Convention, its initial assessments and artisanal gold mining, in the six languages.
ABOUT_MERCURY = re.compile(
    r"mercury|minamata|\bMIA\b|ASGM|artisanal and small[- ]scale gold|amalgam"
    r"|mercure|mercurio|\bEMAPE\b|\bMAPE\b|orpaillage|ртут|минамат|амальгам|汞|水俣|زئبق|ميناماتا|ملغم",
    re.IGNORECASE)


def about_mercury(texts: Iterable[str]) -> bool:
    """Whether any of *texts* (titles, descriptions) names mercury, the Convention or what it governs."""
    return any(ABOUT_MERCURY.search(text) for text in texts if isinstance(text, str))
