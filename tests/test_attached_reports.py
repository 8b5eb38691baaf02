"""`shopsense train --search-report`: a search evaluation report checked and recorded in the
bundle manifest, where the staff console reads it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopsense.bundle.manifest import read_manifest
from shopsense.cli import app
from shopsense.data.errors import DataError
from shopsense.evaluation.search_report import read_search_report

REPORT = {"methods": {"bm25": {"ndcg@10": 0.31}, "hybrid": {"ndcg@10": 0.38}}, "queries": 9}


@pytest.mark.parametrize(
    "body, field",
    [
        ({"queries": 3}, "methods"),
        ({"methods": {}}, "methods"),
        ({"methods": {"bm25": {"ndcg@10": "high"}}}, "methods.bm25"),
        ({"methods": {"bm25": {}}}, "methods.bm25"),
        ([1, 2], "methods"),
    ],
)
def test_a_bad_report_names_the_field(tmp_path: Path, body: object, field: str) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(body))
    with pytest.raises(DataError) as raised:
        read_search_report(path)
    assert raised.value.field == field and raised.value.source == str(path)


def test_train_records_the_search_report_in_the_manifest(tmp_path: Path) -> None:
    report = tmp_path / "search.json"
    report.write_text(json.dumps(REPORT))
    options = ["--models=popularity", "--no-search", "--no-precompute"]
    result = CliRunner().invoke(
        app, ["train", f"--out={tmp_path / 'b'}", f"--search-report={report}", *options]
    )
    assert result.exit_code == 0, result.output
    version = (tmp_path / "b" / "current").read_text().strip()
    assert read_manifest(tmp_path / "b" / version)["metrics"]["search"] == REPORT
    report.write_text("{not json")
    refused = CliRunner().invoke(
        app, ["train", f"--out={tmp_path / 'c'}", f"--search-report={report}"]
    )
    assert refused.exit_code == 2
    assert "not a readable JSON report" in " ".join(refused.output.split())
    assert not (tmp_path / "c").exists()
