"""Shoppers of the demo shop: latent tastes, and the chronological events those tastes produce.

Each shopper likes one to three categories (a mixture), a few brands, and a price level. They
visit the shop in sessions spread over the event window. A visit is a product page: a view (or
a click from search results), sometimes an add-to-cart, sometimes a purchase. What they look at
next follows the structure real logs have: comparing items of the same kind, moving to a
complementary kind (after a tent, a sleeping bag; after shoes, socks), above all right after a
purchase, or back to their tastes. Items are chosen by Zipf-like appeal, quality, brand
affinity and price fit, with Gumbel noise, among items already listed and not yet visited.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

from shopsense.data.demo.catalogue import Catalogue
from shopsense.data.demo.config import DemoShopConfig
from shopsense.data.demo.queries import QuerySpec, compose_query

#: Interaction kinds, by the code the simulation stores.
KINDS: tuple[str, ...] = ("view", "click", "cart", "purchase")
VIEW, CLICK, CART, PURCHASE = range(4)

_DAY = 86_400.0


@dataclass(frozen=True)
class Tastes:
    """Latent preferences per user index."""

    category_mix: np.ndarray
    """(users, categories): how a shopper's attention splits over categories (sums to 1)."""
    type_preference: np.ndarray
    """(users, types): relative interest in each product type."""
    brand_affinity: np.ndarray
    """(users, brands): a score bonus for favourite brands (0 for the rest)."""
    price_sensitivity: np.ndarray
    """(users,): how strongly a shopper avoids items pricier than usual for their kind."""


@dataclass(frozen=True)
class Activity:
    """Everything the shoppers did: events (one row each) and searches."""

    user: np.ndarray
    item: np.ndarray
    kind: np.ndarray
    """Codes into `KINDS`."""
    seconds: np.ndarray
    """Seconds after the start of the event window; increasing within a user."""
    queries: list[tuple[int, QuerySpec, float, list[int]]]
    """(user, query, seconds, clicked items) per search."""


def draw_tastes(n_users: int, catalogue: Catalogue, rng: np.random.Generator) -> Tastes:
    """Draw every shopper's latent tastes."""
    categories = catalogue.categories
    n_categories, n_brands = len(categories), len(catalogue.brands)
    popularity = np.array([c.popularity for c in categories])
    category_brands = [np.flatnonzero(np.isin(catalogue.brands, c.brands)) for c in categories]
    n_liked = 1 + _draw_many(np.cumsum([0.45, 0.35, 0.2]), rng, size=n_users)
    # Gumbel top-k: categories drawn without replacement, in proportion to their popularity.
    liked_order = np.argsort(-(np.log(popularity) + rng.gumbel(size=(n_users, n_categories))))
    mix = np.zeros((n_users, n_categories))
    affinity = np.zeros((n_users, n_brands))
    for user in range(n_users):
        liked = liked_order[user, : n_liked[user]]
        mix[user, liked] = rng.dirichlet(np.full(len(liked), 2.0))
        for category in liked:
            brands = rng.permutation(category_brands[category])[: rng.integers(1, 3)]
            affinity[user, brands] = rng.uniform(0.8, 2.0, size=len(brands))
    shares = np.array([t.share for t in catalogue.types])
    preference = shares * np.exp(rng.normal(0.0, 0.6, size=(n_users, len(shares))))
    return Tastes(
        category_mix=mix,
        type_preference=preference,
        brand_affinity=affinity,
        price_sensitivity=rng.lognormal(0.0, 0.5, size=n_users),
    )


def _draw_many(cdf: np.ndarray, rng: np.random.Generator, size: int) -> np.ndarray:
    """`size` indices drawn in proportion to the increments of a cumulative weight array."""
    index = np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right")
    return np.minimum(index, len(cdf) - 1)


def simulate(
    catalogue: Catalogue, tastes: Tastes, config: DemoShopConfig, rng: np.random.Generator
) -> Activity:
    """Run every shopper through the event window."""
    simulation = _Simulation(catalogue, tastes, config, rng)
    users, items, kinds, seconds = [], [], [], []
    queries: list[tuple[int, QuerySpec, float, list[int]]] = []
    for user in range(tastes.category_mix.shape[0]):
        visits = simulation.shopper(user, queries)
        for visit in visits:
            for item, kind, second in visit:
                users.append(user)
                items.append(item)
                kinds.append(kind)
                seconds.append(second)
    return Activity(
        user=np.array(users, dtype=np.int64),
        item=np.array(items, dtype=np.int64),
        kind=np.array(kinds, dtype=np.int64),
        seconds=np.array(seconds, dtype=np.float64),
        queries=queries,
    )


