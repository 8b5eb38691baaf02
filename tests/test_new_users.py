"""New users from one sentence: the synthetic sentence and the evaluation around it."""

from __future__ import annotations

import polars as pl
from text_shop import shop_dataset

from shopsense.data.splits import leave_one_out
from shopsense.evaluation.new_users import evaluate_new_users, interest_sentence
from shopsense.retrieval.content import ContentRetriever
from shopsense.retrieval.popularity import PopularityRetriever
from shopsense.text import EncoderConfig


def test_sentence_names_the_most_frequent_leaf_categories_newest_first_on_ties() -> None:
    paths = [["Office", "Pens"], ["Office", "Paper"], ["Office", "Pens"], ["Office", "Tape"]]
    assert interest_sentence(paths) == "I'm looking for pens, tape and paper."
    assert interest_sentence(paths, n_categories=1) == "I'm looking for pens."
    assert interest_sentence([[], []]) == ""
    four = [*paths, ["Office", "Glue"]]
    assert interest_sentence(four) == "I'm looking for pens, glue and tape."  # three by default


def test_new_users_are_scored_from_their_sentence_and_nothing_else() -> None:
    seen = []

    class Recording(PopularityRetriever):
        def _score(self, users):
            seen.extend(users)
            return super()._score(users)

    split = leave_one_out(shop_dataset())
    report = evaluate_new_users({"recording": Recording().fit(split.train)}, split)
    assert report["history_excluded"] is True
    assert [(len(c.history), c.text) for c in seen] == [
        (0, "I'm looking for blenders and knives."),
        (0, "I'm looking for sleeping bags and tents."),
    ]
    nothing_excluded = evaluate_new_users(
        {"popularity": PopularityRetriever().fit(split.train)}, split, exclude_history=False
    )
    assert nothing_excluded["history_excluded"] is False


def test_new_users_are_ranked_from_the_sentence_alone(encoder_config: EncoderConfig) -> None:
    split = leave_one_out(shop_dataset())
    retrievers = {
        "popularity": PopularityRetriever().fit(split.train),
        "content": ContentRetriever(encoder=encoder_config).fit(split.train),
    }
    report = evaluate_new_users(retrievers, split)
    assert report["cases"] == len(split.test) == 2
    assert report["example_sentences"] == [
        "I'm looking for blenders and knives.",  # the cook's training items
        "I'm looking for sleeping bags and tents.",  # the camper's
    ]
    assert set(report["models"]) == {"popularity", "content"}
    unexcluded = evaluate_new_users(retrievers, split, exclude_history=False)
    assert unexcluded["models"]["content"]["cases"] == 2


def test_evaluation_report_carries_new_users_and_cold_items() -> None:
    from dataclasses import replace

    from shopsense.evaluation.report import evaluate_models

    dataset = shop_dataset()
    report = evaluate_models(dataset, ["popularity"], cold_item_fraction=0.2)
    entry = report["models"]["popularity"]
    assert entry["new_users"]["cases"] == 2
    assert "sentence" in report["protocol"]["new_users"]
    assert {"cold_targets", "warm_targets"} <= set(entry["cold_items"])
    no_categories = pl.Series("categories", [[]] * dataset.n_items, dtype=pl.List(pl.Utf8))
    uncategorised = replace(dataset, items=dataset.items.with_columns(no_categories))
    report = evaluate_models(uncategorised, ["popularity"], cold_item_fraction=0.0)
    assert "new_users" not in report["models"]["popularity"]
    assert report["protocol"]["new_users"].startswith("not run")
