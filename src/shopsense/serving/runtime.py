"""What a running server holds: the served bundle (swapped atomically), shopper state, the store.

A request reads `runtime.served` once and uses that object to the end, so swapping in a new
bundle (`reload`) never changes a model under a request in flight: old requests finish on the
old bundle, new ones start on the new one, and none fails.
"""

from __future__ import annotations

import asyncio
import functools
import gc
import json
import logging
import os
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import duckdb
import polars as pl
import torch
from threadpoolctl import threadpool_limits

from shopsense.bundle import Bundle, erase_user, resolve
from shopsense.data.dataset import Dataset
from shopsense.data.errors import StorageError
from shopsense.data.records import Interaction
from shopsense.data.shop_store import ShopStore, open_store
from shopsense.data.shoppers import PROFILE_KEY, UserEvent, UserState
from shopsense.placement.engine import PlacementConfig, PlacementEngine
from shopsense.placement.store import PlacementStore
from shopsense.ranking.cascade import Recommender
from shopsense.ranking.precomputed import PRECOMPUTED_K
from shopsense.ranking.rerank import RerankConfig
from shopsense.retrieval.base import UserContext
from shopsense.retrieval.capabilities import find_text_reader
from shopsense.reviews.analysis import empty_analyzed
from shopsense.reviews.insights import ShopReviews
from shopsense.serving.alert_sink import AlertSink
from shopsense.serving.assistant_service import AssistantService
from shopsense.serving.limits import FailedAuthLimiter
from shopsense.serving.live_batches import MAX_BATCH, LiveBatches
from shopsense.serving.metrics import Metrics
from shopsense.serving.middleware import request_id
from shopsense.serving.refresh import Refresher
from shopsense.serving.settings import ServingConfig
from shopsense.serving.shared_state import Notice, NoticeKind, SharedState
from shopsense.serving.shop_lists import ShopLists
from shopsense.serving.writer import EventWriter
from shopsense.text.encoder import Encoder
from shopsense.text.profiles import InterestProfiler

#: Seconds after which the promotions' lift is read again (campaigns start and end).
PROMOTION_REFRESH_S = 60.0

log = logging.getLogger("shopsense.serving")
audit_log = logging.getLogger("shopsense.audit")
T = TypeVar("T")


class BundleLoadError(RuntimeError):
    """A bundle could not be loaded; the message names it and the problem."""

    def __init__(self, path: Path, error: Exception) -> None:
        super().__init__(f"cannot load bundle {path}: {type(error).__name__}: {error}")


