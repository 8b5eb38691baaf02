"""The shop's policy documents (shipping, returns, payment ...) as citable passages.

A policy folder holds Markdown or plain-text files. Each file is cut at its headings; each
paragraph under a heading becomes one passage whose topic is its headings ("Returns and refunds >
Return window"), so that the passage read alone still says what it is about. Its id is
`<file>#<n>`, n counting the file's passages from 1.
"""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from shopsense.assistant.evidence import Evidence, EvidenceSource
from shopsense.data.errors import DataError

__all__ = ["POLICY_SUFFIXES", "demo_policies", "load_policies", "policy_passages"]

POLICY_SUFFIXES = (".md", ".markdown", ".txt")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def load_policies(folder: Path) -> list[Evidence]:
    """Every passage of the policy files in `folder` (sub-folders included), files in name
    order. Raises `DataError` for a missing folder or one without any policy file."""
    if not folder.is_dir():
        raise DataError(f"policy folder not found: {folder}", source=str(folder))
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in POLICY_SUFFIXES)
    if not files:
        raise DataError(
            f"no policy files ({', '.join(POLICY_SUFFIXES)}) in {folder}", source=str(folder)
        )
    passages: list[Evidence] = []
    for path in files:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise DataError(f"{path}: not UTF-8 text", source=str(path)) from None
        passages.extend(policy_passages(path.relative_to(folder).as_posix(), text))
    return passages


def demo_policies(language: str) -> list[Evidence]:
    """The demo shop's policies in `language` ("en" or "zh"; others get English)."""
    folder = resources.files("shopsense.data.demo").joinpath("policies", language)
    if not folder.is_dir():
        folder = resources.files("shopsense.data.demo").joinpath("policies", "en")
    with resources.as_file(folder) as path:
        return load_policies(Path(path))


def policy_passages(name: str, text: str) -> list[Evidence]:
    """The passages of one policy document called `name`."""
    headings: list[tuple[int, str]] = []  # (depth, title) of the open sections
    passages: list[Evidence] = []
    paragraph: list[str] = []

    def flush() -> None:
        body = " ".join(line.strip() for line in paragraph).strip()
        paragraph.clear()
        if body:
            topic = " > ".join(title for _, title in headings)
            passages.append(
                Evidence(EvidenceSource.POLICY, f"{name}#{len(passages) + 1}", body, topic)
            )

    for line in text.splitlines():
        heading = _HEADING.match(line)
        if heading:
            flush()
            depth = len(heading.group(1))
            while headings and headings[-1][0] >= depth:
                headings.pop()
            headings.append((depth, heading.group(2)))
        elif line.strip():
            paragraph.append(line)
        else:
            flush()
    flush()
    return passages
