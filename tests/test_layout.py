"""The layout keeps its promises: stages as packages without cycles, the harvester contract declared in one
place, SQL on the catalog only in the catalog package, the core free of the web layer, no oversized class,
and one error root whose drawn tree matches the classes."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections import defaultdict
from pathlib import Path

import mcep_ld
from mcep_ld.errors import MCEPError

ROOT = Path(__file__).resolve().parent.parent
CODE = sorted([*(ROOT / "mcep_ld").rglob("*.py"), *(ROOT / "harvesters").glob("*.py")])
MAX_CLASS_LINES = 250
#: modules on top of everything: they may import any package (the command line)
TOP = {"mcep_ld.cli", "mcep_ld.cli_vocab", "mcep_ld.__main__"}


def module_name(path: Path) -> str:
    """The module's import name; the harvesters are installed inside the package (``mcep_ld.harvesters``)."""
    name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    if name.startswith("harvesters"):
        name = f"mcep_ld.{name}"
    return name.removesuffix(".__init__")


def imported(tree: ast.AST) -> list[str]:
    """Every module an import statement names, at module level or inside functions."""
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def unit(module: str) -> str | None:
    """The package a module counts in: ``mcep_ld.<stage or module>`` (``mcep_ld.harvesters`` among them)."""
    parts = module.split(".")
    if parts[0] != "mcep_ld" or len(parts) < 2:
        return None
    return f"mcep_ld.{parts[1]}"


def trees() -> dict[str, ast.AST]:
    return {module_name(path): ast.parse(path.read_text(), str(path)) for path in CODE}


def dependencies() -> dict[str, set[str]]:
    edges: dict[str, set[str]] = defaultdict(set)
    for module, tree in trees().items():
        here = unit(module)
        for target in imported(tree):
            there = unit(target)
            if here and there and there != here and there != "mcep_ld.__version__":
                edges[here].add(there)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, path, done = [], [], set()

    def visit(node: str) -> None:
        if node in path:
            found.append(path[path.index(node):] + [node])
            return
        if node in done:
            return
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            visit(nxt)
        path.pop()
        done.add(node)

    for node in sorted(edges):
        visit(node)
    return found


def test_no_import_cycle_between_packages() -> None:
    assert cycles(dependencies()) == []


def test_the_cycle_check_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == [["a", "b", "c", "a"]]


def test_the_hub_never_imports_the_harvesters() -> None:
    """They are found by name (entry points), so the hub works with any set of them installed."""
    assert "mcep_ld.harvesters" not in {there for here, theirs in dependencies().items()
                                        if here != "mcep_ld.harvesters" for there in theirs}


def test_the_core_never_imports_the_web_layer() -> None:
    offenders = [module for module, tree in trees().items()
                 if not module.startswith("mcep_ld.serve") and module not in TOP
                 and any(name.startswith("mcep_ld.serve") for name in imported(tree))]
    assert offenders == []


def test_only_the_contract_probes_a_harvester() -> None:
    """Capabilities are declared with defaults on the base class, never discovered with getattr/hasattr."""
    offenders = []
    for module, tree in trees().items():
        if module == "mcep_ld.fetch.contract":
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("getattr", "hasattr", "setattr") and node.args
                    and "harvester" in ast.unparse(node.args[0]).lower()):
                offenders.append(f"{module}:{node.lineno}")
    assert offenders == []


CATALOG_TABLES = re.compile(r"\b(FROM|INTO|UPDATE|JOIN)\s+(records|runs|reports|checkpoints|changes|meta)\b", re.I)


def test_only_the_catalog_speaks_sql_to_the_catalog_database() -> None:
    offenders = []
    for module, tree in trees().items():
        if module.startswith("mcep_ld.catalog"):
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "db" and "catalog" in ast.unparse(node.value):
                offenders.append(f"{module}:{node.lineno} {ast.unparse(node)}")
            if (isinstance(node, ast.Constant) and isinstance(node.value, str) and CATALOG_TABLES.search(node.value)
                    and not module.startswith("mcep_ld.search")):
                offenders.append(f"{module}:{node.lineno} {node.value[:60]!r}")
    assert offenders == []


def test_no_class_is_over_the_limit() -> None:
    sizes = {f"{module}.{node.name}": node.end_lineno - node.lineno + 1
             for module, tree in trees().items() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    assert {name: lines for name, lines in sizes.items() if lines > MAX_CLASS_LINES} == {}


def all_modules() -> None:
    for info in pkgutil.walk_packages(mcep_ld.__path__, "mcep_ld."):
        if not info.name.endswith("__main__"):
            importlib.import_module(info.name)


def drawn_tree() -> dict[str, str]:
    """child → parent, as drawn in ``mcep_ld.errors``' docstring."""
    parents: dict[int, str] = {}
    drawn = {}
    for line in (mcep_ld.errors.__doc__ or "").splitlines():
        match = re.match(r"^\s{4}([│ ]*(?:[├└]── )?)([A-Z]\w+)", line)
        if not match:
            continue
        depth = len(match.group(1)) // 4
        parents[depth] = match.group(2)
        if depth:
            drawn[match.group(2)] = parents[depth - 1]
    return drawn


def test_every_error_has_the_one_root_and_is_drawn() -> None:
    all_modules()
    actual = {}
    todo = [MCEPError]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            actual[sub.__name__] = cls.__name__
            todo.append(sub)
    assert drawn_tree() == actual


def test_every_exception_class_of_the_hub_has_the_root() -> None:
    all_modules()
    rootless = []
    for module, tree in trees().items():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                cls = getattr(importlib.import_module(module), node.name, None)
                if isinstance(cls, type) and issubclass(cls, BaseException) and not issubclass(cls, MCEPError):
                    rootless.append(f"{module}.{node.name}")
    assert rootless == []
