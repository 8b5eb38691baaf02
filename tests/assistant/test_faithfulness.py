"""The faithfulness check: each rule (number, unit, size, colour, name, yes / no), both ways."""

from __future__ import annotations

import pytest

from shopsense.assistant.faithfulness import check_faithfulness
from shopsense.assistant.quantities import canonical_number, quantities, units


def test_numbers_normalised_words_digits_and_chinese():
    assert canonical_number("two") == "2"
    assert canonical_number("1,299.50") == "1299.5"
    assert canonical_number("30.") == "30"
    assert canonical_number("二十五") == "25"
    assert canonical_number("一百二十") == "120"
    assert [q.value for q in quantities("it has 3 motors and 2 wheels")] == ["3", "2"]
    assert units('9.84" wide, 2lb, 115 pounds') == {"inch", "pound"}
    assert units("保修24个月，7天退货，25寸") == {"month", "day", "inch"}


def test_number_in_evidence_passes_in_another_spelling():
    report = check_faithfulness(
        "It comes with two square green plates.", ["comes with 2 square green plates"]
    )
    assert report.faithful, report.problems


def test_number_missing_from_evidence_is_flagged():
    report = check_faithfulness("It supports up to 15 pounds.", ["supports up to 115 lbs"])
    assert not report.faithful
    assert "number '15' not in evidence" in report.problems


def test_unit_spellings_match_and_a_different_unit_is_flagged():
    assert check_faithfulness("It is 9.84 inches wide.", ['width: 9.84"']).faithful
    assert check_faithfulness("It holds 115 pounds.", ["holds 115 lbs"]).faithful
    report = check_faithfulness("It is 9.84 cm wide.", ['width: 9.84"'])
    assert report.problems == ("unit 'cm' not in evidence",)


def test_colour():
    assert check_faithfulness("It comes in blue.", ["available in blue and pink"]).faithful
    report = check_faithfulness("It comes in red.", ["available in blue and pink"])
    assert report.problems == ("colour 'red' not in evidence",)


def test_size():
    assert check_faithfulness("It is a large.", ["size: large"]).faithful
    assert not check_faithfulness("It is an XL.", ["size: large"]).faithful


@pytest.mark.parametrize(
    ("answer", "evidence", "question", "faithful"),
    [
        ("It is made by Sony.", "made by sony in japan", "", True),
        (
            "It works with the Sony remote.",
            "works with any remote",
            "does it work with sony?",
            True,
        ),
        ("It is made by Sony.", "made by a japanese company", "", False),
        ("It works with an iPad.", "works with tablets", "", False),
        ("LEGO makes it.", "a building set", "", False),
        ("Great for kids. Easy to clean.", "great for kids, easy to clean", "", True),
    ],
)
def test_names(answer, evidence, question, faithful):
    assert check_faithfulness(answer, [evidence], question).faithful is faithful


def test_yes_needs_evidence_that_does_not_negate():
    assert check_faithfulness("Yes, it is electric.", ["is_electric: { value:true }"]).faithful
    report = check_faithfulness("Yes, it is electric.", ["is_electric: { value:false }"])
    assert report.problems == ("yes-claim but the evidence negates",)
    # The negation elsewhere in the evidence does not back or break this claim.
    assert check_faithfulness(
        "Yes, the pacifier is attached.", ["the pacifier is attached. no buttons on clothing."]
    ).faithful


def test_no_needs_a_negation_or_an_incompatible_value():
    assert check_faithfulness("No, it does not fold.", ["the frame does not fold"]).faithful
    assert not check_faithfulness("No, it does not fold.", ["the frame folds flat"]).faithful
    assert check_faithfulness(
        "No, it is blue.", ["color: blue"], question="does it come in red?"
    ).faithful
    assert not check_faithfulness(
        "No, it is blue.", ["color: blue"], question="does it come in blue?"
    ).faithful


def test_chinese_numbers_units_and_polarity():
    assert check_faithfulness("是的，保修24个月。", ["保修期二十四个月"]).faithful
    report = check_faithfulness("是的，保修12个月。", ["保修期二十四个月"])
    assert report.problems == ("number '12' not in evidence",)
    assert not check_faithfulness("不，它不防水。", ["防水等级IPX7"]).faithful
    assert check_faithfulness("不，它不防水。", ["本品不防水"]).faithful
    assert not check_faithfulness("是的，有红色。", ["颜色：蓝色"]).faithful
