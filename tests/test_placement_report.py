"""`shopsense evaluate-policy`: the report contract (on a small synthetic Open Bandit folder),
and the loader on the real sample."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from shopsense.cli import app
from shopsense.data.loaders.open_bandit import load_bts_prior, load_open_bandit

N_ITEMS, N_ROWS = 5, 1500
CTR = np.array([0.02, 0.04, 0.06, 0.08, 0.10])


def _write_log(folder: Path, campaign: str, propensity: np.ndarray, seed: int) -> None:
    """An Open Bandit-shaped log whose policy shows item i with probability propensity[i]."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True)
    item = rng.choice(N_ITEMS, size=N_ROWS, p=propensity)
    columns = {
        "timestamp": [
            f"2019-11-24 00:{i // 60 % 60:02d}:{i % 60:02d}+00:00" for i in range(N_ROWS)
        ],
        "item_id": item,
        "position": rng.integers(1, 4, N_ROWS),
        "click": (rng.random(N_ROWS) < CTR[item]).astype(int),
        "propensity_score": propensity[item],
        **{f"user_feature_{j}": rng.choice(["a1", "b2", "c3"], N_ROWS) for j in range(4)},
        **{f"user-item_affinity_{j}": rng.random(N_ROWS) for j in range(N_ITEMS)},
    }
    pl.DataFrame(columns).with_row_index("").write_csv(folder / f"{campaign}.csv")
    pl.DataFrame(
        {
            "item_id": range(N_ITEMS),
            "item_feature_0": rng.random(N_ITEMS),
            **{f"item_feature_{j}": rng.choice(["x", "y"], N_ITEMS) for j in (1, 2, 3)},
        }
    ).with_row_index("").write_csv(folder / "item_context.csv")


@pytest.fixture(scope="module")
def bandit_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("obd")
    _write_log(root / "random" / "men", "men", np.full(N_ITEMS, 1 / N_ITEMS), 0)
    _write_log(root / "bts" / "men", "men", CTR / CTR.sum(), 1)
    alpha, beta = [int(100 * c) + 1 for c in CTR], [100] * N_ITEMS
    (root / "prior_bts.yaml").write_text(f"men:\n  alpha: {alpha}\n  beta: {beta}\n")
    return root


def test_report_contract(bandit_folder: Path, tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    args = ["evaluate-policy", "--data", str(bandit_folder), "--report", str(report)]
    result = CliRunner().invoke(app, [*args, "--campaign", "men", "--resamples", "50"])
    assert result.exit_code == 0, result.output
    payload = json.loads(report.read_text())
    rows = payload["ope_validation"]
    assert {row["estimator"] for row in rows} == {"ipw", "snipw", "dr"}
    for row in rows:
        assert row["campaign"] == "men"
        assert set(row) >= {"campaign", "estimator", "estimate", "ci_low", "ci_high", "truth"}
        assert 0 <= row["ci_low"] <= row["estimate"] <= row["ci_high"] <= 1
        assert 0 < row["truth"] < 1
    (models,) = payload["click_models"]
    assert set(models["methods"]) == {"position_prior", "logistic_regression", "click_model"}
    for method in models["methods"].values():
        assert {"auc", "log_loss", "ece", "reliability"} <= set(method)
    (choice,) = payload["policy_choice"]
    policies = [row["policy"] for row in choice["test"]]
    assert policies == [choice["chosen"], "random", "thompson_sampling"]


def test_bad_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["evaluate-policy", "--data", str(tmp_path), "--report", str(tmp_path / "r.json")]
    )
    assert result.exit_code == 2
    assert "file not found" in result.output


def test_the_real_sample_loads(shared_data: Path) -> None:
    root = shared_data / "open-bandit-dataset-sample"
    for policy, campaign, clicks, n_items in (
        ("random", "men", 46, 34),
        ("random", "women", 46, 46),
        ("bts", "men", 69, 34),
    ):
        log = load_open_bandit(root, policy, campaign)
        assert (len(log), int(log.click.sum()), log.n_items, log.n_positions) == (
            10_000,
            clicks,
            n_items,
            3,
        )
    alpha, beta = load_bts_prior(root, "women")
    assert len(alpha) == len(beta) == 46
