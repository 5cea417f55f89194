"""Mutation testing of the modules that hold the hub's guarantees, with cosmic-ray.

Small bugs (an operator swapped, a condition negated, a constant changed, a ``break`` made ``continue``) are put
into one module at a time, one bug per run of that module's own tests. A bug the tests let through (a surviving
mutant) is a gap in them: kill it with a test, or say in ``mutation-survivors.toml`` why no test can (the mutant
behaves as the code does). Not in CI: a group takes minutes. Run it after changing a guarantee or its tests:

    python3 -m pip install cosmic-ray                   # the `mutation` extra: pip install -e '.[mutation]'
    python3 benchmarks/mutation.py                      # every group
    python3 benchmarks/mutation.py --group tokens --group arguments

cosmic-ray mutates files in place, so the run works in a clone of HEAD (commit first), never in this checkout.
Each group's score and survivors go to ``benchmarks/results-mutation-{date}.json`` (groups not run this time keep
their last result there).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SURVIVORS = Path(__file__).with_name("mutation-survivors.toml")


@dataclass(frozen=True)
class Group:
    module: str
    tests: tuple[str, ...]
    timeout_s: float = 120.0  # one mutant's test run; longer counts as killed (a mutant that loops)


#: The guarantees and the tests that hold them (fast ones: each mutant runs them once).
GROUPS = {
    "tokens": Group("mcep_ld/serve/oai/tokens.py", ("tests/test_oai_arguments.py",)),
    "arguments": Group("mcep_ld/serve/oai/arguments.py", ("tests/test_oai_arguments.py",)),
    "negotiation": Group("mcep_ld/serve/formats.py", ("tests/test_formats.py",)),
    "update-authorisation": Group("mcep_ld/serve/web/bearer.py", ("tests/test_bearer.py",)),
    "restricted-fields": Group("mcep_ld/publish/restricted.py", ("tests/test_restricted.py",)),
    "tombstones-and-checkpoints": Group("mcep_ld/ingest/guards.py", ("tests/test_run_guards.py",)),
    "shacl-gate": Group("mcep_ld/validate/gate.py", ("tests/test_gate.py", "tests/test_shacl_compiled.py",
                                                     "tests/test_shacl_core.py")),
    "dates": Group("mcep_ld/mapping/dates.py", ("tests/test_mapping.py",)),
}

#: Mutations left out. ``X | None`` annotations are never evaluated (``from __future__ import annotations``): every
#: mutant of ``|`` there behaves as the code does. Replacing an operator by a shift, power or bitwise one adds
#: runs, not information: the arithmetic replacements (+ - * /) and the comparison ones stay.
EXCLUDED_OPERATORS = [r"core/ReplaceBinaryOperator_BitOr_.*",
                      r"core/ReplaceBinaryOperator_.*_(Pow|LShift|RShift|BitXor|BitAnd|BitOr|FloorDiv|Mod)$"]


def run_group(name: str, group: Group, clone: Path, work: Path) -> dict:
    """Mutate the group's module in *clone*, run its tests against each mutant; the group's figures."""
    tests = " ".join(group.tests)
    command = f"{sys.executable} -m pytest -x -q -n 0 -p no:cacheprovider -p no:randomly {tests}"
    baseline = subprocess.run(command.split(), cwd=clone, capture_output=True, text=True)
    if baseline.returncode != 0:
        raise SystemExit(f"{name}: the tests fail without any mutant:\n{baseline.stdout[-2000:]}")
    config, session = work / f"{name}.toml", work / f"{name}.sqlite"
    config.write_text(f"""[cosmic-ray]
module-path = "{group.module}"
timeout = {group.timeout_s}
excluded-modules = []
test-command = "{command}"

[cosmic-ray.distributor]
name = "local"

