"""Learning to rank, shared by recommendations (`shopsense.ranking`) and search
(`shopsense.search`): one LightGBM LambdaMART wrapper over queries of candidate features."""

from shopsense.learning.lambdamart import LambdaMART, LambdaMARTConfig, RankingExamples

__all__ = ["LambdaMART", "LambdaMARTConfig", "RankingExamples"]
