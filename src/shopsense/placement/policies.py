"""Action distributions of simple slate policies over `n_items` items and `n_positions` slots.

A policy's action distribution `dist[row, item, position]` is the probability it shows `item`
at `position` for request `row`; off-policy evaluation reads it and exploration logs it.
"""

from __future__ import annotations

import numpy as np

__all__ = ["top_m_distribution", "uniform_distribution"]


def uniform_distribution(n_items: int, n_positions: int) -> np.ndarray:
    """The uniform random policy (a random distinct item per position): (n_items, n_positions)."""
    return np.full((n_items, n_positions), 1.0 / n_items)


def top_m_distribution(scores: np.ndarray, m: int, n_positions: int) -> np.ndarray:
    """The policy that shows a random arrangement of the `m` best-scored items of each request
    (`scores[row, item]`): each of them at each position with probability 1/m, shape
    (n, n_items, n_positions). m = n_positions shows the top items in random order; larger m
    explores more and keeps more impressions to learn and evaluate from."""
    n, n_items = scores.shape
    if not n_positions <= m <= n_items:
        raise ValueError(f"m: {m} is not in [n_positions={n_positions}, n_items={n_items}]")
    top = np.argpartition(-scores, m - 1, axis=1)[:, :m]
    dist = np.zeros((n, n_items, n_positions))
    dist[np.arange(n)[:, None], top, :] = 1.0 / m
    return dist
