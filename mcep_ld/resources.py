"""Where the bundled vocabularies, shapes and sample data live.

In the repository they are top-level folders (``vocabularies/``, ``shapes/``, ``harvesters/samples/``), the
source of truth, read in place by an editable install; a wheel carries them inside the package
(``mcep_ld/vocabularies/``…, see ``pyproject.toml``). ``vocabularies_dir`` and ``shapes_dir`` in the
configuration point elsewhere when an operator keeps their own copies.
"""

from __future__ import annotations

from pathlib import Path

from mcep_ld.config import Settings

PACKAGE_DIR = Path(__file__).resolve().parent
#: The checkout, for an editable install; in a wheel's install it is site-packages, where nothing below is.
PROJECT_ROOT = PACKAGE_DIR.parent


def bundled(name: str) -> Path:
    """The bundled folder *name* (``vocabularies``, ``shapes``, ``harvesters/samples``): inside the installed
    package, else in the checkout."""
    installed = PACKAGE_DIR / name
    return installed if installed.is_dir() else PROJECT_ROOT / name


SAMPLES_DIR = bundled("harvesters/samples")


def vocabularies_dir(settings: Settings) -> Path:
    return Path(settings.vocabularies_dir) if settings.vocabularies_dir else bundled("vocabularies")


def shapes_dir(settings: Settings) -> Path:
    return Path(settings.shapes_dir) if settings.shapes_dir else bundled("shapes")
