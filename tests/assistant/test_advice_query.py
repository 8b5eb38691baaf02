"""The request's own wording is taken out of what the assistant searches for."""

from __future__ import annotations

import pytest

from shopsense.assistant.advice_query import search_terms


@pytest.mark.parametrize(
    ("message", "searched"),
    [
        ("I'm looking for running shoes under $80", "running shoes under $80"),
        ("can you recommend a quiet blender?", "quiet blender"),
        ("a gift for my mum under $50", "gift under $50"),
        ("hello, do you have wireless earbuds?", "wireless earbuds"),
        ("推荐一款200元以下的蓝牙耳机", "200元以下的蓝牙耳机"),
        ("我想买一个适合露营的保温壶", "适合露营的保温壶"),
        ("送给妈妈的围巾", "围巾"),
        ("trail running shoes", "trail running shoes"),
        ("recommend", "recommend"),
    ],
)
def test_search_terms(message: str, searched: str) -> None:
    assert search_terms(message) == searched
