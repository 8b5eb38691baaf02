"""The Numenta Anomaly Benchmark (NAB): its data files, labelled windows and its scorer.

The scorer follows NAB's `nab/sweeper.py` (the code behind the published scores): every point of
a file gets a weight — inside a labelled window the scaled sigmoid of its position (early is worth
close to `tp_weight`), outside one `fp_weight` times the sigmoid of its distance past the preceding
window (or the full `-fp_weight` before the first window); the first `probation` share of a file
(at most 15% of 5,000 points) is not scored. At a threshold, each window counts the best weight of
its detections (that is, the first one) or `-fn_weight` when it has none; each detection outside a
window adds its (negative) weight. A detector's threshold is the one that maximises the summed
score over the files it is chosen on.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from shopsense.data.errors import DataError

__all__ = [
    "CostProfile",
    "FileScore",
    "NabFile",
    "Sweep",
    "best_threshold",
    "load_detector_results",
    "load_files",
    "load_profile",
    "load_published_scores",
    "score_file",
    "sweep",
]

#: NAB's probationary share and the file length it is capped at (15% of 5,000 points).
PROBATION = 0.15
PROBATION_CAP_ROWS = 5000


@dataclass(frozen=True)
class CostProfile:
    """The weights of one NAB scoring profile (`config/profiles.json`)."""

    tp_weight: float
    fp_weight: float
    fn_weight: float


@dataclass(frozen=True)
class NabFile:
    """One NAB data file with its labelled anomaly windows as inclusive row ranges."""

    name: str
    """The file's NAB name, e.g. `realTweets/Twitter_volume_AAPL.csv`."""
    timestamps: np.ndarray
    """datetime64[s], one per row."""
    values: np.ndarray
    """float64, one per row."""
    windows: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Sweep:
    """NAB's weight of a detection at each row of a file, and the window (or none) it falls in."""

    name: str
    weight: np.ndarray
    """The score a detection at this row earns (positive in a window, negative outside)."""
    window: np.ndarray
    """Index of the row's window, -1 outside every window, -2 in the probationary period."""
    scored_windows: int
    """Windows with a row after the probationary period (each costs `fn_weight` if missed)."""
    fn_weight: float


@dataclass(frozen=True)
class FileScore:
    """A file's NAB score at one threshold and its point counts (probationary rows excluded)."""

    name: str
    threshold: float
    score: float
    tp: int
    fp: int
    fn: int
    tn: int
    detected_windows: int


def load_profile(root: Path, name: str = "standard") -> CostProfile:
    """The cost matrix of profile `name` from `root/profiles.json`."""
    path = root / "profiles.json"
    profiles = json.loads(path.read_text())
    if name not in profiles:
        raise DataError(f"no profile {name!r}", source=str(path), field="profile")
    matrix = profiles[name]["CostMatrix"]
    return CostProfile(
        tp_weight=float(matrix["tpWeight"]),
        fp_weight=float(matrix["fpWeight"]),
        fn_weight=float(matrix["fnWeight"]),
    )


def _read_csv(path: Path) -> pl.DataFrame:
    if path.suffix == ".gz":
        with gzip.open(path, "rb") as handle:
            return pl.read_csv(handle.read())
    return pl.read_csv(path)


def _parse_times(column: pl.Series, source: str) -> np.ndarray:
    parsed = column.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", strict=False)
    if parsed.null_count():
        row = int(parsed.is_null().arg_max() or 0)
        raise DataError("unparseable timestamp", source=source, record=row + 2, field="timestamp")
    return parsed.dt.cast_time_unit("ms").to_numpy().astype("datetime64[s]")


def load_files(root: Path, category: str = "realTweets") -> list[NabFile]:
    """NAB `category`'s files in `root/data` with their windows (`combined_windows.json`)."""
    windows_path = root / "combined_windows.json"
    all_windows = json.loads(windows_path.read_text())
    files = []
    for path in sorted((root / "data").glob("*.csv")):
        name = f"{category}/{path.name}"
        if name not in all_windows:
            raise DataError(f"no windows for {name}", source=str(windows_path), field=name)
        frame = _read_csv(path)
        timestamps = _parse_times(frame["timestamp"], str(path))
        limits = _parse_times(pl.Series([t for pair in all_windows[name] for t in pair]), name)
        rows = np.searchsorted(timestamps, limits)
        if np.any(rows >= len(timestamps)) or np.any(
            timestamps[np.minimum(rows, len(timestamps) - 1)] != limits
        ):
            raise DataError(
                "window limit is not a row's timestamp", source=str(windows_path), field=name
            )
        pairs = tuple((int(a), int(b)) for a, b in rows.reshape(-1, 2))
        files.append(NabFile(name, timestamps, frame["value"].cast(pl.Float64).to_numpy(), pairs))
    if not files:
        raise DataError("no data files", source=str(root / "data"))
    return files


