"""Where the bundled vocabularies, shapes and sample data live.

The project is installed in place (``pip install -e .``) so these folders sit beside the package;
``vocabularies_dir`` and ``shapes_dir`` in the configuration point elsewhere when wanted.
"""

from __future__ import annotations

from pathlib import Path

from mcep_ld.config import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLES_DIR = PROJECT_ROOT / "harvesters" / "samples"


def vocabularies_dir(settings: Settings) -> Path:
    return Path(settings.vocabularies_dir) if settings.vocabularies_dir else PROJECT_ROOT / "vocabularies"


def shapes_dir(settings: Settings) -> Path:
    return Path(settings.shapes_dir) if settings.shapes_dir else PROJECT_ROOT / "shapes"