class Served:
    """One loaded bundle and what requests need from it.

    Text work (encoding a shopper's sentence, building readable profiles) runs on the one
    `text` thread that every bundle shares: the encoder's on-disk cache may only be used from
    the thread that opened it, and encoding is CPU-bound anyway. Scoring runs on the `compute`
    threads, so the event loop keeps answering (and committing events) meanwhile, and NumPy,
    SciPy and LightGBM kernels, which release the GIL, run on both cores at once
    (`compute_lanes` of them); live lists of shoppers that wait for one are scored together
    (`live`, at most `live_batch` a batch; `observe_batch` is told each batch's size).
    """

    def __init__(
        self,
        bundle: Bundle,
        text: ThreadPoolExecutor,
        compute: ThreadPoolExecutor,
        compute_lanes: int,
        rerank: RerankConfig | None = None,
        live_batch: int = MAX_BATCH,
        observe_batch: Callable[[int], None] | None = None,
    ) -> None:
        self.bundle = bundle
        ahead = bundle.precomputed
        self.recommender = Recommender(
            bundle.models,
            bundle.items,
            ahead.read() if ahead is not None else None,
            ahead.k if ahead is not None else PRECOMPUTED_K,
            rerank=rerank,
            language=bundle.catalogue.language,
        )
        self.content = find_text_reader(list(bundle.models.values()))
        self._text = text
        self._compute = compute
        self.live = LiveBatches(
            self.recommender,
            self.in_compute_thread,
            compute_lanes,
            max_batch=live_batch,
            observe=observe_batch,
        )
        """Live lists of shoppers with a history, batched while the compute threads are busy."""
        self._profiler: InterestProfiler | None = None
        self._profiler_ready = asyncio.Lock()

    async def in_text_thread(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`work(*args, **kwargs)` on the text thread."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._text, functools.partial(work, *args, **kwargs))

    async def in_compute_thread(self, work: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """`work(*args, **kwargs)` on a compute thread (scoring that needs no text encoder)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._compute, functools.partial(work, *args, **kwargs))

    def shopper_context(self, events: Sequence[UserEvent]) -> UserContext | None:
        """A shopper's events on this catalogue as what personalises a search (None: none)."""
        history = self.recommender.history(events)
        if not len(history):
            return None
        return UserContext(history=history.items, timestamps=history.timestamps)

    async def warm_up(self) -> None:
        """Load the text encoder and the search models now, not on the first request."""
        if self.content is not None:
            await self.in_text_thread(self.content.user_vectors, [UserContext(text="warm up")])
        searcher = self.bundle.searcher
        if searcher is not None and self.recommender.n_items:
            shopper = UserContext.of([0])
            await self.in_text_thread(searcher.search, "warm up", shopper, 1)

    async def profiler(self) -> InterestProfiler:
        """Readable interests over this catalogue, built on first use (reusing the content
        model's item vectors where the bundle has one)."""
        async with self._profiler_ready:
            if self._profiler is None:
                self._profiler = await self.in_text_thread(self._build_profiler)
        return self._profiler

    def _build_profiler(self) -> InterestProfiler:
        catalogue = Dataset(items=self.bundle.items)
        if self.content is not None:
            # It encodes only shoppers' own words here: keep none of them in the on-disk cache.
            encoder = Encoder(self.content.text_encoder.model_copy(update={"cache": False}))
            return InterestProfiler(
                catalogue,
                encoder,
                recipe=self.content.text_recipe,
                vectors=self.content.item_vectors,
            )
        return InterestProfiler(catalogue, Encoder(languages=catalogue.languages))


class Runtime:
    """The server's state between startup and shutdown."""

    def __init__(self, config: ServingConfig, metrics: Metrics) -> None:
        self.config = config
        self.metrics = metrics
        self.users = UserState()
        self._served: Served | None = None
        self._reviews: ShopReviews | None = None
        self.alert_sink = AlertSink(config.alert_webhook)
        self._writer: EventWriter | None = None
        #: Sponsored placements (None: off, no placement store configured).
        self.placement: PlacementEngine | None = None
        self._promoted_at = -float("inf")
        self._assistant: AssistantService | None = None
        #: What the server processes of a shop share (None: this is the only process).
        self.shared: SharedState | None = None
        self._reloading = asyncio.Lock()
        self.failed_auth = FailedAuthLimiter(config.max_failed_auth, config.failed_auth_window_s)
        #: Trending products and new arrivals, reused for a minute.
        self.shop_lists = ShopLists()
        self.refresher = Refresher(lambda: self.served, lambda: self.users)
        metrics.refresh_pending.set_function(lambda: self.refresher.pending)
        self._text = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shopsense-text")
        # Placement reads and writes its store and keeps budgets and frequency counts in
        # memory: one thread, off the event loop, so its steps never interleave.
        self._placing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="shopsense-placement")
        self._compute = ThreadPoolExecutor(
            max_workers=config.compute_workers,
            thread_name_prefix="shopsense-compute",
            # OpenMP limits hold per thread: each compute thread sets its own.
            initializer=limit_threads,
            initargs=(config.compute_threads,),
        )

    @property
    def served(self) -> Served:
        if self._served is None:
            raise RuntimeError("the server has not started")
        return self._served

    @property
    def reviews(self) -> ShopReviews:
        """Every stored review with its reading, the product summaries, trends and alerts."""
        if self._reviews is None:
            raise RuntimeError("the server has not started")
        return self._reviews

    @property
    def assistant(self) -> AssistantService:
        """The customer-service assistant and its conversations."""
        if self._assistant is None:
            raise RuntimeError("the server has not started")
        return self._assistant

    @property
    def writer(self) -> EventWriter:
        if self._writer is None:
            raise RuntimeError("the server has not started")
        return self._writer

    # ---- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        """Load the bundle, open the store (seeding a new one) and load every shopper."""
        served = await self._load(self.config.bundle)
        shared = self.config.shared_store
        store = await asyncio.to_thread(open_store, shared or self.config.store)
        self._writer = EventWriter(store, self._apply)
        dataset = await self.writer.run(lambda store: _prepare(store, served.bundle))
        self.users = UserState.from_frames(dataset.interactions, dataset.users)
        self._reviews = await served.in_text_thread(_shop_reviews, served.bundle, dataset.reviews)
        self._serve(served)
        conversations = (
            self.config.conversation_store
            or shared
            or self.config.store.with_name(self.config.store.name + ".conversations.duckdb")
        )
        self._assistant = await asyncio.to_thread(AssistantService, conversations)
        if shared is not None:
            self.shared = SharedState(shared, self._on_notice)
            await self.shared.open()
        if self.config.placement_store is not None:
            self.placement = await asyncio.to_thread(
                _placement,
                self.config.placement_store,
                self.config.placement,
                served.bundle,
                shared is not None,
            )
            self.promote()
        self.metrics.shoppers.set(len(self.users.events))
        log.info(
            "serving bundle %s: %d items, %d shoppers with events",
            served.bundle.version,
            served.recommender.n_items,
            len(self.users.events),
        )

    async def stop(self) -> None:
        await self.refresher.stop()
        if self.shared is not None:
            await self.shared.close()
            self.shared = None
        await self.alert_sink.close()
        if self._writer is not None:
            await asyncio.to_thread(self._writer.close)
            self._writer = None
        if self.placement is not None:
            self.placement.store.close()
            self.placement = None
        if self._assistant is not None:
            self._assistant.close()
            self._assistant = None
        self._text.shutdown(wait=False)
        self._compute.shutdown(wait=False)
        self._placing.shutdown(wait=False)

    async def _load(self, path: Path) -> Served:
        try:
            served = await asyncio.to_thread(
                lambda: Served(
                    Bundle.load(path),
                    self._text,
                    self._compute,
                    self.config.compute_workers,
                    self.config.rerank,
                    self.config.live_batch,
                    self.metrics.live_batch.observe,
                )
            )
            await served.warm_up()
        except Exception as error:
            raise BundleLoadError(path, error) from error
        # Again after every load: the limits reach only the libraries loaded so far, and
        # OpenMP's apply per thread (requests compute on the loop and on the text thread).
        threads = self.config.compute_threads
        limit_threads(threads)
        await served.in_text_thread(limit_threads, threads)
        return served

    async def reload(self) -> bool:
        """Swap in the bundle the configured path now points at; False if it is the same."""
        async with self._reloading:
            try:
                directory = await asyncio.to_thread(resolve, self.config.bundle)
            except Exception as error:
                raise BundleLoadError(self.config.bundle, error) from error
            if directory == self.served.bundle.path:
                return False
            served = await self._load(directory)
            # Events on products new in this catalogue must be accepted by the store.
            await self.writer.run(lambda store: store.ingest({"items": served.bundle.items}))
            stored = await self.writer.run(lambda store: store.table("reviews"))
            reviews = await served.in_text_thread(_shop_reviews, served.bundle, stored)
            self._serve(served)
            self._reviews = reviews
            self.metrics.swaps.inc()
            log.info("swapped in bundle %s", served.bundle.version)
        if self.shared is not None:
            await self.shared.notify(Notice(NoticeKind.SWAPPED))
        return True

    def _serve(self, served: Served) -> None:
        self._served = served
        self.promote()
        self.metrics.serve_bundle(served.bundle.version)
        _freeze_heap()

    def promote(self, *, stale_only: bool = False) -> None:
        """Blend the running untargeted promotions' lift into the served lists
        (`RerankConfig.promotion`); with `stale_only`, only if it was read more than
        `PROMOTION_REFRESH_S` ago (campaigns start and end). Nothing without placement."""
        now = time.monotonic()
        if self.placement is None or (stale_only and now - self._promoted_at < PROMOTION_REFRESH_S):
            return
        recommender = self.served.recommender
        recommender.promote(self.placement.promotion_values(recommender.item_ids))
        self._promoted_at = now

    async def _on_notice(self, notice: Notice) -> None:
        """Act on what another server process of the shop did."""
        if notice.kind is NoticeKind.ERASED and notice.user is not None:
            self._forget(notice.user)
        if notice.kind in (NoticeKind.REVIEWS, NoticeKind.RECONNECTED):
            stored = await self.writer.run(lambda store: store.table("reviews"))
            await self.served.in_text_thread(self.reviews.catch_up, stored)
        placement = self.placement
        if placement is not None and notice.kind in (NoticeKind.CAMPAIGNS, NoticeKind.RECONNECTED):
            await self.placing(placement.refresh)
            self.promote()
        if notice.kind in (NoticeKind.SWAPPED, NoticeKind.RECONNECTED):
            await self.reload()

    async def placing(self, work: Callable[..., T], *args: Any) -> T:
        """`work(*args)` on the placement thread (sponsored slots, outcomes, campaigns)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._placing, functools.partial(work, *args))

    async def campaigns_changed(self) -> None:
        """Campaigns were saved or erased here: lift the promotions now and tell the other
        processes."""
        self.promote()
        if self.shared is not None:
            await self.shared.notify(Notice(NoticeKind.CAMPAIGNS))

    # ---- shoppers ------------------------------------------------------------------------
    async def refresh_shopper(self, user: str) -> None:
        """Bring this process's view of `user` up to what the shared store holds now (events
        another process accepted; an erasure it made). Nothing to do in a single process."""
        if self.shared is None:
            return
        stored = await self.shared.shopper(user)
        if not stored.known:
            if self.users.knows(user):
                self._forget(user)
            return
        held = self.users.history(user)
        same = [(e.item, e.kind) for e in held] == [(e.item, e.kind) for e in stored.events]
        if not same or self.users.texts.get(user) != stored.text:
            self.users.replace(user, stored.events, stored.text)
            # The list computed ahead no longer matches: scored again in the background.
            self.refresher.touch([user])

    def _apply(self, events: list[Interaction]) -> None:
        """Committed events become part of their shoppers' state (on the event loop)."""
        for event in events:
            moment = event.timestamp.timestamp() if event.timestamp else float("nan")
            self.users.add(event.user_id, [UserEvent(event.item_id, str(event.kind), moment)])
        self.refresher.touch(dict.fromkeys(event.user_id for event in events))
        self.metrics.events.inc(len(events))
        self.metrics.shoppers.set(len(self.users.events))

    async def describe(self, user: str, text: str) -> None:
        """Store a shopper's profile sentence durably, then use it."""
        frame = pl.DataFrame({"user_id": [user], "attributes": [_attributes(text)]})
        await self.writer.run(lambda store: store.ingest({"users": frame}, source="profile"))
        self.users.describe(user, text)

    async def add_reviews(self, reviews: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
        """Store reviews (`shopsense.data.schema.REVIEWS` columns, texts already PII-masked)
        durably, read them, and count them in their products' summaries and trends at once.
        Returns their analysed rows and the ids of the alerts they raised (logged and posted
        to the webhook)."""
        await self.writer.run(lambda store: store.ingest({"reviews": reviews}, source="api"))
        shop = self.reviews
        analyzed = await self.served.in_text_thread(shop.read, reviews)
        alerts = shop.add(analyzed)
        self.alert_sink.send(alerts)
        if self.shared is not None:
            await self.shared.notify(Notice(NoticeKind.REVIEWS))
        return analyzed, [alert.id for alert in alerts]

    async def erase(self, user: str, by: str) -> int:
        """Erase a shopper, all or nothing, and record in the audit log that it happened (when,
        `by` which key; not whom). Returns the rows removed.

        On the store's thread, one step at a time: every bundle version's tables are rewritten
        without the shopper beside the old files; the store deletes their rows; the new bundle
        files are renamed into place; the store file is rewritten (`Store.compact`) so that no
        deleted bytes remain in it or its write-ahead log. Only then is the live state
        forgotten (the models and the search index keep no per-shopper state; the lists
        computed ahead go from the recommender). A failure before the store's delete leaves
        everything as it was; any failure raises `StorageError` (503) with the shopper still
        served, and a retry completes the erasure. The shopper's impressions, outcomes and
        frequency counts in the placement store go first, then their assistant conversations."""
        root = self.served.bundle.path.parent
        placed = 0
        if self.placement is not None:
            try:
                placed = sum((await self.placing(self.placement.erase_shopper, user)).values())
            except duckdb.Error as error:
                raise StorageError(f"placement erasure failed: {error}") from error
        try:
            placed += await self.assistant.erase(user)
        except duckdb.Error as error:
            raise StorageError(f"conversation erasure failed: {error}") from error

        def erase_everywhere(store: ShopStore) -> int:
            deleted: dict[str, int] = {}
            try:
                rows = erase_user(root, user, lambda: deleted.update(store.delete_user(user)))
            except OSError as error:
                raise StorageError(f"bundle erasure failed: {error}", source=str(root)) from error
            store.compact()
            return rows + sum(deleted.values())

        rows = await self.writer.run(erase_everywhere) + placed
        self._forget(user)
        self.metrics.erasures.inc()
        if self.shared is not None:
            await self.shared.notify(Notice(NoticeKind.ERASED, user))
        await asyncio.to_thread(self.audit, "erase_shopper", by, rows=rows)
        return rows

    def _forget(self, user: str) -> None:
        """Drop everything this process holds about a shopper (live state, their reviews'
        readings, their list computed ahead)."""
        self.users.forget(user)
        self.reviews.forget_user(user)
        self.served.recommender.forget(user)
        self.refresher.forget(user)
        self.metrics.shoppers.set(len(self.users.events))

    def audit(self, action: str, by: str, **details: int) -> None:
        """Append one record to the audit log (flushed to disk: call it off the event loop)
        and log it: when, the action, by which key, the request id and `details`."""
        path = self.config.audit_log or self.config.store.with_name(
            self.config.store.name + ".audit.jsonl"
        )
        record = {
            "at": datetime.now(UTC).isoformat(),
            "action": action,
            "by": by,
            "request_id": request_id.get(),
            **details,
        }
        line = json.dumps(record)
        with open(path, "a") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        audit_log.info(line)


def _freeze_heap() -> None:
    """Keep what was loaded (models, shoppers' histories, precomputed lists: millions of
    objects) out of the garbage collector's full passes, which otherwise stall every request
    in flight for tens of milliseconds now and then. Objects of a bundle swapped out are
    collected first."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


def limit_threads(threads: int) -> None:
    """Cap the BLAS, OpenMP and torch thread teams of the calling thread's computations."""
    threadpool_limits(threads)
    # torch keeps its own intra-op pool (every scoring ranks with it: `retrieval.base.top_k`).
    torch.set_num_threads(threads)


def _placement(
    location: str | Path, config: PlacementConfig, bundle: Bundle, shared: bool
) -> PlacementEngine:
    """The placement engine over the configured store (a DuckDB file, or a PostgreSQL URL
    `shared` with other processes); brand campaigns cover the brands' items of the served
    catalogue."""
    items = bundle.items
    brands = (
        {
            item: brand
            for item, brand in zip(items["item_id"], items["brand"], strict=True)
            if brand is not None
        }
        if "brand" in items.columns
        else {}
    )
    return PlacementEngine(PlacementStore(location), config=config, brands=brands, shared=shared)


def _prepare(store: ShopStore, bundle: Bundle) -> Dataset:
    """Seed an empty store with the bundle's data, make sure it holds the served catalogue, and
    return everything stored."""
    store.seed(bundle.dataset(), source=f"bundle {bundle.version}")
    return store.load()


def _shop_reviews(bundle: Bundle, stored: pl.DataFrame) -> ShopReviews:
    """The bundle's analysed reviews plus the stored ones it has not read (reviews posted
    since it was trained), read now with its analyzer."""
    language = bundle.catalogue.language or "en"
    read = bundle.reviews
    if read is None:
        shop = ShopReviews(empty_analyzed(), bundle.items, None, language)
    else:
        shop = read.shop_reviews(bundle.items, language)
    shop.catch_up(stored)
    return shop


def _attributes(text: str) -> str:
    return json.dumps({PROFILE_KEY: text})
