"""Mutation testing of the evaluation harness, the splits and the durable event write path.

    pip install mutmut  # not a test dependency
    nice -n 19 python benchmarks/bench_mutation.py --sample 0.1 --save runs/mutation.json

runs `mutmut run` as configured in pyproject.toml (`[tool.mutmut]`: the files it mutates and
the test files it runs; each mutant runs only the selected tests that reach the function it
mutates) on the mutants of SCOPE below, then counts per module the mutants the tests killed,
the ones that survived, timed out or that no selected test reaches, and lists every survivor
with the reason it is equivalent (EQUIVALENT below; a survivor without one is marked
"unexplained": a test is missing). Of data/store.py only the functions that write events are in
scope. The results go to BENCHMARKS.md (section `mutation`) with, from `--before`, the numbers
of an earlier run to compare with (the JSON that `--save` wrote then).
`mutants/` (mutmut's work folder) is removed first unless `--keep`.

A full run is about 1,860 mutants at 10-20 s each on a shared 2-core machine (hours), so
`--sample F` runs a seeded sample: every mutant whose name hashes below F, the same mutants on
every run of the same source. `--rerun-survivors BEFORE.json` re-runs only the mutants that
BEFORE's run did not kill (after strengthening the tests) and keeps its killed ones: tests only
got stronger, so a mutant killed then is killed now.
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from benchmarks_md import command_line, machine_line, markdown_table, write_section

ROOT = Path(__file__).resolve().parents[1]
MUTMUT = Path(sys.executable).with_name("mutmut")
_STORE = "shopsense.data.store.xǁStoreǁ"
#: Module label -> mutmut mutant-name patterns in scope.
SCOPE: dict[str, list[str]] = {
    "evaluation/guards.py": ["shopsense.evaluation.guards.*"],
    "evaluation/metrics.py": ["shopsense.evaluation.metrics.*"],
    "evaluation/new_users.py": ["shopsense.evaluation.new_users.*"],
    "evaluation/report.py": ["shopsense.evaluation.report.*"],
    "evaluation/runner.py": ["shopsense.evaluation.runner.*"],
    "evaluation/search.py": ["shopsense.evaluation.search.*"],
    "data/splits.py": ["shopsense.data.splits.*"],
    "serving/writer.py": ["shopsense.serving.writer.*"],
    "data/store.py (event writes)": [
        f"{_STORE}{method}__mutmut_*"
        for method in (
            "append_events",
            "_commit_pending",
            "_write_pending",
            "_write",
            "_existing_items",
            "_transaction",
        )
    ]
    + ["shopsense.data.store.x__utc__mutmut_*"],
}
#: mutmut's statuses, in table order.
STATUSES = ("killed", "survived", "timeout", "no tests", "suspicious", "segfault")

_PROGRESS = "changes only what the progress bar shows"
#: Surviving mutants that no test can kill: the mutated program behaves as the original (names
#: as mutmut numbers them for the source of this commit; a changed function renumbers them).
EQUIVALENT: dict[str, str] = {
    "shopsense.evaluation.guards.x__case_pairs__mutmut_2": "without the schema polars infers "
    "the same Utf8 columns from the non-empty lists of string ids; empty cases return before "
    "the frame is built",
    "shopsense.evaluation.report.x_evaluate_models__mutmut_143": "changes the console line "
    "logged after each model (a message; nothing in the report)",
    "shopsense.evaluation.runner.x_rank_cases__mutmut_35": _PROGRESS,
    "shopsense.evaluation.search.x_in_test_half__mutmut_14": "`<` and `<=` differ only when "
    "the 64-bit hash equals the fraction exactly (probability 2⁻⁶⁴)",
    "shopsense.evaluation.search.x_evaluate_search__mutmut_52": "show_progress defaults to "
    f"False: {_PROGRESS}",
    "shopsense.evaluation.search.x_evaluate_search__mutmut_91": _PROGRESS,
    "shopsense.evaluation.search.x_evaluate_search__mutmut_238": _PROGRESS,
    "shopsense.data.splits.x__first_after__mutmut_8": "`_first_after` receives "
    "`Dataset.events` (or a filter of it), sorted by user; polars groups a column it knows to "
    "be sorted in key order either way (the order is still tested: "
    "test_temporal_cases_come_in_the_order_of_the_events)",
    "shopsense.evaluation.search.x_evaluate_search__mutmut_210": "every field of "
    "SearchEvalConfig is a JSON type already, so the Python and JSON dumps are the same dict",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--max-children", type=int, default=2, help="mutants run at once")
    parser.add_argument("--sample", type=float, default=1.0, help="share of mutants (seeded)")
    parser.add_argument("--keep", action="store_true", help="reuse mutants/ (cached results)")
    parser.add_argument("--rerun-survivors", type=Path, help="JSON of a run: re-run its unkilled")
    parser.add_argument("--save", type=Path, help="write this run's results as JSON here")
    parser.add_argument("--before", type=Path, help="JSON of an earlier run to compare with")
    parser.add_argument("--label", default="after", help="what this run is (e.g. before)")
    parser.add_argument("--no-write", action="store_true", help="leave BENCHMARKS.md alone")
    parser.add_argument(
        "--from-json", type=Path, help="run nothing: write the section from a saved run"
    )
    args = parser.parse_args()
    if args.from_json:
        report = json.loads(args.from_json.read_text())
        before = json.loads(args.before.read_text()) if args.before else None
        write_section("mutation", render(report, before))
        return

    earlier = json.loads(args.rerun_survivors.read_text()) if args.rerun_survivors else None
    if not args.keep and (ROOT / "mutants").exists():
        # Whole or not at all: mutmut keeps (and mutates) any stale copy of a source file left.
        shutil.rmtree(ROOT / "mutants")
    names = sorted(in_scope(generate_mutants()))
    if earlier is not None:
        chosen = [name for name, status in earlier["statuses"].items() if status != "killed"]
    else:
        chosen = [name for name in names if sampled(name, args.sample)]
    started, head = time.perf_counter(), commit()  # what the run starts from
    run = subprocess.run(
        [str(MUTMUT), "run", "--max-children", str(args.max_children), *chosen],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    (ROOT / "mutants" / "bench-run.log").write_text(run.stdout + run.stderr)
    statuses = {name: status for name, status in results().items() if name in set(chosen)}
    if len(statuses) < len(chosen) or "not checked" in statuses.values():
        sys.exit(f"mutmut did not finish (exit {run.returncode}):\n{run.stdout[-3000:]}")
    if earlier is not None:
        statuses = {**earlier["statuses"], **statuses}
    report = {
        "label": args.label,
        "command": command_line(),
        "date": f"{datetime.now(UTC):%Y-%m-%d}",
        "commit": head,
        "seconds": round(seconds),
        "max_children": args.max_children,
        "mutmut": mutmut_version(),
        "sample": earlier["sample"] if earlier else args.sample,
        "in_scope": len(names),
        "rerun": len(chosen) if earlier else None,
        "modules": count(statuses),
        "statuses": statuses,
        "survivors": [
            {"mutant": name, "module": module, "change": change(name)}
            for name, module in in_scope(statuses).items()
            if statuses[name] == "survived"
        ],
    }
    print(render_counts(report))
    for survivor in report["survivors"]:
        why = EQUIVALENT.get(survivor["mutant"], "UNEXPLAINED")
        print(f"survived {survivor['mutant']}: {survivor['change']} -- {why}")
    if args.save:
        args.save.parent.mkdir(parents=True, exist_ok=True)
        args.save.write_text(json.dumps(report, indent=2))
    if not args.no_write:
        before = json.loads(args.before.read_text()) if args.before else None
        write_section("mutation", render(report, before))


def generate_mutants() -> list[str]:
    """Write mutmut's mutants (as `mutmut run` does first) and return every mutant's name."""
    subprocess.run(
        [
            sys.executable,
            "-c",
            "from mutmut.__main__ import copy_also_copy_files, copy_src_dir, create_mutants\n"
            "copy_src_dir(); copy_also_copy_files(); create_mutants(2)",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    names = []
    for meta in sorted((ROOT / "mutants").rglob("*.py.meta")):
        names += list(json.loads(meta.read_text())["exit_code_by_key"])
    return names


def sampled(name: str, share: float) -> bool:
    """Whether mutant `name` is in the seeded sample holding `share` of all mutants."""
    digest = hashlib.sha256(name.encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2.0**64 < share


def results() -> dict[str, str]:
    """Every mutant's status, from `mutmut results --all true`."""
    listing = subprocess.run(
        [str(MUTMUT), "results", "--all", "true"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    statuses = {}
    for line in listing.splitlines():
        name, _, status = line.strip().rpartition(": ")
        if name:
            statuses[name] = status
    return statuses


def in_scope(statuses: dict[str, str]) -> dict[str, str]:
    """Mutant name -> module label, for the mutants of SCOPE."""
    scoped = {}
    for name in statuses:
        for module, patterns in SCOPE.items():
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns):
                scoped[name] = module
                break
    return scoped


def count(statuses: dict[str, str]) -> dict[str, dict[str, int]]:
    """Per module label: mutants per status."""
    counts: dict[str, Counter] = {module: Counter() for module in SCOPE}
    for name, module in in_scope(statuses).items():
        counts[module][statuses[name]] += 1
    return {module: dict(counter) for module, counter in counts.items()}


def change(name: str) -> str:
    """The mutated line, as `old -> new` (from `mutmut show`)."""
    diff = subprocess.run(
        [str(MUTMUT), "show", name], cwd=ROOT, capture_output=True, text=True
    ).stdout.splitlines()
    removed = [line[1:].strip() for line in diff if re.match(r"-(?!--)", line)]
    added = [line[1:].strip() for line in diff if re.match(r"\+(?!\+\+)", line)]
    return f"`{' '.join(removed)[:90]}` → `{' '.join(added)[:90]}`"


def commit() -> str:
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    return f"{head} + uncommitted changes" if dirty else head


def mutmut_version() -> str:
    out = subprocess.run([str(MUTMUT), "--version"], capture_output=True, text=True).stdout
    return out.strip().rsplit(" ", 1)[-1]


def killed_rate(counts: dict[str, int]) -> str:
    """Killed (timeouts count as killed: the mutant broke the program) over all mutants."""
    total = sum(counts.values())
    if not total:
        return "–"
    killed = counts.get("killed", 0) + counts.get("timeout", 0)
    return f"{killed / total:.1%}"


def _totals(report: dict) -> dict[str, int]:
    totals: Counter = Counter()
    for counts in report["modules"].values():
        totals.update(counts)
    return dict(totals)


def render_counts(report: dict) -> str:
    rows = [
        [module, *(str(counts.get(s, 0)) for s in STATUSES), killed_rate(counts)]
        for module, counts in report["modules"].items()
    ]
    totals = _totals(report)
    rows.append(
        ["**all**", *(str(totals.get(s, 0)) for s in STATUSES), f"**{killed_rate(totals)}**"]
    )
    return markdown_table(["module", *STATUSES, "killed rate"], rows)


def render(report: dict, before: dict | None) -> str:
    lines = [
        "## Mutation testing (evaluation, splits, event writes)",
        "",
        f"`{report.get('command', command_line())}`",
        "",
        machine_line(),
        "",
        "mutmut mutates the evaluation harness (`evaluation/`), the splits (`data/splits.py`) "
        "and the durable event write path (`serving/writer.py`; of `data/store.py` the "
        "functions that write events); each mutant runs the tests of "
        "`[tool.mutmut] pytest_add_cli_args_test_selection` (pyproject.toml) that reach the "
        "function it mutates. Killed rate = (killed + timeout) / mutants run; *no tests*: no "
        "selected test calls the function.",
        "",
        _sample_line(report),
        "",
    ]
    if before is not None:
        lines += [
            f"### Before: the tests as they were (commit {before['commit']}, {before['date']}, "
            f"mutmut {before['mutmut']}, {before['seconds']} s)",
            "",
            f"`{before['command']}`",
            "",
            render_counts(before),
            "",
        ]
    lines += [
        f"### {'After: the strengthened tests' if before is not None else 'Run'} "
        f"(commit {report['commit']}, "
        f"{report['date']}, mutmut {report['mutmut']}, {report['seconds']} s with "
        f"{report['max_children']} mutants at a time"
        + (
            f"; the {report['rerun']} mutants the earlier run did not kill re-run"
            if report.get("rerun")
            else ""
        )
        + ")",
        "",
        render_counts(report),
        "",
    ]
    for note in report.get("notes", []):
        lines += [note, ""]
    if report["survivors"]:
        lines += [
            "Surviving mutants, each equivalent to the original (no test can tell them apart):",
            "",
            markdown_table(
                ["mutant", "change", "why it is equivalent"],
                [
                    [
                        f"`{s['mutant'].removeprefix('shopsense.')}`",
                        s["change"].replace("|", "\\|"),
                        EQUIVALENT.get(s["mutant"], "**unexplained: a test is missing**"),
                    ]
                    for s in report["survivors"]
                ],
            ),
        ]
    return "\n".join(lines)


def _sample_line(report: dict) -> str:
    total = sum(sum(counts.values()) for counts in report["modules"].values())
    if report["sample"] >= 1.0:
        return f"All {total:,} mutants in scope."
    return (
        f"A seeded sample of {total:,} of the {report['in_scope']:,} mutants in scope "
        f"(`--sample {report['sample']}`: a mutant is in it when the hash of its name is below "
        "that share; a full run takes hours on this shared 2-core machine)."
    )


if __name__ == "__main__":
    main()
