"""Product search: hybrid BM25 + dense retrieval, query understanding, the search log, learned
fusion and personalisation over one catalogue. Start with `Searcher`."""

from shopsense.search.index import CatalogueIndex, Filters, IndexConfig
from shopsense.search.learned_fusion import LearnedFusion, LearnedFusionConfig
from shopsense.search.personalize import PersonalizationConfig
from shopsense.search.query_understanding import (
    Constraint,
    ParsedQuery,
    ParserConfig,
    QueryParser,
)
from shopsense.search.search_log import SearchLog
from shopsense.search.searcher import (
    SearchConfig,
    Searcher,
    SearchHit,
    SearchLogConfig,
    SearchResults,
    clicked_searches,
)

__all__ = [
    "CatalogueIndex",
    "Constraint",
    "Filters",
    "IndexConfig",
    "LearnedFusion",
    "LearnedFusionConfig",
    "ParsedQuery",
    "ParserConfig",
    "PersonalizationConfig",
    "QueryParser",
    "SearchConfig",
    "SearchHit",
    "SearchLog",
    "SearchLogConfig",
    "SearchResults",
    "Searcher",
    "clicked_searches",
]