[cosmic-ray.filters.operators-filter]
exclude-operators = {json.dumps(EXCLUDED_OPERATORS)}
""", encoding="utf-8")
    tools = Path(sys.executable).parent
    for step in (["cosmic-ray", "init", str(config), str(session)],
                 ["cr-filter-operators", str(session), str(config)],
                 ["cr-filter-pragma", str(session)],
                 ["cosmic-ray", "exec", str(config), str(session)]):
        subprocess.run([str(tools / step[0]), *step[1:]], cwd=clone, check=True, capture_output=True)
    dump = subprocess.run([str(tools / "cosmic-ray"), "dump", str(session)], cwd=clone, check=True,
                          capture_output=True, text=True).stdout
    lines = (clone / group.module).read_text(encoding="utf-8").splitlines()
    explained = _explanations().get(group.module, {})
    counts = {"killed": 0, "survived": 0, "incompetent": 0}
    survivors = []
    for item, result in (json.loads(line) for line in dump.splitlines() if line.strip()):
        if result is None or result["worker_outcome"] == "skipped":
            continue
        outcome = "killed" if result["worker_outcome"] == "timeout" else result["test_outcome"]
        counts[outcome] += 1
        if outcome == "survived":
            mutation = item["mutations"][0]
            line = mutation["start_pos"][0]
            code = lines[line - 1].strip()
            survivors.append({"line": line, "operator": mutation["operator_name"], "code": code,
                              "explained": explained.get(f"{mutation['operator_name']} | {code}", "")})
    mutants = counts["killed"] + counts["survived"]
    unexplained = [s for s in survivors if not s["explained"]]
    return {"module": group.module, "tests": list(group.tests), "mutants": mutants, **counts,
            "score": round(counts["killed"] / mutants, 4) if mutants else None,
            "score_with_explained": round((mutants - len(unexplained)) / mutants, 4) if mutants else None,
            "survivors": sorted(survivors, key=lambda s: (s["line"], s["operator"]))}


def _explanations() -> dict[str, dict[str, str]]:
    """module → {"operator | the line as written": why no test can tell the mutant from the code} (keyed by the
    line's text, not its number, so an explanation outlives edits elsewhere in the module)."""
    if not SURVIVORS.exists():
        return {}
    return tomllib.loads(SURVIVORS.read_text(encoding="utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--group", action="append", choices=sorted(GROUPS), help="a group to run (default: all)")
    parser.add_argument("--output", type=Path, help="the results file (default: results-mutation-{date}.json here)")
    parser.add_argument("--explain-only", action="store_true",
                        help="run nothing: mark the results file's survivors from mutation-survivors.toml again")
    args = parser.parse_args(argv)
    names = args.group or list(GROUPS)
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
                           capture_output=True, text=True).stdout.strip()
    if dirty:
        print("note: uncommitted changes are not in the run (it mutates a clone of HEAD)", file=sys.stderr)
    out = args.output or ROOT / "benchmarks" / f"results-mutation-{datetime.now(UTC):%Y-%m-%d}.json"
    results = json.loads(out.read_text(encoding="utf-8")) if out.exists() else {"groups": {}}
    if args.explain_only:
        explanations = _explanations()
        for figures in results["groups"].values():
            explained = explanations.get(figures["module"], {})
            for survivor in figures["survivors"]:
                survivor["explained"] = explained.get(f"{survivor['operator']} | {survivor['code']}", "")
            mutants, unexplained = figures["mutants"], [s for s in figures["survivors"] if not s["explained"]]
            figures["score_with_explained"] = round((mutants - len(unexplained)) / mutants, 4) if mutants else None
        _write(out, results)
        print(json.dumps({"total": results["total"], "written": str(out)}))
        return 0
    with tempfile.TemporaryDirectory(prefix="mcep-mutation-") as tmp:
        clone = Path(tmp) / "src"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        if (ROOT.parent / "shared").is_dir():  # beside the clone, as beside the checkout: the conformance suites
            (Path(tmp) / "shared").symlink_to(ROOT.parent / "shared")
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=clone, capture_output=True, text=True).stdout
        for name in names:
            started = datetime.now(UTC)
            figures = run_group(name, GROUPS[name], clone, Path(tmp))
            figures.update(commit=commit.strip(), ran=f"{started:%Y-%m-%dT%H:%M:%SZ}",
                           seconds=round((datetime.now(UTC) - started).total_seconds()))
            results["groups"][name] = figures
            _write(out, results)  # after each group: a stopped run keeps what it measured
            print(json.dumps({"group": name, **{k: figures[k] for k in ("mutants", "killed", "survived", "score",
                                                                          "score_with_explained", "seconds")}}))
    print(json.dumps({"total": results["total"], "written": str(out)}))
    return 0


def _write(out: Path, results: dict) -> None:
    groups = results["groups"].values()
    killed, mutants = sum(g["killed"] for g in groups), sum(g["mutants"] for g in groups)
    unexplained = sum(1 for g in groups for s in g["survivors"] if not s["explained"])
    results["total"] = {"mutants": mutants, "killed": killed, "score": round(killed / mutants, 4) if mutants else None,
                        "unexplained_survivors": unexplained}
    out.write_text(json.dumps(results, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
