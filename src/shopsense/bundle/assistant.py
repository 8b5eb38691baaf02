"""The assistant artifact: the shop's policy passages and the evidence ranker the assistant
answers with.

Policies come from the folder training is given (`BuildContext.policies`), else, for the demo
shop, its own policies in its language; a shop without any gets none, and the assistant hands
policy questions to a person. The ranker is the one `shopsense assistant train` wrote
(`BuildContext.assistant_model`), else the packaged one. Files: `policies.jsonl` (one passage
per line: source, id, text, topic) and `ranker/` (as `EvidenceRanker.save` writes it). Nothing
in it is about a shopper.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from shopsense.bundle.artifact import Artifact, BuildContext, Saved
from shopsense.data.dataset import Dataset

if TYPE_CHECKING:
    from shopsense.assistant.evidence import Evidence
    from shopsense.assistant.evidence_ranker import EvidenceRanker

POLICIES_FILE = "policies.jsonl"
RANKER_DIR = "ranker"


@dataclass(frozen=True)
class AssistantParts:
    """What the artifact holds."""

    policies: list[Evidence]
    ranker: EvidenceRanker


class AssistantArtifact(Artifact):
    name = "assistant"
    version = 1

    def build(self, dataset: Dataset, context: BuildContext) -> AssistantParts:
        from shopsense.assistant.evidence_ranker import EvidenceRanker, packaged_ranker
        from shopsense.assistant.policies import demo_policies, load_policies

        if context.policies is not None:
            policies = load_policies(context.policies)
        elif dataset.synthetic:
            policies = demo_policies(dataset.language or "en")
        else:
            policies = []
        model = context.assistant_model
        ranker = EvidenceRanker.load(model) if model is not None else packaged_ranker()
        context.step(
            f"assistant: {len(policies)} policy passages, "
            f"ranker {model if model is not None else '(packaged)'}"
        )
        return AssistantParts(policies, ranker)

    def save(self, built: AssistantParts, directory: Path) -> Saved:
        with (directory / POLICIES_FILE).open("w", encoding="utf-8") as handle:
            for passage in built.policies:
                line = [passage.source.value, passage.id, passage.text, passage.topic]
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        built.ranker.save(directory / RANKER_DIR)
        return {
            "config": {"signals": built.ranker.signals},
            "metrics": {
                "policy_passages": len(built.policies),
                "decline_below": built.ranker.decline_below,
            },
        }

    def load(self, directory: Path, entry: Mapping[str, Any]) -> AssistantParts:
        from shopsense.assistant.evidence import Evidence, EvidenceSource
        from shopsense.assistant.evidence_ranker import EvidenceRanker

        with (directory / POLICIES_FILE).open(encoding="utf-8") as handle:
            policies = [
                Evidence(EvidenceSource(source), passage_id, text, topic)
                for source, passage_id, text, topic in map(json.loads, handle)
            ]
        return AssistantParts(policies, EvidenceRanker.load(directory / RANKER_DIR))
