"""The hub installs like a package: a wheel holds everything it needs (harvesters, vocabularies, shapes,
samples, static files) inside its one import package, and a non-editable install runs the demo from any
folder."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_folder_is_declared() -> None:
    """The package list is explicit (some folders are mapped into mcep_ld): a new package must be added."""
    setuptools = PYPROJECT["tool"]["setuptools"]
    mapped = {Path(folder): name for name, folder in setuptools["package-dir"].items()}
    found = set()
    for init in [*ROOT.joinpath("mcep_ld").rglob("__init__.py"), *ROOT.joinpath("harvesters").rglob("__init__.py")]:
        folder = init.parent.relative_to(ROOT)
        top = next((f for f in mapped if folder == f or f in folder.parents), None)
        name = ".".join(folder.parts) if top is None else ".".join([mapped[top], *folder.relative_to(top).parts])
        found.add(name)
    assert found | set(mapped.values()) == set(setuptools["packages"])


def test_harvester_entry_points_name_installed_modules() -> None:
    for name, target in PYPROJECT["project"]["entry-points"]["mcep_ld.harvesters"].items():
        module, _, cls = target.partition(":")
        assert module.startswith("mcep_ld.harvesters."), name
        path = ROOT / "harvesters" / Path(*module.split(".")[2:])
        source = (path / "__init__.py" if path.is_dir() else path.with_suffix(".py")).read_text()
        assert cls in {n.name for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef)}, name


def clean_env() -> dict[str, str]:
    """This environment without what would make another copy of the hub importable or configured."""
    return {k: v for k, v in os.environ.items() if not k.startswith("MCEP_") and k != "PYTHONPATH"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the sources (a build writes build/ and *.egg-info beside them)."""
    source, out = tmp_path_factory.mktemp("source"), tmp_path_factory.mktemp("wheel")
    junk = shutil.ignore_patterns("__pycache__", "*.egg-info", "build")
    for name in ("mcep_ld", "harvesters", "vocabularies", "shapes"):
        shutil.copytree(ROOT / name, source / name, ignore=junk)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(out), str(source)],
                          capture_output=True, text=True, timeout=300, env=clean_env())
    assert proc.returncode == 0, proc.stderr[-3000:]
    return next(out.glob("mcep_ld-*.whl"))


def test_the_wheel_holds_one_import_package_with_its_data(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {"mcep_ld"}
    for expected in ("mcep_ld/harvesters/informea/odata.py", "mcep_ld/vocabularies/themes.ttl",
                     "mcep_ld/shapes/records.ttl", "mcep_ld/harvesters/samples/gef/projects.csv",
                     "mcep_ld/harvesters/samples/oai/records.xml", "mcep_ld/serve/web/static/hub.css",
                     "mcep_ld/serve/web/context.jsonld"):
        assert expected in names
    samples = [p for p in ROOT.joinpath("harvesters", "samples").rglob("*") if p.is_file()
               and "__pycache__" not in p.parts]
    assert {f"mcep_ld/{p.relative_to(ROOT).as_posix()}" for p in samples} <= set(names)


def test_a_non_editable_install_runs_the_demo_from_any_folder(wheel: Path, tmp_path: Path) -> None:
    """In a fresh virtual environment (the dependencies taken from this one), from an empty folder."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--no-deps", "--force-reinstall", str(wheel)],
                   check=True, timeout=300, env=clean_env())
    site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    assert (site / "mcep_ld").is_dir() and not (site / "harvesters").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    env = clean_env()
    where = subprocess.run([str(python), "-c", "import mcep_ld.resources as r; print(r.SAMPLES_DIR)"], cwd=empty,
                           env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(where).is_relative_to(site)  # the install's own copy, not the checkout's
    proc = subprocess.run([str(venv / "bin" / "mcep"), "demo", "--no-serve", "--data-dir", "X"], cwd=empty, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    for source in ("informea", "gef", "wedocs", "convention", "files", "answers"):
        assert f"{source}: run " in proc.stdout and "completed" in proc.stdout
    assert (empty / "X" / "catalog.sqlite").is_file()
