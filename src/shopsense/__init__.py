"""ShopSense: language-model-powered recommendations, search and answers for e-commerce.

The public face, one name per step of the usual job (each imported on first use, so
`import shopsense` stays fast and loads no model library):

Data
    load                 read a shop's data in any supported format (detected) as a `Dataset`
    Dataset              a shop's items, users, interactions, reviews and queries, validated
    generate_demo_shop   the synthetic demo shop (English or Chinese), deterministic from a seed
    leave_one_out        the leave-one-out split (last item test, second-last validation)
    temporal_split       the split at a point in time, where timestamps exist
Models
    create               a new, unfitted recommender by name (`"best"`, `"cooccurrence"`, ...)
    Retriever            the base class of every recommender: fit, recommend, save, load
    UserContext          what a recommender knows about one shopper at request time
Evaluation
    evaluate_retriever   full-ranking metrics of a fitted recommender on a split's cases
    evaluate_models      split, fit and evaluate named models into a JSON-ready report
Bundles and serving
    train_bundle         fit models on all of a shop's data and write a servable bundle
    Bundle               a trained bundle loaded from its directory
    Recommender          a bundle's models as one explained cascade (sources and reasons)
    UserEvent            one shopper event (item, kind, time), what `Recommender.history` reads
Search
    Searcher             hybrid product search (BM25 + dense, query understanding, learned fusion)
Reviews
    SentimentModel       sentiment per review, English and Chinese: fit, analyze, save, load
Placement
    PlacementEngine      sponsored slots, pacing, caps and exploration on a ranked list, logged
Subpackages
    testing              conformance checks for your own retriever (`check_retriever`)

`__version__` is the package version. Every subpackage (`shopsense.data`, `shopsense.search`,
...) is also reachable as an attribute after `import shopsense`.
"""

from __future__ import annotations

from importlib import import_module

from shopsense.architecture import LAYERS

# Not `typing.TYPE_CHECKING`: importing `typing` would double the cost of `import shopsense`.
# mypy and pyright read a block under a constant of this name as typing's (see PEP 781).
TYPE_CHECKING = False

__version__ = "0.1.0"

#: Public name -> the module that defines it (imported on first access).
_NAMES: dict[str, str] = {
    "load": "shopsense.data.loaders",
    "Dataset": "shopsense.data.dataset",
    "generate_demo_shop": "shopsense.data.demo",
    "leave_one_out": "shopsense.data.splits",
    "temporal_split": "shopsense.data.splits",
    "create": "shopsense.ranking.registry",
    "Retriever": "shopsense.retrieval.base",
    "UserContext": "shopsense.retrieval.base",
    "evaluate_retriever": "shopsense.evaluation.runner",
    "evaluate_models": "shopsense.evaluation.report",
    "train_bundle": "shopsense.bundle",
    "Bundle": "shopsense.bundle",
    "Recommender": "shopsense.ranking.cascade",
    "UserEvent": "shopsense.data.shoppers",
    "Searcher": "shopsense.search",
    "SentimentModel": "shopsense.reviews.sentiment",
    "PlacementEngine": "shopsense.placement.engine",
}
#: Subpackages reachable as attributes (`shopsense.testing`, `shopsense.search`): every layer.
_SUBMODULES = frozenset(name for names in LAYERS for name in names)

__all__ = [
    "load",
    "Dataset",
    "generate_demo_shop",
    "leave_one_out",
    "temporal_split",
    "create",
    "Retriever",
    "UserContext",
    "evaluate_retriever",
    "evaluate_models",
    "train_bundle",
    "Bundle",
    "Recommender",
    "UserEvent",
    "Searcher",
    "SentimentModel",
    "PlacementEngine",
    "testing",
]

if TYPE_CHECKING:
    from shopsense import testing
    from shopsense.bundle import Bundle, train_bundle
    from shopsense.data.dataset import Dataset
    from shopsense.data.demo import generate_demo_shop
    from shopsense.data.loaders import load
    from shopsense.data.shoppers import UserEvent
    from shopsense.data.splits import leave_one_out, temporal_split
    from shopsense.evaluation.report import evaluate_models
    from shopsense.evaluation.runner import evaluate_retriever
    from shopsense.placement.engine import PlacementEngine
    from shopsense.ranking.cascade import Recommender
    from shopsense.ranking.registry import create
    from shopsense.retrieval.base import Retriever, UserContext
    from shopsense.reviews.sentiment import SentimentModel
    from shopsense.search import Searcher


def __getattr__(name: str) -> object:
    """Import a public name or subpackage on first access (PEP 562) and keep it."""
    if name in _NAMES:
        value = getattr(import_module(_NAMES[name]), name)
    elif name in _SUBMODULES:
        try:
            value = import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name != f"{__name__}.{name}":
                raise
            raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
