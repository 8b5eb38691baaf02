"""The one error type for bad input: it names where the problem is and what it is."""

from __future__ import annotations


class DataError(ValueError):
    """Bad input data. Names the source (file), the record (line or id), the field and the problem.

    Raised by loaders, validation and the store; nothing is ingested when it is raised.
    """

    def __init__(
        self,
        problem: str,
        *,
        source: str | None = None,
        record: str | int | None = None,
        field: str | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.record = record
        self.field = field
        super().__init__(self._message())

    def _message(self) -> str:
        where = []
        if self.source:
            where.append(f"file {self.source}")
        if self.record is not None:
            label = "line" if isinstance(self.record, int) else "record"
            where.append(f"{label} {self.record}")
        if self.field:
            where.append(f"field '{self.field}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.problem}" if prefix else self.problem


class StorageError(RuntimeError):
    """The store could not be read or written (disk full, read-only file, lost connection):
    not the data's fault, and nothing was written. The message names the file, for logs."""

    def __init__(self, problem: str, *, source: str | None = None) -> None:
        self.problem = problem
        self.source = source
        super().__init__(f"file {source}: {problem}" if source else problem)
