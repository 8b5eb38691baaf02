"""User interest profiles: decay, interests from behaviour, and cold start from one sentence."""

from __future__ import annotations

import numpy as np
import pytest
from text_shop import CAMPING, KITCHEN, RUNNING, shop_dataset

from shopsense.text import DecayConfig, Encoder, EncoderConfig, InterestProfiler, ProfileConfig
from shopsense.text.profiles import decay_weights, history_vector

DAY = 86_400.0


@pytest.fixture(scope="module")
def profiler(encoder_config: EncoderConfig) -> InterestProfiler:
    return InterestProfiler(shop_dataset(), Encoder(encoder_config))


def _ids(profiler: InterestProfiler, items: np.ndarray) -> set[str]:
    return {str(profiler.dataset.item_ids[i]) for i in items}


def test_decay_halves_per_half_life_by_time_or_by_position() -> None:
    decay = DecayConfig(half_life_days=10, half_life_events=1)
    by_time = decay_weights(np.array([0.0, 10 * DAY, 20 * DAY]), 3, decay)
    np.testing.assert_allclose(by_time, [0.25, 0.5, 1.0])
    by_position = decay_weights(None, 3, decay)
    np.testing.assert_allclose(by_position, [0.25, 0.5, 1.0])
    # One unknown timestamp: the whole history falls back to order.
    np.testing.assert_allclose(decay_weights(np.array([0.0, np.nan, 1.0]), 3, decay), by_position)


def test_history_vector_is_a_decayed_mean() -> None:
    vectors = np.eye(3, dtype=np.float32)
    vector = history_vector(vectors, np.array([0, 2]), decay=DecayConfig(half_life_events=1))
    np.testing.assert_allclose(vector, np.array([0.5, 0, 1]) / np.sqrt(1.25), rtol=1e-6)
    assert not history_vector(vectors, np.array([], dtype=np.int64)).any()


def test_sentence_about_running_shoes_finds_running_items(profiler: InterestProfiler) -> None:
    profile = profiler.profile_from_text("I need new shoes for my marathon training runs")
    nearest, _ = profiler.nearest_items(profile.vector, 3)
    assert _ids(profiler, nearest) <= RUNNING
    assert profile.categories[0].name in {"Running", "Running Shoes"}
    assert "marathon" in {term.name for term in profile.terms}


def test_new_user_sentence_names_interests(profiler: InterestProfiler) -> None:
    profile = profiler.profile_from_text("I'm into trail running and ultralight camping")
    nearest, _ = profiler.nearest_items(profile.vector, 4)
    assert _ids(profiler, nearest) <= RUNNING | CAMPING
    categories = {interest.name for interest in profile.categories}
    assert {"Running", "Camping"} <= categories
    assert "Peakline" in {interest.name for interest in profile.brands}
    terms = {interest.name for interest in profile.terms}
    assert {"trail", "ultralight", "camping"} <= terms
    assert "and" not in terms and "into" not in terms
    weights = [interest.weight for interest in profile.categories]
    assert weights == sorted(weights, reverse=True) and sum(weights) <= 1.0 + 1e-9


def test_recent_interests_outweigh_old_ones(profiler: InterestProfiler) -> None:
    # The cook bought kitchen gear on days 1-2 and turned to running on days 29-30.
    profile = profiler.profile_user("cook")
    nearest, _ = profiler.nearest_items(profile.vector, 2)
    assert _ids(profiler, nearest) <= RUNNING
    assert profile.categories[0].name in {"Running", "Running Shoes", "Trail Running Shoes"}
    assert "Kitchen" in {interest.name for interest in profile.categories}

    slow = InterestProfiler(
        profiler.dataset,
        profiler.encoder,
        ProfileConfig(decay=DecayConfig(half_life_days=1000)),
        vectors=profiler.item_vectors,
    )
    kitchen = [profiler.dataset.item_index[i] for i in sorted(KITCHEN)]
    kitchen_vector = profiler.item_vectors[kitchen].mean(axis=0)
    assert slow.profile_user("cook").vector @ kitchen_vector > profile.vector @ kitchen_vector


def test_interaction_kind_weights_count(profiler: InterestProfiler) -> None:
    index = profiler.dataset.item_index
    items = np.array([index["kit2"], index["run1"]])
    same_time = np.zeros(2)
    bought_blender = profiler.profile_history(items, same_time, kinds=["purchase", "view"])
    bought_shoes = profiler.profile_history(items, same_time, kinds=["view", "purchase"])
    assert bought_blender.brands[0].name == "Whirl"
    assert bought_shoes.brands[0].name == "Stride"


def test_reviews_and_queries_shape_the_profile(profiler: InterestProfiler) -> None:
    everything = InterestProfiler(
        profiler.dataset,
        profiler.encoder,
        ProfileConfig(top_interests=100),
        vectors=profiler.item_vectors,
    )
    profile = everything.profile_user("camper")
    index = profiler.dataset.item_index
    items_only = everything.profile_history([index[i] for i in ("camp1", "camp2", "camp3", "run1")])
    terms = {interest.name for interest in profile.terms}
    # Words that only the camper's review and query contain.
    assert {"storm", "filter"} <= terms
    assert not {"storm", "filter"} & {interest.name for interest in items_only.terms}
    assert float(profile.vector @ items_only.vector) < 0.999
    nearest, _ = profiler.nearest_items(profile.vector, 2)
    assert _ids(profiler, nearest) <= CAMPING


def test_nothing_known_gives_an_empty_profile(profiler: InterestProfiler) -> None:
    assert profiler.profile_user("stranger").is_empty
    assert profiler.profile_from_text("   ").is_empty
    empty = profiler.profile_history(np.array([], dtype=np.int64))
    assert empty.is_empty and empty.categories == [] and empty.terms == []
