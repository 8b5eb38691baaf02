from pathlib import Path

from typer.testing import CliRunner

from shopsense.cli import app


def test_demo_evaluates_trains_and_recommends(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path), "--users", "1"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "report.json").is_file()
    assert "because you" in result.output
