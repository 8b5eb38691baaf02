"""A `shopsense search evaluate` report, checked before a bundle records it (`shopsense train
--search-report`): the console shows its methods beside the recommendation metrics."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from shopsense.data.errors import DataError


def read_search_report(path: Path) -> dict[str, Any]:
    """The report at `path`; a `DataError` naming the field where it is not a search
    evaluation report (`methods`: each method's metrics, numbers)."""
    try:
        report = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise DataError(f"not a readable JSON report ({error})", source=str(path)) from None
    methods = report.get("methods") if isinstance(report, dict) else None
    if not isinstance(methods, dict) or not methods:
        raise DataError(
            "missing: a search evaluation report lists its methods' metrics",
            source=str(path),
            field="methods",
        )
    for method, metrics in methods.items():
        numbers = isinstance(metrics, dict) and all(
            isinstance(value, int | float) and math.isfinite(value) for value in metrics.values()
        )
        if not numbers or not metrics:
            raise DataError(
                "each method's metrics must be finite numbers by name",
                source=str(path),
                field=f"methods.{method}",
            )
    return report
