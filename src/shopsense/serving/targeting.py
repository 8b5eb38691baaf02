"""What a request is about, for campaign targeting (`shopsense.placement.campaigns.Targeting`).

A search is about the categories its query names (search's understanding) and those of its
first results; a shopper's list is about the categories of what they last looked at. Every
level of a product's category path counts ("Sports & Outdoors" and "Camping" both). The
shopper's segments are the shop's own, from its users table (`SEGMENTS_KEY` in a user's
attributes).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from shopsense.bundle.catalogue import Catalogue
from shopsense.data.shoppers import UserState
from shopsense.placement.campaigns import RequestContext

#: How many first results, or latest distinct history products, say what a request is about.
ABOUT = 5


def categories_of(catalogue: Catalogue, item_ids: Iterable[str]) -> frozenset[str]:
    """Every level of the category paths of the products (unknown ones skipped)."""
    column = catalogue.items["categories"]
    found: set[str] = set()
    for item_id in item_ids:
        row = catalogue.index_of(item_id)
        path = None if row is None else column[row]
        if path is not None:
            found.update(path.to_list())
    return frozenset(found)


def search_context(
    catalogue: Catalogue,
    users: UserState,
    shopper: str,
    query: str,
    named: Sequence[str],
    results: Sequence[str],
) -> RequestContext:
    """A search's targeting context: the categories its query names (`named`) and those of its
    first `ABOUT` results (`results`, best first), with the shopper's segments."""
    categories = frozenset(named) | categories_of(catalogue, results[:ABOUT])
    return RequestContext(
        shopper, users.segments.get(shopper, frozenset()), categories, query=query
    )


def list_context(catalogue: Catalogue, users: UserState, shopper: str) -> RequestContext:
    """A shopper's list's targeting context: the categories of the `ABOUT` products they acted
    on last, with their segments."""
    latest: list[str] = []
    for event in reversed(users.history(shopper)):  # newest first; stop at ABOUT distinct
        if event.item not in latest:
            latest.append(event.item)
            if len(latest) == ABOUT:
                break
    return RequestContext(
        shopper, users.segments.get(shopper, frozenset()), categories_of(catalogue, latest)
    )
