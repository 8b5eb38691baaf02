"""Write a benchmark's results into its own section of BENCHMARKS.md.

Each section sits between `<!-- begin:NAME -->` and `<!-- end:NAME -->` and is replaced whole,
so every figure in the file is the output of the command written next to it.
"""

from __future__ import annotations

import shlex
import sys
from datetime import UTC, datetime
from pathlib import Path

from shopsense.evaluation.report import machine_info

BENCHMARKS_MD = Path(__file__).resolve().parents[1] / "BENCHMARKS.md"


def command_line() -> str:
    """The command that is running, as a user would type it from the repository root."""
    script = Path(sys.argv[0])
    try:
        script = script.resolve().relative_to(BENCHMARKS_MD.parent)
    except ValueError:
        pass
    return shlex.join(["python", str(script), *sys.argv[1:]])


def machine_line() -> str:
    """One line saying where and when the figures were measured."""
    info = machine_info()
    return (
        f"Measured {datetime.now(UTC):%Y-%m-%d} on {info['platform']}, {info['cpus']} CPUs, "
        f"Python {info['python']}, shopsense {info['shopsense']}."
    )


def section_head(title: str) -> list[str]:
    """The first lines of a section: its title, the command that wrote it and the machine."""
    return [f"## {title}", "", "```", command_line(), "```", "", machine_line()]


def write_section(name: str, body: str, path: Path = BENCHMARKS_MD) -> None:
    """Replace (or append) section `name` of BENCHMARKS.md with `body`."""
    begin, end = f"<!-- begin:{name} -->", f"<!-- end:{name} -->"
    block = f"{begin}\n{body.rstrip()}\n{end}"
    text = path.read_text() if path.exists() else "# ShopSense benchmarks\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        text = head + block + tail
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text)


def markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    """A GitHub-flavoured markdown table."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
