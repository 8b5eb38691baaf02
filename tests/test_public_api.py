"""The package's public face: `import shopsense` is fast and light, every public name resolves,
the README's Python example runs, and `shopsense.testing` checks a retriever without pytest."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

import shopsense
from shopsense.data import Dataset
from shopsense.ranking.registry import RECOMMENDERS
from shopsense.retrieval import Retriever, UserContext
from shopsense.retrieval.popularity import PopularityRetriever
from shopsense.testing import CHECKS, check_retriever
from shopsense.text import EncoderConfig

README = Path(__file__).resolve().parents[1] / "README.md"
#: What `import shopsense` must not load (each takes from 0.1 s to seconds to import).
HEAVY = ("torch", "lightgbm", "sentence_transformers", "faiss", "transformers", "sklearn", "polars")


def test_import_loads_no_model_library() -> None:
    code = f"import sys, shopsense; print(*(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"`import shopsense` imports {result.stdout}"


def test_every_public_name_resolves() -> None:
    assert len(set(shopsense.__all__)) == len(shopsense.__all__)
    for name in shopsense.__all__:
        assert getattr(shopsense, name) is not None, name
        assert re.search(rf"^\s+{name}\s+\S", shopsense.__doc__ or "", re.M), (
            f"{name} has no line in the module docstring"
        )
    assert set(dir(shopsense)) >= set(shopsense.__all__)
    assert isinstance(shopsense.__version__, str)


def test_subpackages_are_attributes_and_unknown_names_are_errors() -> None:
    from shopsense.search import Searcher

    assert shopsense.search.Searcher is Searcher is shopsense.Searcher
    with pytest.raises(AttributeError, match="no_such_name"):
        _ = shopsense.no_such_name  # type: ignore[attr-defined]


def _readme_example() -> str:
    section = README.read_text(encoding="utf-8").split("## Python example", 1)[1]
    return section.split("```python\n", 1)[1].split("```", 1)[0]


def test_readme_example_runs_on_the_demo_shop(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    encoder_config: EncoderConfig,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code = _readme_example()
    assert re.findall(r"^(?:from|import) \S+", code, re.M) == ["import shopsense"]
    data = 'shopsense.load("../shared/data/amazon-beauty-2014-5core")'
    assert data in code
    # A small demo shop for the Beauty data; the session's encoder cache for the user's.
    code = code.replace(data, "shopsense.generate_demo_shop(n_items=300, n_users=150)")
    monkeypatch.setenv("SHOPSENSE_CACHE_DIR", str(encoder_config.cache_dir))
    monkeypatch.chdir(tmp_path)
    exec(compile(code, str(README), "exec"), {"__name__": "readme_example"})
    printed = capsys.readouterr().out
    assert "ndcg@10" in printed
    assert (tmp_path / "bundles" / "example" / "current").exists()


class _Constant(Retriever):
    """Scores every item by its index whatever the user: conforms, though useless."""

    name = "constant-for-tests"

    def _fit(self, dataset: Dataset, validation: object) -> None:
        self.scores = np.arange(dataset.n_items, dtype=np.float64)

    def _score(self, users: Sequence[UserContext]) -> np.ndarray:
        return np.tile(self.scores, (len(users), 1))


class _IgnoresExclusion(_Constant):
    """Breaks the protocol: recommends excluded items."""

    name = "ignores-exclusion-for-tests"

    def recommend_batch(self, users, k=10, exclude=None):  # type: ignore[no-untyped-def]
        return super().recommend_batch(users, k, None)


def test_check_retriever_passes_a_conforming_retriever() -> None:
    assert check_retriever(_Constant()) == [c for c in CHECKS if "registered" not in c]
    assert "test_registered_under_its_name" in check_retriever(
        PopularityRetriever(), registry=RECOMMENDERS
    )


def test_check_retriever_names_the_failed_checks() -> None:
    with pytest.raises(AssertionError, match="test_excluded_items_never_returned"):
        check_retriever(_IgnoresExclusion())


def test_testing_needs_no_pytest() -> None:
    code = (
        "import sys; sys.modules['pytest'] = None\n"
        "from shopsense.testing import check_retriever\n"
        "from shopsense.retrieval.popularity import PopularityRetriever\n"
        "print(len(check_retriever(PopularityRetriever())))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert int(result.stdout) == len(CHECKS) - 1
