"""Batch work on Ray: the same precomputed lists and evaluation ranks as the local engine, the
`--engine ray` path of `shopsense train` end to end, and one-line errors for a missing Ray or a
bad option.

A local Ray cluster (2 CPUs, loopback, no dashboard) runs for the module; the tests that need
it skip with a message where Ray is not installed.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from typer.testing import CliRunner

from shopsense.bundle import Bundle, train_bundle
from shopsense.bundle.precomputed import ScoreWithBundleFiles
from shopsense.cli import app
from shopsense.data import Dataset
from shopsense.data.splits import EvalCases, leave_one_out
from shopsense.evaluation.runner import rank_cases
from shopsense.execution import Job, LocalEngine, make_engine
from shopsense.execution.ray_engine import LOCAL_ONLY, RayMissingError
from shopsense.ranking.precomputed import BATCH, precompute
from shopsense.retrieval.base import SCORE_CHUNK
from tests.serving.conftest import make_shop

NO_RAY = "Ray is not installed: pip install 'shopsense[ray]'"
#: Shoppers enough for three batches, so that two workers each score some and order matters.
N_SHOPPERS = 2 * BATCH + 40


@pytest.fixture(scope="module")
def ray_cluster() -> Iterator[None]:
    """A local cluster of 2 CPUs on loopback (`LOCAL_ONLY` set before Ray is imported)."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in LOCAL_ONLY.items():
            patch.setenv(name, value)
        ray = pytest.importorskip("ray", reason=NO_RAY)
        ray.init(num_cpus=2, include_dashboard=False, logging_level=logging.WARNING)
        try:
            yield
        finally:
            ray.shutdown()


@pytest.fixture(scope="module")
def shop() -> Dataset:
    return make_shop(n_users=N_SHOPPERS)


