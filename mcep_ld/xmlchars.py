"""Characters XML 1.0 forbids (its §2.2 Char production): repositories send them, and no response of ours may
carry one — a single one spoils the whole document for its reader."""

from __future__ import annotations

import re

INVALID_XML_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
