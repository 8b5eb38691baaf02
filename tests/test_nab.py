"""NAB scoring: it reproduces NAB's shipped per-file scores and its sweeper's weights; bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shopsense.data.errors import DataError
from shopsense.evaluation import nab

STANDARD = nab.CostProfile(tp_weight=1.0, fp_weight=0.11, fn_weight=1.0)


@pytest.fixture(scope="module")
def realtweets(shared_data: Path) -> Path:
    root = shared_data / "nab-realtweets"
    if not root.is_dir():
        pytest.skip(f"NAB realTweets not found at {root}")
    return root


@pytest.fixture(scope="module")
def files(realtweets: Path) -> list[nab.NabFile]:
    return nab.load_files(realtweets)


def _tiny(n: int = 200, windows: tuple[tuple[int, int], ...] = ((100, 119), (160, 179))):
    stamps = np.datetime64("2020-01-01T00:00:00") + np.arange(n) * np.timedelta64(300, "s")
    return nab.NabFile("tiny/series.csv", stamps, np.zeros(n), windows)


@pytest.mark.parametrize("detector", ["numenta", "null"])
def test_reproduces_published_per_file_scores(
    realtweets: Path, files: list[nab.NabFile], detector: str
) -> None:
    profile = nab.load_profile(realtweets)
    results = nab.load_detector_results(realtweets, detector, files)
    published = nab.load_published_scores(realtweets, detector)
    assert len(files) == 10
    for file in files:
        threshold, expected = published[file.name]
        scored = nab.score_file(nab.sweep(file, profile), results[file.name], threshold)
        assert scored.score == pytest.approx(expected, abs=0.01), file.name


def test_reproduces_published_point_counts(realtweets: Path, files: list[nab.NabFile]) -> None:
    """NAB's TP / FP / FN / TN are counts of rows after the probationary period: ours match."""
    published = pl.read_csv(realtweets / "scores" / "numenta_standard_scores.csv").filter(
        pl.col("Detector") == "numenta"
    )
    results = nab.load_detector_results(realtweets, "numenta", files)
    profile = nab.load_profile(realtweets)
    for row in published.iter_rows(named=True):
        file = next(f for f in files if f.name == row["File"])
        scored = nab.score_file(nab.sweep(file, profile), results[file.name], row["Threshold"])
        assert (scored.tp, scored.fp, scored.fn, scored.tn) == (
            row["TP"],
            row["FP"],
            row["FN"],
            row["TN"],
        ), file.name


def test_scoring_rules_on_a_small_series() -> None:
    swept = nab.sweep(_tiny(), STANDARD)
    assert swept.scored_windows == 2
    assert (swept.window[:30] == -2).all() and swept.window[30] == -1  # 15% of 200 rows
    nothing = nab.score_file(swept, np.zeros(200), 0.5)
    assert nothing.score == -2.0 and nothing.detected_windows == 0
    early = np.zeros(200)
    early[[100, 105, 160]] = 1.0  # only the first detection of a window counts
    first = nab.score_file(swept, early, 0.5)
    assert first.detected_windows == 2 and first.tp == 3 and first.fp == 0
    assert first.score == pytest.approx(2 * swept.weight[100])
    assert swept.weight[100] == pytest.approx(1.0, abs=0.01)
    stray = np.zeros(200)
    stray[50] = 1.0  # before any window: the full FP cost
    assert nab.score_file(swept, stray, 0.5).score == pytest.approx(-2.0 - 0.11)
    assert swept.weight[120] > swept.weight[150]  # a FP right after a window costs less


def test_best_threshold_maximises_the_summed_score() -> None:
    swept = nab.sweep(_tiny(), STANDARD)
    scores = np.zeros(200)
    scores[105] = 0.9  # a hit
    scores[50] = 0.7  # a stray detection below it
    scores[165] = 0.6  # a second hit, but only if 0.7 is also let through
    threshold, total = nab.best_threshold([swept], {swept.name: scores})
    brute = {t: nab.score_file(swept, scores, t).score for t in (0.9, 0.7, 0.6)}
    assert threshold == max(brute, key=brute.get)
    assert total == pytest.approx(max(brute.values()))
    assert nab.best_threshold([swept], {swept.name: np.zeros(200)}) == (math.inf, -2.0)


def test_bad_input_names_the_problem(tmp_path: Path) -> None:
    swept = nab.sweep(_tiny(), STANDARD)
    with pytest.raises(DataError, match="scores"):
        nab.score_file(swept, np.zeros(10), 0.5)
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "series.csv").write_text(
        "timestamp,value\n2020-01-01 00:00:00,1\n2020-01-01 00:05:00,2\n"
    )
    windows = {"realTweets/series.csv": [["2020-01-01 00:01:00", "2020-01-01 00:05:00"]]}
    (tmp_path / "combined_windows.json").write_text(json.dumps(windows))
    with pytest.raises(DataError, match="window limit"):
        nab.load_files(tmp_path)
    (tmp_path / "profiles.json").write_text(json.dumps({"standard": {"CostMatrix": {}}}))
    with pytest.raises(DataError, match="profile"):
        nab.load_profile(tmp_path, "reward_low_FP_rate")
