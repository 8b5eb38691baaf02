"""Candidate generators behind one protocol (`Retriever`)."""

from shopsense.retrieval.base import Retriever, RetrieverConfig, UserContext, top_k

__all__ = ["Retriever", "RetrieverConfig", "UserContext", "top_k"]