def load_detector_results(root: Path, detector: str, files: list[NabFile]) -> dict[str, np.ndarray]:
    """A published detector's raw anomaly scores per file (`results/DETECTOR/DETECTOR_FILE.gz`)."""
    scores = {}
    for file in files:
        base = file.name.split("/")[-1]
        path = root / "results" / detector / f"{detector}_{base}.gz"
        frame = _read_csv(path)
        if frame.height != len(file.timestamps):
            raise DataError(
                f"{frame.height} rows, data has {len(file.timestamps)}", source=str(path)
            )
        scores[file.name] = frame["anomaly_score"].cast(pl.Float64).to_numpy()
    return scores


def load_published_scores(
    root: Path, detector: str, profile: str = "standard"
) -> dict[str, tuple[float, float]]:
    """A published detector's (threshold, score) per file (`scores/DETECTOR_PROFILE_scores.csv`)."""
    path = root / "scores" / f"{detector}_{profile}_scores.csv"
    frame = pl.read_csv(path).filter(pl.col("Detector") == detector)
    return {
        row["File"]: (float(row["Threshold"]), float(row["Score"]))
        for row in frame.select("File", "Threshold", "Score").iter_rows(named=True)
    }


def _scaled_sigmoid(position: np.ndarray) -> np.ndarray:
    """NAB's 2 sigmoid(-5 x) - 1, with -1 from x >= 3 (far past a window)."""
    return np.where(position >= 3.0, -1.0, 2.0 / (1.0 + np.exp(5.0 * position)) - 1.0)


def sweep(file: NabFile, profile: CostProfile, probation: float = PROBATION) -> Sweep:
    """Each row's detection weight and window, exactly as NAB's sweeper computes them."""
    n = len(file.timestamps)
    rows = np.arange(n)
    position = np.full(n, 3.0)
    window = np.full(n, -1)
    max_tp = float(_scaled_sigmoid(np.array([-1.0]))[0])
    for index, (left, right) in enumerate(file.windows):
        width = right - left + 1
        inside = slice(left, right + 1)
        position[inside] = -(right - rows[inside] + 1) / width
        window[inside] = index
        after = slice(right + 1, file.windows[index + 1][0] if index + 1 < len(file.windows) else n)
        position[after] = (rows[after] - right) / (width - 1)
    in_window = window >= 0
    weight = _scaled_sigmoid(position) * np.where(
        in_window, profile.tp_weight / max_tp, profile.fp_weight
    )
    probationary = min(math.floor(probation * n), probation * PROBATION_CAP_ROWS)
    window[rows < probationary] = -2
    return Sweep(
        name=file.name,
        weight=weight,
        window=window,
        scored_windows=len(np.unique(window[window >= 0])),
        fn_weight=profile.fn_weight,
    )


def score_file(swept: Sweep, scores: np.ndarray, threshold: float) -> FileScore:
    """The NAB score of a detector's `scores` on one file: a detection is `score >= threshold`."""
    if len(scores) != len(swept.weight):
        raise DataError(
            f"{len(scores)} scores for {len(swept.weight)} rows", source=swept.name, field="scores"
        )
    scored = swept.window != -2
    detected = scored & (scores >= threshold)
    in_window = swept.window >= 0
    total = float(swept.weight[detected & ~in_window].sum())
    hit = 0
    for index in np.unique(swept.window[in_window]):
        mask = detected & (swept.window == index)
        if mask.any():
            total += float(swept.weight[mask].max())
            hit += 1
        else:
            total -= swept.fn_weight
    tp = int((detected & in_window).sum())
    fp = int((detected & ~in_window).sum())
    return FileScore(
        name=swept.name,
        threshold=threshold,
        score=total,
        tp=tp,
        fp=fp,
        fn=int((scored & in_window).sum()) - tp,
        tn=int((scored & ~in_window).sum()) - fp,
        detected_windows=hit,
    )


def best_threshold(sweeps: list[Sweep], scores: dict[str, np.ndarray]) -> tuple[float, float]:
    """The threshold maximising the summed NAB score over `sweeps` (NAB's optimiser) and that score.

    Candidates are the distinct anomaly scores; a detection is `score >= threshold`. Ties go to the
    highest threshold; when no threshold beats detecting nothing, it is infinity.
    """
    keys, deltas, base = [], [], 0.0
    for swept in sweeps:
        values = scores[swept.name]
        scored = swept.window != -2
        outside = scored & (swept.window == -1)
        keys.append(values[outside])
        deltas.append(swept.weight[outside])
        for index in np.unique(swept.window[swept.window >= 0]):
            rows = np.flatnonzero(swept.window == index)
            order = rows[np.argsort(-values[rows], kind="stable")]
            best = np.maximum.accumulate(swept.weight[order])
            keys.append(values[order])
            deltas.append(np.diff(best, prepend=-swept.fn_weight))
            base -= swept.fn_weight
    key = np.concatenate(keys)
    order = np.argsort(-key, kind="stable")
    key, running = key[order], base + np.cumsum(np.concatenate(deltas)[order])
    last_of_value = np.r_[key[1:] != key[:-1], True]
    candidates, totals = key[last_of_value], running[last_of_value]
    best = int(np.argmax(totals))
    if totals[best] <= base:
        return math.inf, base
    return float(candidates[best]), float(totals[best])
