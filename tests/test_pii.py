"""PII masking: typed placeholders, checks that keep look-alikes, and the benchmark's bar."""

from __future__ import annotations

from pathlib import Path

import pytest

from shopsense.evaluation.pii import load_snippets, pii_scores
from shopsense.text.pii import PiiKind, find_pii, mask_pii

SNIPPETS = Path(__file__).parents[1] / "benchmarks" / "data" / "pii_snippets.jsonl"


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("write to ann.lee+shop@mail.example.com now", "write to [EMAIL] now"),
        ("手机13812345678收不到", "手机[PHONE]收不到"),
        ("call +86 138-1234-5678 or (415) 555-0132", "call [PHONE] or [PHONE]"),
        ("card 4111 1111 1111 1111 declined", "card [CARD] declined"),
        ("身份证11010519491231002X", "身份证[CN_ID]"),
        ("ship to 1600 Pennsylvania Avenue NW, Apt 2B today", "ship to [ADDRESS] today"),
        ("寄到上海市浦东新区世纪大道100号3栋502室", "寄到[ADDRESS]"),
        ("nothing personal in 3 boxes of 12", "nothing personal in 3 boxes of 12"),
    ],
)
def test_personal_data_becomes_typed_placeholders(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112 fails the Luhn check",
        "id 110105194912310021 has a wrong check digit",
        "order 2024-03-15, total $1,299.99, 2 units",
        "ISBN 978-0-306-40615-7",
    ],
)
def test_look_alikes_are_kept(text: str) -> None:
    assert mask_pii(text) == text


def test_spans_do_not_overlap_and_the_stronger_kind_wins() -> None:
    spans = find_pii("id 11010519491231002X mail a@b.co")
    assert [span.kind for span in spans] == [PiiKind.CN_ID, PiiKind.EMAIL]


def test_the_labelled_snippets_meet_the_bar() -> None:
    snippets = load_snippets(SNIPPETS)
    assert len(snippets) >= 200
    overall = pii_scores(snippets)["all"]
    assert overall["recall"] >= 0.98 and overall["precision"] >= 0.95
