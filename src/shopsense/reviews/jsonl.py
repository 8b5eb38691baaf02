"""JSON-lines review files: one object per line, each with the string fields a command needs."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from shopsense.data.errors import DataError


def read_jsonl(
    path: Path, strings: Sequence[str], present: Sequence[str] = ()
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line of `path`; raises `DataError` naming the
    line and field of a line that is not a JSON object, lacks one of `present` or lacks one of
    `strings` as a string."""
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    with path.open(encoding="utf-8") as handle:
        for line, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw)
            except json.JSONDecodeError as error:
                raise DataError(f"not JSON ({error.msg})", source=str(path), record=line) from None
            if not isinstance(record, dict):
                raise DataError("expected a JSON object", source=str(path), record=line)
            for field in (*present, *strings):
                if field not in record:
                    raise DataError("missing", source=str(path), record=line, field=field)
            for field in strings:
                if not isinstance(record[field], str):
                    raise DataError("must be a string", source=str(path), record=line, field=field)
            yield line, record
