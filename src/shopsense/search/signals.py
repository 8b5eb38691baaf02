"""What matched for one search hit, typed, and how it reads to a shopper.

Every hit carries a `SearchSignals`: the lexical and dense ranks and scores, the understood
constraints the product meets, the spelling corrections found in it, its choices in similar
past searches, the shopper's affinity, its reviews and the query's words they praise. The REST
API and the CLI read these fields, never re-parse them: `sources()` names the retrievers behind
the hit and `reason()` says it in words.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

#: The words of a reason, per language (a language not listed reads English).
_REASONS: dict[str, dict[str, str]] = {
    "en": {
        "lexical": "matches the words of your search",
        "dense": "close in meaning to your search",
        "list": ", ",
        "bracket": " ({})",
        "personal": ", and fits your interests",
        "praised": "; reviews praise: {}",
    },
    "zh": {
        "lexical": "与您搜索的词相符",
        "dense": "与您搜索的意思相近",
        "list": "，",
        "bracket": "（{}）",
        "personal": "，并符合您的兴趣",
        "praised": "；评价称赞：{}",
    },
}
#: How a met constraint reads, per language and kind (any other: "{kind} {value}").
_CONSTRAINTS: dict[str, dict[str, str]] = {
    "zh": {
        "price": "价格{value}元",
        "brand": "品牌{value}",
        "category": "类目{value}",
        "colour": "颜色{value}",
        "material": "材质{value}",
        "size": "尺码{value}",
    }
}


class SearchSignals(BaseModel):
    """The signals of one search hit (None: the signal is absent for this product)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    lexical_rank: int | None = Field(None, ge=1, description="1-based BM25 rank, if proposed.")
    lexical_score: float | None = Field(None, description="BM25 score, if proposed by BM25.")
    dense_rank: int | None = Field(None, ge=1, description="1-based dense rank, if proposed.")
    dense_cosine: float = Field(description="Cosine of the query and product vectors.")
    constraints: dict[str, str] = Field(
        default_factory=dict,
        description="Understood constraints the product meets, by kind (colour, brand, price...).",
    )
    spelling: list[str] = Field(
        default_factory=list, description="Corrections found in the product: 'typed->right'."
    )
    chosen_in_past_searches: int | None = Field(
        None, ge=1, description="How often shoppers chose it in past searches, where they did."
    )
    closest_past_search_cosine: float | None = Field(
        None, description="Cosine of the closest past search that chose it."
    )
    personal_affinity: float | None = Field(
        None, description="The shopper's interest in it, where the search was personalised."
    )
    reviews: int | None = Field(None, ge=0, description="Its reviews, where reviews are known.")
    rating: float | None = Field(None, description="Its mean star rating, where it has one.")
    praised_in_reviews: list[str] = Field(
        default_factory=list,
        description="Aspects its reviews praise that the query asks for ('quiet', '安静').",
    )

    def sources(self) -> list[str]:
        """The retrievers behind the hit: 'lexical', 'dense' (always one), 'personal', and
        'reviews' where its reviews praise what the query asks for."""
        found = [
            name
            for name, rank in (("lexical", self.lexical_rank), ("dense", self.dense_rank))
            if rank is not None
        ]
        if self.personal_affinity is not None and self.personal_affinity > 0:
            found.append("personal")
        found = found or ["dense"]
        if self.praised_in_reviews:
            found.append("reviews")
        return found

    def reason(self, language: str = "en") -> str:
        """Why the product was found, for the shopper, in the shop's `language`."""
        words = _REASONS.get(language, _REASONS["en"])
        forms = _CONSTRAINTS.get(language, {})
        reason = words["lexical" if self.lexical_rank is not None else "dense"]
        if self.constraints:
            met = [
                forms.get(kind, "{kind} {value}").format(kind=kind, value=value)
                for kind, value in self.constraints.items()
            ]
            reason += words["bracket"].format(words["list"].join(met))
        if self.personal_affinity is not None and self.personal_affinity > 0:
            reason += words["personal"]
        if self.praised_in_reviews:
            reason += words["praised"].format(words["list"].join(self.praised_in_reviews))
        return reason

    def flat(self) -> dict[str, int | float | str]:
        """The signals present, one name each (constraints by their kind), for a table."""
        out: dict[str, int | float | str] = {
            name: value
            for name, value in self.model_dump(
                exclude={"constraints", "spelling", "praised_in_reviews"}
            ).items()
            if value is not None
        }
        out.update(self.constraints)
        if self.spelling:
            out["spelling"] = ", ".join(self.spelling)
        if self.praised_in_reviews:
            out["praised_in_reviews"] = ", ".join(self.praised_in_reviews)
        return out
