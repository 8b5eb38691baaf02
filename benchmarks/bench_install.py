"""Time a fresh install from requirements.lock, as `.ci/run` does it, and measure the virtualenv.

    python benchmarks/bench_install.py

Each run creates a new virtualenv in a temporary folder and runs the README's test install,
`pip install -q -c requirements.lock -e ".[test]"`, from the repository root. The first run uses
an empty pip cache (a new `PIP_CACHE_DIR`: every package is downloaded, except those pip finds in
its local wheel directories); the next `--warm-runs` reuse the cache the first one filled, as CI
does. The size is `du` of the virtualenv after the last run. Other work on the machine slows the
installs; the load average is recorded with the figures.
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

ROOT = Path(__file__).resolve().parents[1]
INSTALL = ["pip", "install", "-q", "-c", "requirements.lock", "-e", ".[test]"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python", default="python3.11", help="interpreter of the virtualenv")
    parser.add_argument("--warm-runs", type=int, default=1, help="installs with the filled cache")
    parser.add_argument("--no-markdown", action="store_true", help="Do not edit BENCHMARKS.md.")
    args = parser.parse_args()

    load_start = os.getloadavg()[0]
    runs = []
    with tempfile.TemporaryDirectory() as cache:
        for run in range(1 + args.warm_runs):
            runs.append(install(args.python, cache, "empty" if run == 0 else "warm"))
            if run == 0:
                runs[-1]["cache_mib"] = du_mib(Path(cache))
            print(runs[-1], flush=True)
    report = {"runs": runs, "python": args.python, "load": (load_start, os.getloadavg()[0])}
    if not args.no_markdown:
        write_section("install", render(report))


def install(python: str, cache: str, label: str) -> dict:
    """Create a virtualenv and install into it; the seconds each step took and its size."""
    with tempfile.TemporaryDirectory() as folder:
        venv = Path(folder) / "venv"
        env = {**os.environ, "PIP_CACHE_DIR": cache}
        started = time.perf_counter()
        subprocess.run([python, "-m", "venv", str(venv)], check=True)
        created = time.perf_counter()
        pip = [str(venv / "bin" / INSTALL[0]), *INSTALL[1:]]
        result = subprocess.run(pip, cwd=ROOT, env=env, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"{' '.join(INSTALL)} failed:\n{result.stdout}{result.stderr}")
        done = time.perf_counter()
        freeze = subprocess.run(
            [str(venv / "bin" / "python"), "-m", "pip", "list", "--format=freeze"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
        return {
            "cache": label,
            "venv_s": created - started,
            "install_s": done - created,
            "total_s": done - started,
            "packages": len(freeze),
            "venv_mib": du_mib(venv),
            "du_h": subprocess.run(
                ["du", "-sh", str(venv)], check=True, capture_output=True, text=True
            ).stdout.split()[0],
        }


def du_mib(path: Path) -> float:
    """Disk usage of `path` in MiB, as `du -sk` counts it."""
    out = subprocess.run(["du", "-sk", str(path)], check=True, capture_output=True, text=True)
    return int(out.stdout.split()[0]) / 1024


def render(report: dict) -> str:
    """The BENCHMARKS.md section."""
    rows = [
        [
            run["cache"],
            f"{run['venv_s']:.1f}",
            f"{run['install_s']:.1f}",
            f"**{run['total_s']:.1f}**",
            str(run["packages"]),
            f"{run['venv_mib']:,.0f} ({run['du_h']})",
        ]
        for run in report["runs"]
    ]
    cold = report["runs"][0]
    load_start, load_end = report["load"]
    headers = ["pip cache", "venv s", "install s", "total s", "packages", "venv MiB (du -sh)"]
    return "\n".join(
        [
            "## Install from the lock (fresh virtualenv)",
            "",
            f"`{command_line()}`",
            "",
            machine_line(),
            "",
            f"Each run: `{report['python']} -m venv` in a new folder, then "
            '`pip install -q -c requirements.lock -e ".[test]"` from the repository root '
            "(the README's test install and `.ci/run`'s). The first run starts from an "
            f"empty `PIP_CACHE_DIR`; afterwards the cache holds {cold['cache_mib']:,.1f} MiB "
            "(torch always comes from the local wheel directory). The warm runs reuse that "
            f"cache.{cache_note(cold['cache_mib'])} 1-minute load average {load_start:.1f} at the "
            f"start, {load_end:.1f} at the end (other work shares the machine).",
            "",
            markdown_table(headers, rows),
            "",
        ]
    )


def cache_note(cache_mib: float) -> str:
    """Why the warm runs are no faster, when pip cached nothing."""
    if cache_mib >= 1:
        return ""
    return (
        " pip stored nothing: it caches an HTTP response only when the server allows it"
        " (Cache-Control, ETag), and the package registry reachable here answers without those"
        " headers, so every run downloads every package again."
    )


if __name__ == "__main__":
    main()
