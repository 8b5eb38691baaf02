"""Exploration: the logged propensities are the policy's own distribution (by simulation)."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import pytest
from scipy import integrate, stats

from shopsense.placement import (
    ExplorationConfig,
    PlacementConfig,
    PlacementEngine,
    PlacementStore,
    RequestContext,
    ThompsonExplorer,
    rank_distribution,
)

ORGANIC = [f"o{i}" for i in range(20)]
FRESH = ["f1", "f2", "f3", "f4"]


def test_rank_distribution_matches_the_exact_top_choice() -> None:
    alpha, beta = np.array([2.0, 5.0, 3.0]), np.array([20.0, 30.0, 10.0])
    dist = rank_distribution(alpha, beta, 2, 200_000, np.random.default_rng(0))
    for i in range(3):
        others = [j for j in range(3) if j != i]

        def density(x: float, i: int = i, others: list[int] = others) -> float:
            cdf = np.prod([stats.beta.cdf(x, alpha[j], beta[j]) for j in others])
            return stats.beta.pdf(x, alpha[i], beta[i]) * cdf

        exact, _ = integrate.quad(density, 0, 1)
        assert dist[i, 0] == pytest.approx(exact, abs=0.005)
    assert np.allclose(dist.sum(axis=0), 1.0)
    assert np.all(dist.sum(axis=1) <= 1.0 + 1e-12)


def _explorer(share: float, seed: int = 0) -> ThompsonExplorer:
    explorer = ThompsonExplorer(ExplorationConfig(share=share, slots=[2, 4], draws=2000, seed=seed))
    for item, shows, clicks in (("f1", 400, 8), ("f2", 50, 3), ("f3", 0, 0), ("f4", 200, 1)):
        explorer.observe(item, impressions=shows, clicks=clicks)
    return explorer


def test_logged_propensities_match_the_policy_by_simulation() -> None:
    explorer, runs = _explorer(share=0.3), 6000
    shown: Counter[tuple[str, int]] = Counter()
    logged: defaultdict[tuple[str, int], list[float]] = defaultdict(list)
    for _ in range(runs):
        result = explorer.explore(ORGANIC, FRESH, 8)
        for position, (item, propensity) in enumerate(
            zip(result.items, result.propensities, strict=True)
        ):
            shown[(item, position)] += 1
            logged[(item, position)].append(propensity)
    for key, count in shown.items():
        frequency, mean_logged = count / runs, float(np.mean(logged[key]))
        tolerance = 4 * np.sqrt(frequency * (1 - frequency) / runs) + 0.01
        assert mean_logged == pytest.approx(frequency, abs=tolerance), key
    # Every (item, position) the policy can produce got some traffic, fresh items included.
    assert {item for item, _ in shown} >= set(FRESH)


def test_the_exploration_budget_bounds_changed_lists() -> None:
    explorer, runs = _explorer(share=0.1, seed=1), 3000
    changed = sum(explorer.explore(ORGANIC, FRESH, 8).items != ORGANIC[:8] for _ in range(runs))
    assert changed / runs == pytest.approx(0.1, abs=0.03)
    first = _explorer(share=0.1).explore(ORGANIC, FRESH, 8)
    assert first.items[:2] == ORGANIC[:2]  # places above the first exploration slot are fixed
    never = _explorer(share=0.0)
    assert all(never.explore(ORGANIC, FRESH, 8).items == ORGANIC[:8] for _ in range(200))


def test_the_engine_logs_the_explorer_propensities() -> None:
    config = PlacementConfig(exploration=ExplorationConfig(share=0.5, slots=[3]))
    engine = PlacementEngine(PlacementStore(), config=config)
    scores = np.linspace(1, 0, len(ORGANIC))
    for _ in range(50):
        placement = engine.place(
            RequestContext("u"), ORGANIC, scores, 8, lambda items: np.ones(len(items)), fresh=FRESH
        )
        engine.log(placement)
    log = engine.store.impression_log()
    explored = log.filter(log["item_id"].is_in(FRESH))
    assert explored.height > 0
    assert (explored["propensity"] < 0.5).all() and (explored["position"] == 3).all()
    assert set(log.filter(log["position"] < 3)["propensity"].to_list()) == {1.0}


def _explored(engine: PlacementEngine, shopper: str) -> tuple[int, str]:
    """Place for `shopper` until a fresh item is explored; its impression id and item."""
    scores = np.linspace(1, 0, len(ORGANIC))
    for _ in range(200):
        placement = engine.place(
            RequestContext(shopper),
            ORGANIC,
            scores,
            8,
            lambda items: np.ones(len(items)),
            fresh=FRESH,
        )
        ids = engine.log(placement)
        for entry, impression in zip(placement.entries, ids, strict=True):
            if entry.explored:
                return impression, entry.item_id
    raise AssertionError("nothing was explored")


def test_the_explorer_counts_survive_a_restart_and_forget_an_erased_shopper(
    tmp_path: Path,
) -> None:
    config = PlacementConfig(exploration=ExplorationConfig(share=1.0, slots=[3]))
    store = tmp_path / "placement.duckdb"
    first = PlacementEngine(PlacementStore(store), config=config)
    impression, item = _explored(first, "u")
    first.record_outcome(impression, "click")
    before = [side.tolist() for side in first.explorer.posterior([item])]
    first.store.close()
    second = PlacementEngine(PlacementStore(store), config=config)
    # Everything logged for the item (every list it was on), its click included.
    assert [side.tolist() for side in second.explorer.posterior([item])] == before
    assert before[0] == [config.exploration.prior_clicks + 1]
    second.erase_shopper("u")
    alpha, beta = second.explorer.posterior([item])
    assert (alpha[0], beta[0]) == (config.exploration.prior_clicks, config.exploration.prior_skips)
