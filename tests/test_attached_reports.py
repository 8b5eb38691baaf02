"""`shopsense train --search-report` and `--policy-report`: reports of other commands checked
and recorded in the bundle manifest, where the staff console reads them."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from shopsense.bundle.manifest import read_manifest
from shopsense.cli import app
from shopsense.data.errors import DataError
from shopsense.evaluation.attached_reports import read_policy_report, read_search_report
from tests.web.console_helpers import POLICY_REPORT

REPORT = {"methods": {"bm25": {"ndcg@10": 0.31}, "hybrid": {"ndcg@10": 0.38}}, "queries": 9}
TRAIN = ["--models=popularity", "--no-search", "--no-precompute"]


def _write(tmp_path: Path, body: object) -> Path:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(body))
    return path


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
def test_a_bad_search_report_names_the_field(tmp_path: Path, body: object, field: str) -> None:
    path = _write(tmp_path, body)
    with pytest.raises(DataError) as raised:
        read_search_report(path)
    assert raised.value.field == field and raised.value.source == str(path)


def _spoiled(change: str) -> dict[str, Any]:
    """`POLICY_REPORT` with one thing wrong."""
    report = copy.deepcopy(POLICY_REPORT)
    choice = report["policy_choice"][0]
    if change == "no validation":
        del report["ope_validation"]
    elif change == "truth text":
        report["ope_validation"][1]["truth"] = "0.7%"
    elif change == "covered missing":
        del report["ope_validation"][2]["covered"]
    elif change == "no choices":
        report["policy_choice"] = []
    elif change == "no test":
        del choice["test"]
    elif change == "test not a list":
        choice["test"] = {"random": 0.1}
    elif change == "no dr":
        del choice["test"][1]["dr"]
    elif change == "interval not finite":
        choice["test"][0]["snipw"]["ci_high"] = float("nan")
    elif change == "chosen untested":
        choice["chosen"] = "top5_item_ctr"
    elif change == "clicks fractional":
        choice["test_clicks"] = 1.5
    elif change == "on-policy rate missing":
        del choice["thompson_sampling_on_policy"]["click_rate"]
    return report


@pytest.mark.parametrize(
    "change, field",
    [
        ("no validation", "ope_validation"),
        ("truth text", "ope_validation[1].truth"),
        ("covered missing", "ope_validation[2].covered"),
        ("no choices", "policy_choice"),
        ("no test", "policy_choice[0].test"),
        ("test not a list", "policy_choice[0].test"),
        ("no dr", "policy_choice[0].test[1].dr"),
        ("interval not finite", "policy_choice[0].test[0].snipw.ci_high"),
        ("chosen untested", "policy_choice[0].chosen"),
        ("clicks fractional", "policy_choice[0].test_clicks"),
        ("on-policy rate missing", "policy_choice[0].thompson_sampling_on_policy.click_rate"),
    ],
)
def test_a_bad_policy_report_names_the_field(tmp_path: Path, change: str, field: str) -> None:
    path = tmp_path / "report.json"
    path.write_text(json.dumps(_spoiled(change)))  # NaN is written as the non-JSON `NaN`
    with pytest.raises(DataError) as raised:
        read_policy_report(path)
    assert raised.value.field == field and raised.value.source == str(path)
    assert read_policy_report(_write(tmp_path, POLICY_REPORT)) == POLICY_REPORT


def _trained_manifest(tmp_path: Path, option: str) -> dict[str, Any]:
    result = CliRunner().invoke(app, ["train", f"--out={tmp_path / 'b'}", option, *TRAIN])
    assert result.exit_code == 0, result.output
    version = (tmp_path / "b" / "current").read_text().strip()
    return read_manifest(tmp_path / "b" / version)


def test_train_records_the_search_report_in_the_manifest(tmp_path: Path) -> None:
    report = tmp_path / "search.json"
    report.write_text(json.dumps(REPORT))
    manifest = _trained_manifest(tmp_path, f"--search-report={report}")
    assert manifest["metrics"]["search"] == REPORT
    report.write_text("{not json")
    refused = CliRunner().invoke(
        app, ["train", f"--out={tmp_path / 'c'}", f"--search-report={report}"]
    )
    assert refused.exit_code == 2
    assert "not a readable JSON report" in " ".join(refused.output.split())
    assert not (tmp_path / "c").exists()


def test_train_records_the_policy_report_in_the_manifest(tmp_path: Path) -> None:
    report = tmp_path / "policy.json"
    report.write_text(json.dumps(POLICY_REPORT))
    manifest = _trained_manifest(tmp_path, f"--policy-report={report}")
    assert manifest["metrics"]["placement"] == POLICY_REPORT
    report.write_text(json.dumps(_spoiled("no test")))
    refused = CliRunner().invoke(
        app, ["train", f"--out={tmp_path / 'c'}", f"--policy-report={report}"]
    )
    assert refused.exit_code == 2
    assert "policy_choice[0].test" in " ".join(refused.output.split())
    assert not (tmp_path / "c").exists()