class _Simulation:
    """One pass over the shoppers: the catalogue arrays, plus the current shopper's state."""

    def __init__(
        self,
        catalogue: Catalogue,
        tastes: Tastes,
        config: DemoShopConfig,
        rng: np.random.Generator,
    ) -> None:
        self.catalogue, self.tastes, self.config, self.rng = catalogue, tastes, config, rng
        self.type_items = catalogue.items_of_type()
        # Items listed after the window (the cold share) must never be picked, however late
        # a session runs.
        listed = catalogue.listed_day * _DAY
        self.listed = np.where(catalogue.listed_day >= config.window_days, np.inf, listed)
        by_key = {t.key: i for i, t in enumerate(catalogue.types)}
        self.complements = [[by_key[k] for k in t.complements] for t in catalogue.types]
        self.category_types = [
            np.flatnonzero(catalogue.type_category == c).tolist()
            for c in range(len(catalogue.categories))
        ]
        self.item_type = catalogue.item_type.tolist()
        self.item_brand = catalogue.item_brand.tolist()
        self.visited = np.zeros(catalogue.n_items, dtype=bool)
        self._focus(0)

    def _focus(self, user: int) -> None:
        """Precompute what the shopper's choices need: item scores, cart odds, kind weights."""
        catalogue, tastes = self.catalogue, self.tastes
        self.user = user
        self.visited[:] = False
        affinity = tastes.brand_affinity[user, catalogue.item_brand]
        price = tastes.price_sensitivity[user] * catalogue.price_level
        self.score = catalogue.appeal + 0.5 * catalogue.quality + affinity - price
        self.cart_logit = -3.0 + 0.5 * catalogue.quality + 0.6 * affinity - 0.4 * price
        # Plain lists: one small draw at a time is far faster with bisect than with numpy.
        self.preference = tastes.type_preference[user].tolist()
        self.category_cdf = list(accumulate(tastes.category_mix[user].tolist()))
        self.type_cdfs = [
            list(accumulate(self.preference[t] for t in types)) for types in self.category_types
        ]

    # ---- one shopper ------------------------------------------------------------------------
    def shopper(self, user: int, queries: list) -> list[list[tuple[int, int, float]]]:
        """The shopper's visits, each a list of (item, kind, seconds) events."""
        self._focus(user)
        rng, window = self.rng, self.config.window_days * _DAY
        extra = self.config.mean_visits - 5.0
        # Activity is heavy-tailed: log-normal with mean `extra`.
        target = 5 + int(rng.lognormal(np.log(extra) - 0.405, 0.9))
        start = rng.uniform(0.0, 0.8 * window)
        last_day = window - _DAY
        days = np.sort(rng.uniform(start, last_day, size=max(1, round(target / 3))))
        visits: list[list[tuple[int, int, float]]] = []
        last_purchase: int | None = None
        session = 0
        while len(visits) < target:
            day = days[session] if session < len(days) else rng.uniform(days[-1], last_day)
            session += 1
            # Sessions start in the day-time of their day, after the previous one ended.
            clock = day // _DAY * _DAY + rng.uniform(7.0, 23.0) * 3600.0
            if visits:
                clock = max(clock, visits[-1][-1][2] + 600.0)
            before = len(visits)
            last_purchase = self._session(clock, target - before, last_purchase, visits, queries)
            if len(visits) == before:
                break  # a tiny catalogue the shopper has seen all of
        return _end_on_fresh_items(visits)

    def _session(
        self,
        clock: float,
        budget: int,
        last_purchase: int | None,
        visits: list,
        queries: list,
    ) -> int | None:
        """One session of up to `budget` visits; returns the last item bought (or the one
        bought before the session, so a complement can follow in the next one)."""
        rng = self.rng
        length = min(budget, int(rng.geometric(0.35)))
        kind, brand = self._first_kind(last_purchase)
        clicked: list[int] = []
        if rng.random() < self.config.search_share:
            clicked = self._search(kind, clock, brand, queries)
            clock += 5.0 + rng.exponential(20.0)
            # Every result clicked becomes a visit, even past the session's planned length.
            length = max(length, len(clicked))
        for _ in range(length):
            entry = CLICK if clicked else VIEW
            item = clicked.pop(0) if clicked else self._pick(kind, clock, brand)
            if item is None:
                item = self._pick(self._taste_kind(), clock, None)
            if item is None:
                item = self._pick_anywhere(clock)
            if item is None:
                break
            events, clock, bought = self._visit(item, entry, clock)
            visits.append(events)
            if bought:
                last_purchase = item
            kind, brand = self._next_kind(item, bought)
        return last_purchase

    def _visit(self, item: int, entry: int, clock: float) -> tuple[list, float, bool]:
        """A product page visit and the funnel behind it: cart, then purchase."""
        rng, quality = self.rng, float(self.catalogue.quality[item])
        events = [(item, entry, clock)]
        # Shoppers who searched for the product are likelier to want it.
        logit = float(self.cart_logit[item]) + (0.6 if entry == CLICK else 0.0)
        bought = False
        if rng.random() < 1.0 / (1.0 + math.exp(-logit)):
            clock += 10.0 + rng.exponential(120.0)
            events.append((item, CART, clock))
            if rng.random() < 1.0 / (1.0 + math.exp(-(0.4 * quality - 0.5))):
                clock += 60.0 + rng.exponential(600.0)
                events.append((item, PURCHASE, clock))
                bought = True
        self.visited[item] = True
        return events, clock + 15.0 + rng.exponential(100.0), bought

    # ---- what to look at ---------------------------------------------------------------------
    def _first_kind(self, last_purchase: int | None) -> tuple[int, int | None]:
        if last_purchase is not None and self.rng.random() < self.config.complement_after_purchase:
            complement = self._complement(last_purchase)
            if complement is not None:
                return complement
        return self._taste_kind(), None

    def _next_kind(self, item: int, bought: bool) -> tuple[int, int | None]:
        """The product type (and a brand to stay loyal to) of the next visit."""
        config, roll = self.config, self.rng.random()
        if bought:
            complement = roll < config.complement_after_purchase
            compare = False
        else:
            complement = roll < config.complement_probability
            compare = not complement and roll < (
                config.complement_probability + config.compare_probability
            )
        if complement:
            return self._complement(item) or (self._taste_kind(), None)
        if compare:
            return self.item_type[item], None
        return self._taste_kind(), None

    def _complement(self, item: int) -> tuple[int, int] | None:
        options = self.complements[self.item_type[item]]
        if not options:
            return None
        cdf = list(accumulate(self.preference[k] for k in options))
        return options[self._draw(cdf)], self.item_brand[item]

    def _taste_kind(self) -> int:
        category = self._draw(self.category_cdf)
        return self.category_types[category][self._draw(self.type_cdfs[category])]

    def _draw(self, cdf: list[float]) -> int:
        """An index drawn in proportion to the increments of `cdf` (zero weights never)."""
        return min(bisect_right(cdf, self.rng.random() * cdf[-1]), len(cdf) - 1)

    def _candidates(self, kind: int, clock: float) -> np.ndarray:
        items = self.type_items[kind]
        return items[(self.listed[items] <= clock) & ~self.visited[items]]

    def _best(self, items: np.ndarray, brand: int | None) -> int:
        """The shopper's noisy favourite among `items` (brand: loyalty bonus after a visit)."""
        score = self.score[items] + self.rng.gumbel(size=len(items))
        if brand is not None:
            score += 0.8 * (self.catalogue.item_brand[items] == brand)
        return int(items[np.argmax(score)])

    def _pick(self, kind: int, clock: float, brand: int | None) -> int | None:
        items = self._candidates(kind, clock)
        return self._best(items, brand) if len(items) else None

    def _pick_anywhere(self, clock: float) -> int | None:
        """Fallback when the shopper's kinds are exhausted: any listed, unvisited item."""
        items = np.flatnonzero((self.listed <= clock) & ~self.visited)
        return self._best(items, None) if len(items) else None

    def _search(self, kind: int, clock: float, brand: int | None, queries: list) -> list[int]:
        """A search for something of `kind`: the query, and the one or two results clicked."""
        wanted = self._pick(kind, clock, brand)
        if wanted is None:
            return []
        spec = compose_query(wanted, self.catalogue, self.rng)
        clicked = [wanted]
        if self.rng.random() < 0.35:
            others = self._candidates(kind, clock)
            others = others[(others != wanted) & spec.matches(self.catalogue, others)]
            if len(others):
                clicked.append(self._best(others, brand))
        queries.append((self.user, spec, clock, list(clicked)))
        return clicked


def _end_on_fresh_items(visits: list[list]) -> list[list]:
    """Cut the log as the shopper lands on the last two product pages.

    The observation window closes mid-browse, so a user's last two events are first touches
    of items not seen before; leave-one-out targets are then new items, as in review-derived
    benchmarks, instead of the cart or purchase of an item already in the history (which full
    ranking excludes and no model could hit).
    """
    return visits[:-2] + [visit[:1] for visit in visits[-2:]]
