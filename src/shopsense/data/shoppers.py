"""Per-shopper state: every event known for each shopper, their profile sentence and segments.

It is the in-memory view of the store (loaded at start, then updated as events are accepted),
kept by the shop's ids rather than by item index, so that a new bundle with a changed catalogue
is swapped in without touching it. Every mutation happens on the event loop (the routes are
`async`), so no lock is needed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field

import polars as pl


@dataclass(frozen=True, slots=True)
class UserEvent:
    """One event of a shopper, as stored."""

    item: str
    kind: str
    timestamp: float
    """Seconds since the epoch (NaN where unknown)."""


@dataclass
class UserState:
    """Events by shopper (oldest first), profile sentences and segments."""

    events: dict[str, list[UserEvent]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    #: The shop's segments of a shopper (campaign targeting), from the users table.
    segments: dict[str, frozenset[str]] = field(default_factory=dict)

    @classmethod
    def from_frames(cls, interactions: pl.DataFrame, users: pl.DataFrame) -> UserState:
        """State from the store's interactions (in event order) and users tables."""
        state = cls()
        seconds = interactions["timestamp"].dt.epoch("us").cast(pl.Float64) / 1e6
        for user, item, kind, moment in zip(
            interactions["user_id"].to_list(),
            interactions["item_id"].to_list(),
            interactions["kind"].to_list(),
            seconds.fill_null(float("nan")).to_list(),
            strict=True,
        ):
            state.events.setdefault(user, []).append(UserEvent(item, kind, moment))
        for user, text in zip(
            users["user_id"].to_list(), profile_texts(users["attributes"]).to_list(), strict=True
        ):
            if text:
                state.texts[user] = text
        for user, named in zip(
            users["user_id"].to_list(), profile_segments(users["attributes"]), strict=True
        ):
            if named:
                state.segments[user] = named
        return state

    def add(self, user: str, events: Iterable[UserEvent]) -> None:
        """Append events (in order) to a shopper's history."""
        self.events.setdefault(user, []).extend(events)

    def replace(self, user: str, events: list[UserEvent], text: str | None) -> None:
        """Set everything held about a shopper at once (as another process stored it)."""
        self.events[user] = events
        if text is None:
            self.texts.pop(user, None)
        else:
            self.texts[user] = text

    def history(self, user: str) -> list[UserEvent]:
        """The shopper's events, oldest first (empty if none)."""
        return self.events.get(user, [])

    def describe(self, user: str, text: str) -> None:
        """Set the shopper's profile sentence."""
        self.texts[user] = text

    def forget(self, user: str) -> None:
        """Drop everything held about the shopper."""
        self.events.pop(user, None)
        self.texts.pop(user, None)
        self.segments.pop(user, None)

    def knows(self, user: str) -> bool:
        """Whether the shopper has events or a profile sentence."""
        return user in self.events or user in self.texts


#: Key of the profile sentence in a stored user's `attributes`.
PROFILE_KEY = "profile"


#: Key of a shopper's segments in a stored user's `attributes`: a list of names, or one name.
SEGMENTS_KEY = "segments"


def profile_segments(attributes: pl.Series) -> list[frozenset[str]]:
    """The segments named in each user's attributes JSON (empty where none or unreadable: the
    attributes are the shop's free-form data, validated as JSON when stored)."""
    named: list[frozenset[str]] = []
    for text in attributes.to_list():
        value = None
        if text and SEGMENTS_KEY in text:
            try:
                parsed = json.loads(text)
            except ValueError:
                parsed = None
            value = parsed.get(SEGMENTS_KEY) if isinstance(parsed, dict) else None
        if isinstance(value, str):
            value = [value]
        names = value if isinstance(value, list) else []
        named.append(frozenset(name for name in names if isinstance(name, str) and name))
    return named


def profile_texts(attributes: pl.Series) -> pl.Series:
    """The profile sentence stored in each user's attributes JSON (null where none)."""
    return attributes.str.json_path_match(f"$.{PROFILE_KEY}")
