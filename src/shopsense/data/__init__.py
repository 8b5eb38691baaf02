"""Data layer: typed records, the `Dataset`, validation, the embedded store, loaders, splits."""

from shopsense.data.dataset import Dataset
from shopsense.data.errors import DataError, StorageError
from shopsense.data.records import Interaction, InteractionKind, Item, Query, Review, User

__all__ = [
    "DataError",
    "Dataset",
    "Interaction",
    "InteractionKind",
    "Item",
    "Query",
    "Review",
    "StorageError",
    "User",
]
