"""Training pairs of the relevance model: positives, hard negatives from the same product, and
no pair from an excluded product."""

from __future__ import annotations

from shopsense.assistant.qa_corpora import AnswerExample, RankingQuestion
from shopsense.assistant.relevance_pairs import relevance_pairs


def test_pairs_take_negatives_from_the_same_product_and_skip_excluded_ones() -> None:
    answers = [
        AnswerExample("p1", "how long is the cable?", "The cable is 2 m.", "2 m.", "bullet"),
        AnswerExample("p1", "is it waterproof?", "Rated IPX7.", "Yes.", "attribute"),
        AnswerExample("p2", "what colour?", "Navy blue.", "Blue.", "attribute"),
        AnswerExample("p3", "does it fold?", "Folds flat.", "Yes.", "bullet"),
    ]
    ranking = [
        RankingQuestion("q", "is it heavy?", "p4", ("1 kg", "red", "cotton"), ("a",) * 3, (1, 0, 0))
    ]
    pairs = relevance_pairs(ranking, answers, negatives=1, exclude_products={"p3"})
    rows = list(zip(pairs.texts, pairs.pairs or [], pairs.labels.tolist(), strict=True))
    assert ("is it heavy?", "1 kg", 1) in rows
    assert sum(1 for q, _, label in rows if q == "is it heavy?" and label == 0) == 1
    assert ("how long is the cable?", "Rated IPX7.", 0) in rows
    assert all(q != "does it fold?" and e != "Folds flat." for q, e, _ in rows)
    assert int(pairs.labels.sum()) == 4


def test_a_single_product_gets_no_invented_negatives() -> None:
    only = [AnswerExample("p1", "how long?", "2 m.", "2 m.", "bullet")]
    pairs = relevance_pairs([], only, negatives=3)
    assert pairs.labels.tolist() == [1]
