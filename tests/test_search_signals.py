"""Typed search signals: the sources and the reason a shopper reads come from the fields."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from shopsense.search.signals import SearchSignals


def test_a_lexical_hit_that_meets_constraints_says_so() -> None:
    signals = SearchSignals(
        lexical_rank=1,
        lexical_score=7.5,
        dense_rank=3,
        dense_cosine=0.61,
        constraints={"colour": "black"},
        personal_affinity=0.2,
    )
    assert signals.sources() == ["lexical", "dense", "personal"]
    assert signals.reason() == (
        "matches the words of your search (colour black), and fits your interests"
    )


def test_a_dense_only_hit_reads_as_close_in_meaning() -> None:
    signals = SearchSignals(dense_cosine=0.4, spelling=["lether->leather"])
    assert signals.sources() == ["dense"]
    assert signals.reason() == "close in meaning to your search"
    assert signals.flat() == {"dense_cosine": 0.4, "spelling": "lether->leather"}


def test_an_unknown_signal_is_refused() -> None:
    with pytest.raises(ValidationError, match="colour"):
        SearchSignals(dense_cosine=0.1, colour="black")