@pytest.fixture(scope="module")
def fused_bundle(shop: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Bundle:
    """The default models (the learned fusion), trained on the local engine."""
    return Bundle.load(train_bundle(shop, tmp_path_factory.mktemp("fused"), search=False))


def test_results_come_back_in_task_order(ray_cluster: None) -> None:
    class Square(Job[int, int, int]):
        # Defined here, so that it travels by value: workers cannot import a test module.
        def open(self) -> int:
            return 0

        def run(self, opened: int, task: int) -> int:
            return opened + task * task

    engine = make_engine("ray", workers=2)
    assert list(engine.map(Square(), range(20))) == [n * n for n in range(20)]
    assert len(engine.usage) == 2 and sum(worker.tasks for worker in engine.usage) == 20
    assert all(worker.peak_memory_mb > 0 for worker in engine.usage)


def test_ray_workers_compute_the_same_lists_as_the_local_engine(
    ray_cluster: None, fused_bundle: Bundle, shop: Dataset
) -> None:
    lists = fused_bundle.precomputed
    assert lists is not None
    local = pl.read_parquet(lists.path)
    folders = {name: fused_bundle.path / name for name in fused_bundle.manifest["artifacts"]}
    job = ScoreWithBundleFiles.of_bundle(
        folders, fused_bundle.models, fused_bundle.catalogue.language, lists.k
    )
    engine = make_engine("ray", workers=2)
    on_ray = precompute(job, fused_bundle.dataset(), engine, show_progress=False)
    assert on_ray.equals(local)
    assert on_ray["user_id"].n_unique() == N_SHOPPERS
    assert [worker.tasks for worker in engine.usage] == [2, 1]
    # The job alone, opened here from the files, agrees too.
    assert precompute(job, fused_bundle.dataset(), LocalEngine(), show_progress=False).equals(local)


def test_ray_workers_rank_evaluation_cases_as_the_local_engine(
    ray_cluster: None, fused_bundle: Bundle, shop: Dataset
) -> None:
    split = leave_one_out(shop)
    # Validation and test cases together: more than one chunk of cases.
    cases = EvalCases(
        np.concatenate([split.validation.users, split.test.users]),
        split.validation.histories + split.test.histories,
        np.concatenate([split.validation.targets, split.test.targets]),
    )
    assert len(cases) > SCORE_CHUNK
    model = fused_bundle.models["best"]
    local = rank_cases(model, cases, shop)
    on_ray = rank_cases(model, cases, shop, engine=make_engine("ray", workers=2))
    assert np.array_equal(on_ray.ranks, local.ranks)
    assert np.array_equal(on_ray.rankings, local.rankings)


def test_train_with_the_ray_engine_end_to_end(shop: Dataset, tmp_path: Path) -> None:
    # Its own process, which starts its own local cluster and stops it.
    pytest.importorskip("ray", reason=NO_RAY)
    data = tmp_path / "shop"
    data.mkdir()
    shop.items.write_parquet(data / "items.parquet")
    shop.interactions.write_parquet(data / "interactions.parquet")
    out = tmp_path / "bundles"
    command = [sys.executable, "-c", "from shopsense.cli import app; app()", "train"]
    options = ["--models=cooccurrence,popularity", "--no-search", "--engine=ray"]
    result = subprocess.run(
        [*command, f"--data={data}", f"--out={out}", *options, "--ray-workers=2"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    bundle = Bundle.load(out)
    assert bundle.manifest["engine"] == {"name": "ray", "workers": 2, "address": None}
    local = train_bundle(shop, tmp_path / "local", ["cooccurrence", "popularity"], search=False)
    assert json.loads((local / "manifest.json").read_text())["engine"]["name"] == "local"
    assert bundle.precomputed is not None
    expected = pl.read_parquet(local / "precomputed" / "recommendations.parquet")
    assert pl.read_parquet(bundle.precomputed.path).equals(expected)


def test_evaluate_with_the_ray_engine_reports_the_same_metrics(
    ray_cluster: None, shop: Dataset, tmp_path: Path
) -> None:
    data = tmp_path / "shop"
    data.mkdir()
    shop.items.write_parquet(data / "items.parquet")
    shop.interactions.write_parquet(data / "interactions.parquet")
    metrics = {}
    for engine in ("local", "ray"):
        report = tmp_path / engine / "report.json"
        report.parent.mkdir()
        options = ["--models=cooccurrence,popularity", "--cold-items=0", "--no-new-users"]
        command = ["evaluate", f"--data={data}", f"--report={report}", f"--engine={engine}"]
        result = CliRunner().invoke(app, [*command, *options])
        assert result.exit_code == 0, result.output
        models = json.loads(report.read_text())["models"]
        metrics[engine] = {
            name: {key: value for key, value in entry.items() if key.startswith(("ndcg", "recall"))}
            for name, entry in models.items()
        }
        assert [path.name for path in report.parent.iterdir()] == ["report.json"]  # no leftovers
    assert metrics["ray"] == metrics["local"] and metrics["local"]["cooccurrence"]


def test_a_missing_ray_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` raises ImportError
    with pytest.raises(RayMissingError, match=r"pip install 'shopsense\[ray\]'"):
        make_engine("ray")
    result = CliRunner().invoke(app, ["train", f"--out={tmp_path}", "--engine=ray"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: --engine ray: the ray engine needs Ray: pip install 'shopsense[ray]'"
    ]


@pytest.mark.parametrize(
    "options, named",
    [
        (["--engine=spark"], "--engine must be one of local, ray, not 'spark'"),
        (["--ray-workers=2"], "--address and --ray-workers need --engine ray"),
        (["--engine=ray", "--ray-workers=0"], "--ray-workers must be at least 1, not 0"),
    ],
)
def test_bad_engine_options_are_one_line_errors(
    options: list[str], named: str, tmp_path: Path
) -> None:
    result = CliRunner().invoke(app, ["train", f"--out={tmp_path}", *options])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [f"error: {named}"]
