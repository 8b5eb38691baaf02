"""How a server is configured: the bundle, the store, API keys, request limits, sponsored
placements and how recommendation lists are re-ranked."""

from __future__ import annotations

import json
import os
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from shopsense.data.postgres import is_database_url
from shopsense.placement.engine import PlacementConfig
from shopsense.ranking.rerank import RerankConfig
from shopsense.serving.live_batches import MAX_BATCH

#: Environment variable with the API keys: `key1:catalog,key2:admin`.
API_KEYS_ENV = "SHOPSENSE_API_KEYS"
#: Environment variable with the secret that signs shopper tokens (at least 16 bytes).
TOKEN_SECRET_ENV = "SHOPSENSE_TOKEN_SECRET"
#: Environment variable with the re-ranking settings: a `RerankConfig` as JSON (or a path to a
#: JSON file), e.g. `{"max_per_brand": 2, "rules": {"in_stock_only": true}}`.
RERANK_ENV = "SHOPSENSE_RERANK"


class Scope(StrEnum):
    """What a key may do. `catalog` keys may be public (in a storefront): search, items,
    similar items and anonymous recommendations, never a shopper's data; `admin` keys are the
    shop's backend: everything, for every shopper. `read` is the old name of `catalog`."""

    CATALOG = "catalog"
    ADMIN = "admin"

    @classmethod
    def _missing_(cls, value: object) -> Scope | None:
        return cls.CATALOG if value == "read" else None


class ServingConfig(BaseModel):
    """Everything `create_app` needs."""

    model_config = ConfigDict(extra="forbid")

    bundle: Path = Field(
        description="A bundle directory from `shopsense train`: the root (its `current` version "
        "is served and followed) or one version directory."
    )
    store: Path = Field(
        description="The DuckDB store that durably holds every shopper's events and profile; "
        "a new store is seeded with the bundle's training data."
    )
    shared_store: str | None = Field(
        None,
        pattern=r"^postgres(ql)?://",
        description="PostgreSQL URL of the store that several server processes (on one machine "
        "or many) share: events, profiles, reviews and conversations, with notices of erasures, "
        "new reviews and bundle swaps. None: `store`, one process's DuckDB file.",
    )
    api_keys: dict[str, Scope] = Field(
        min_length=1, description="API key -> scope; sent by clients in the X-API-Key header."
    )
    token_secret: SecretStr | None = Field(
        None,
        min_length=16,
        description="Secret that signs shopper tokens (`Authorization: Bearer ...`); without "
        "it no token is accepted and only admin keys reach shoppers' data.",
    )
    audit_log: Path | None = Field(
        None,
        description="JSON-lines file recording each erasure (when, which key, request id; "
        "never whom). None: `<store>.audit.jsonl` beside the store.",
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="Larger request bodies are refused with 413."
    )
    max_header_bytes: int = Field(
        16_384,
        ge=1024,
        description="Largest request head (request line and headers) `shopsense serve` reads; "
        "a larger one is refused with 400 before it is buffered.",
    )
    header_timeout_s: float = Field(
        10.0,
        gt=0,
        description="Seconds a client has to send a request's head once it connects (or once "
        "the head's first bytes arrive on a kept-alive connection); slower ones are closed.",
    )
    body_timeout_s: float = Field(
        10.0, gt=0, description="Seconds a client may pause while sending a body (then 408)."
    )
    keep_alive_s: int = Field(
        15,
        ge=1,
        description="Seconds an idle keep-alive connection stays open. Longer than clients' "
        "own idle expiry (5 s in httpx, for one), so the client closes first: a server that "
        "closes as a client reuses the connection loses that request.",
    )
    max_connections: int = Field(
        1000,
        ge=1,
        description="Open connections `shopsense serve` accepts; beyond them requests get 503.",
    )
    max_failed_auth: int = Field(
        20,
        ge=1,
        description="Failed key or token checks one client address may make per "
        "`failed_auth_window_s`; after that every request from it gets 429 until the window "
        "has passed (behind a proxy all clients share its address).",
    )
    failed_auth_window_s: float = Field(
        60.0, gt=0, description="The window of `max_failed_auth`, in seconds."
    )
    compute_threads: int = Field(
        1,
        ge=1,
        description="BLAS, OpenMP and torch threads per computation. One request is small: "
        "thread teams cost more than they save and make latency jumpy under concurrency.",
    )
    live_batch: int = Field(
        MAX_BATCH,
        ge=1,
        description="Most shoppers whose live lists are scored together in one batch: requests "
        "that arrive while every compute thread is busy wait for the next free one and are "
        "scored there at once (`shopsense.serving.live_batches`); 1 scores each alone.",
    )
    compute_workers: int = Field(
        2,
        ge=1,
        description="Threads that score recommendations and similar items off the event loop "
        "(one per core: their numerical kernels release the GIL).",
    )
    watch_seconds: float = Field(
        2.0,
        ge=0,
        description="How often the bundle root's `current` pointer is checked for a new version "
        "(0: only on SIGHUP).",
    )
    alert_webhook: str | None = Field(
        None,
        pattern=r"^https?://",
        description="URL that each review alert is POSTed to as JSON when it is raised (best "
        "effort; every alert is also logged and listed at /v1/insights/alerts).",
    )
    docs: bool = Field(
        False,
        description="Serve the interactive API docs at /docs (their page loads Swagger UI from "
        "a CDN, so it is off by default); /openapi.json is always served.",
    )
    placement_store: str | Path | None = Field(
        None,
        description="The sponsored campaigns and the impression log: a DuckDB file of its own, "
        "or a PostgreSQL URL (required with `shared_store`; may be the same database). None: "
        "placement is off; `sponsored=true` serves the organic list and the campaign routes "
        "answer 503.",
    )
    conversation_store: Path | None = Field(
        None,
        description="DuckDB file of the assistant's conversations (PII-masked, erasable with "
        "the shopper). None: the shared store where there is one, else "
        "`<store>.conversations.duckdb` beside the store.",
    )
    placement: PlacementConfig = Field(
        default_factory=PlacementConfig,
        description="Sponsored slots, the auction's relevance floor, pacing and exploration.",
    )
    rerank: RerankConfig = Field(
        default_factory=RerankConfig,
        description="How recommendation and similar-item lists are picked from the ranked pool: "
        "business rules, same-title de-duplication (on), a per-brand cap (off), MMR diversity "
        "(0) and exploration (0). Lists computed ahead under other settings are scored live.",
    )

    @model_validator(mode="after")
    def _one_process_files(self) -> ServingConfig:
        """Files that only one process may open cannot be combined with a shared store."""
        if self.shared_store is None:
            return self
        if self.conversation_store is not None:
            raise ValueError(
                "conversation_store is a DuckDB file, which one process alone may open: with "
                "shared_store the conversations are kept in the shared store"
            )
        if self.placement_store is not None and not is_database_url(self.placement_store):
            raise ValueError(
                "placement_store must be a PostgreSQL URL (the shared store's, say) when the "
                "store is shared: a DuckDB file is one process's"
            )
        return self


