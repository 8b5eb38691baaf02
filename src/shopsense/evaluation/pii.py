"""How well `shopsense.text.pii` masks personal data: recall and precision on labelled snippets.

A labelled entity counts as found when one detected span of its kind covers all of it (so
nothing of it would leak); a detected span counts as correct when it overlaps a labelled entity
of its kind. Scores are given overall and per kind.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from shopsense.text.pii import PiiKind, PiiSpan, find_pii


@dataclass(frozen=True)
class LabelledSnippet:
    """A text and the personal data in it."""

    text: str
    entities: tuple[PiiSpan, ...]


def load_snippets(path: Path) -> list[LabelledSnippet]:
    """Snippets from a JSON-lines file: `{"text": ..., "entities": [{"kind", "start", "end"}]}`
    per line."""
    snippets = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        spans = (PiiSpan(PiiKind(e["kind"]), e["start"], e["end"]) for e in row["entities"])
        snippets.append(LabelledSnippet(row["text"], tuple(spans)))
    return snippets


def pii_scores(snippets: Sequence[LabelledSnippet]) -> dict[str, dict[str, float]]:
    """Recall, precision and counts, overall (`all`) and per kind."""
    found: dict[str, list[bool]] = {}
    correct: dict[str, list[bool]] = {}
    for snippet in snippets:
        detected = find_pii(snippet.text)
        for entity in snippet.entities:
            hit = any(_covers(span, entity) for span in detected)
            for key in ("all", str(entity.kind)):
                found.setdefault(key, []).append(hit)
        for span in detected:
            right = any(_same_kind_overlap(span, entity) for entity in snippet.entities)
            for key in ("all", str(span.kind)):
                correct.setdefault(key, []).append(right)
    return {
        key: {
            "recall": _share(found.get(key, [])),
            "precision": _share(correct.get(key, [])),
            "entities": len(found.get(key, [])),
            "detected": len(correct.get(key, [])),
        }
        for key in ["all", *(str(kind) for kind in PiiKind)]
    }


def _covers(span: PiiSpan, entity: PiiSpan) -> bool:
    return span.kind == entity.kind and span.start <= entity.start and entity.end <= span.end


def _same_kind_overlap(span: PiiSpan, entity: PiiSpan) -> bool:
    return span.kind == entity.kind and span.start < entity.end and entity.start < span.end


def _share(flags: Iterable[bool]) -> float:
    values = list(flags)
    return sum(values) / len(values) if values else 1.0
