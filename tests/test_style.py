"""The code stays ruff-clean: the lint runs with the tests so a red lint is a red build."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from mcep_ld.resources import PROJECT_ROOT


def test_ruff_clean() -> None:
    ruff = shutil.which("ruff")
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]' installs it)")
    proc = subprocess.run([ruff, "check", "."], cwd=PROJECT_ROOT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