def parse_api_keys(text: str) -> dict[str, Scope]:
    """`key1:catalog,key2:admin` -> {key: scope} (`read` means `catalog`); a malformed entry
    is a `ValueError` naming it."""
    keys: dict[str, Scope] = {}
    for position, entry in enumerate(part.strip() for part in text.split(",")):
        if not entry:
            continue
        key, separator, scope = entry.rpartition(":")
        try:
            if not separator or not key:
                raise ValueError
            keys[key] = Scope(scope)
        except ValueError:
            raise ValueError(
                f"{API_KEYS_ENV} entry {position + 1} must be KEY:catalog or KEY:admin"
            ) from None
    return keys


def api_keys_from_env() -> dict[str, Scope]:
    """The keys in `$SHOPSENSE_API_KEYS` (empty if unset)."""
    return parse_api_keys(os.environ.get(API_KEYS_ENV, ""))


def token_secret_from_env() -> SecretStr | None:
    """The shopper-token secret in `$SHOPSENSE_TOKEN_SECRET` (None if unset)."""
    secret = os.environ.get(TOKEN_SECRET_ENV)
    return SecretStr(secret) if secret else None


def parse_rerank(text: str) -> RerankConfig:
    """A `RerankConfig` from JSON text or the path of a JSON file; anything else is a
    `ValueError` saying what is wrong."""
    source = text.strip()
    if source and not source.startswith("{"):
        try:
            source = Path(source).read_text()
        except OSError as error:
            raise ValueError(f"re-ranking settings: cannot read {text!r} ({error})") from None
    try:
        return RerankConfig.model_validate(json.loads(source or "{}"))
    except (json.JSONDecodeError, ValidationError) as error:
        raise ValueError(f"re-ranking settings are not a valid RerankConfig: {error}") from None


def rerank_from_env() -> RerankConfig:
    """The re-ranking settings in `$SHOPSENSE_RERANK` (the defaults if unset)."""
    return parse_rerank(os.environ.get(RERANK_ENV, ""))
