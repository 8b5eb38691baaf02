"""New users from one sentence: how well a model ranks a user's next item when all it knows is
a short description of the user's interests.

Public datasets hold no sentences written by shoppers, so the sentence is synthetic: it names
the most frequent leaf categories of the user's *training* items ("I'm looking for ballpoint
pens, binders and copy paper."), most recent first among ties. Nothing of the validation or
test item goes into it. It stands in for what a new shopper would type: cleaner than real text
(it uses the catalogue's own category words) but coarser (no brands, no specific products).
Every model gets the same contexts (the sentence, no history), so a model that cannot read text
falls back to its answer for an anonymous visitor.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

import numpy as np

from shopsense.data.splits import EvalCases, Split
from shopsense.evaluation.metrics import DEFAULT_KS
from shopsense.evaluation.runner import evaluate_retriever
from shopsense.execution import Engine
from shopsense.retrieval.base import Retriever, UserContext

SENTENCE = "I'm looking for {}."
#: How reports describe this protocol.
NEW_USERS_DESCRIPTION = (
    "each test user known only by a synthetic sentence naming the most frequent leaf "
    "categories of their training items (no history read); full ranking, history excluded"
)


def interest_sentence(paths: Sequence[Sequence[str]], n_categories: int = 3) -> str:
    """'I'm looking for a, b and c.' from the most frequent leaf categories of the category
    `paths` (oldest first; the most recent wins ties); '' when no path has a category."""
    leaves = Counter(path[-1] for path in reversed(paths) if len(path))
    named = [category.lower() for category, _ in leaves.most_common(n_categories)]
    if not named:
        return ""
    listed = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
    return SENTENCE.format(listed)


def new_user_contexts(split: Split, cases: EvalCases, n_categories: int = 3) -> list[UserContext]:
    """One text-only context per case, described from the user's training items."""
    paths = split.train.items["categories"].to_list()
    sequences = split.train.sequences
    return [
        UserContext(
            text=interest_sentence([paths[item] for item in sequences[user]], n_categories) or None
        )
        for user in cases.users
    ]


def evaluate_new_users(
    retrievers: Mapping[str, Retriever],
    split: Split,
    n_categories: int = 3,
    exclude_history: bool = True,
    ks: Sequence[int] = DEFAULT_KS,
    engine: Engine | None = None,
) -> dict[str, object]:
    """Metrics per fitted retriever on the test cases, each user known only by a sentence.

    `exclude_history` keeps the standard protocol (the user's earlier items are not ranked);
    without it nothing is excluded, as for a shopper whose past the shop has never seen.
    """
    cases = split.test
    contexts = new_user_contexts(split, cases, n_categories)
    if not exclude_history:
        nothing = [np.empty(0, dtype=np.int64)] * len(cases)
        cases = EvalCases(cases.users, nothing, cases.targets)
    return {
        "cases": len(cases),
        "cases_without_sentence": sum(context.text is None for context in contexts),
        "example_sentences": [c.text for c in contexts[:3]],
        "history_excluded": exclude_history,
        "models": {
            name: evaluate_retriever(
                retriever, cases, split.train, ks, contexts=contexts, engine=engine
            )
            for name, retriever in retrievers.items()
        },
    }
