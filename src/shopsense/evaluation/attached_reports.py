"""Reports of other commands that a bundle records (`shopsense train --search-report`,
`--policy-report`), checked before the training: the console shows them.

Each reader returns the report as written, or raises a `DataError` naming the file and the
first field that is not of the report's shape (`policy_choice[0].test`).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from shopsense.data.errors import DataError

#: The off-policy estimators every `shopsense evaluate-policy` row carries.
ESTIMATORS = ("ipw", "snipw", "dr")
_INTERVAL = ("estimate", "ci_low", "ci_high")


def read_search_report(path: Path) -> dict[str, Any]:
    """The `shopsense search evaluate` report at `path` (`methods`: each method's metrics,
    finite numbers by name)."""
    report = _read_json(path)
    methods = report.get("methods")
    if not isinstance(methods, dict) or not methods:
        raise _wrong(path, "methods", "missing: a search evaluation report lists its methods")
    for method, metrics in methods.items():
        if not isinstance(metrics, dict) or not metrics or not all(map(_finite, metrics.values())):
            raise _wrong(
                path, f"methods.{method}", "each method's metrics must be finite numbers by name"
            )
    return report


def read_policy_report(path: Path) -> dict[str, Any]:
    """The `shopsense evaluate-policy` report at `path`: `ope_validation` (each estimator's
    estimate of the Thompson-sampling policy's click rate beside its truth, per campaign) and
    `policy_choice` (per campaign, the chosen policy and every test policy's IPW, SNIPW and DR
    estimates with their intervals)."""
    report = _read_json(path)
    for index, row in enumerate(_records(path, report, "ope_validation")):
        where = f"ope_validation[{index}]"
        _check(
            path,
            row,
            where,
            texts=("campaign", "estimator"),
            numbers=(*_INTERVAL, "truth"),
            flags=("covered",),
        )
    for index, choice in enumerate(_records(path, report, "policy_choice")):
        where = f"policy_choice[{index}]"
        counts = ("test_impressions", "test_clicks")
        _check(path, choice, where, texts=("campaign", "chosen"), counts=counts)
        tests = _records(path, choice, "test", where)
        for number, row in enumerate(tests):
            _check(path, row, f"{where}.test[{number}]", texts=("policy",))
            for estimator in ESTIMATORS:
                interval = f"{where}.test[{number}].{estimator}"
                _check(path, row.get(estimator), interval, numbers=_INTERVAL)
        if choice["chosen"] not in {row["policy"] for row in tests}:
            raise _wrong(path, f"{where}.chosen", "the chosen policy is not among the tested ones")
        on_policy = "thompson_sampling_on_policy"
        _check(
            path,
            choice.get(on_policy),
            f"{where}.{on_policy}",
            numbers=("click_rate",),
            counts=("impressions",),
        )
    return report


def _read_json(path: Path) -> dict[str, Any]:
    """The JSON object in the file at `path` (other JSON: an empty one, so that the check
    names the first field the report lacks)."""
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise DataError(f"not a readable JSON report ({error})", source=str(path)) from None
    return report if isinstance(report, dict) else {}


def _records(path: Path, parent: dict[str, Any], key: str, where: str = "") -> list[Any]:
    """The non-empty list at `parent[key]`, each of its entries an object."""
    field = f"{where}.{key}" if where else key
    records = parent.get(key)
    if not isinstance(records, list) or not records:
        raise _wrong(path, field, "missing: a non-empty list is expected")
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise _wrong(path, f"{field}[{index}]", "must be an object")
    return records


def _check(
    path: Path,
    record: object,
    where: str,
    *,
    numbers: tuple[str, ...] = (),
    texts: tuple[str, ...] = (),
    counts: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
) -> None:
    """`record` (at `where`) is an object with finite `numbers`, non-empty `texts`, whole
    `counts` and true-or-false `flags`."""
    if not isinstance(record, dict):
        raise _wrong(path, where, "missing: an object is expected")
    for key in numbers:
        if not _finite(record.get(key)):
            raise _wrong(path, f"{where}.{key}", "must be a finite number")
    for key in texts:
        if not isinstance(record.get(key), str) or not record[key]:
            raise _wrong(path, f"{where}.{key}", "must be a non-empty string")
    for key in counts:
        value = record.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise _wrong(path, f"{where}.{key}", "must be a count (a whole number, 0 or more)")
    for key in flags:
        if not isinstance(record.get(key), bool):
            raise _wrong(path, f"{where}.{key}", "must be true or false")


def _finite(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _wrong(path: Path, field: str, problem: str) -> DataError:
    return DataError(problem, source=str(path), field=field)
