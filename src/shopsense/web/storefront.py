"""The storefront: a shopper's pages, rendered on the server from the REST API's route functions.

`/` (recommended for you, trending, new arrivals), `/search` (the query as search read it,
facets), `/items/{id}` (details, similar items, the review summary, the assistant), `/cart`
(cart and purchase events), `/help` (the customer-service assistant), `/privacy` (the
shopper's profile and erasure) and `/login?token=` (a token from the shop's backend). Every
page acts for the browser's shopper (`shopsense.web.sessions`): a visitor's cart, views and
purchases are stored as that shopper's events, so the next page already reflects them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from shopsense.reviews.signals import ReviewFloor
from shopsense.serving.assistant_schemas import MessageIn
from shopsense.serving.deps import Caller
from shopsense.serving.placement_schemas import OutcomeIn
from shopsense.serving.routers import assistant, events, impressions, items, lists, reviews, users
from shopsense.serving.routers import recommendations as lists_for_shoppers
from shopsense.serving.routers import search as search_route
from shopsense.serving.runtime import Runtime
from shopsense.serving.schemas import (
    MAX_TEXT_LENGTH,
    EventIn,
    ItemOut,
    RecommendationList,
    SearchList,
)
from shopsense.web.facets import facet_pool
from shopsense.web.pages import Site, runtime_of, site_of
from shopsense.web.sessions import (
    CART_COOKIE,
    SHOPPER_COOKIE,
    cart_of,
    forget,
    keep_cart,
    new_visitor,
)

log = logging.getLogger(__name__)
router = APIRouter(include_in_schema=False)
#: Products per home-page list, per search page, and similar items on a product page.
LIST_SIZE = 12
SEARCH_POOL = 100
PAGE_SIZE = 24
SIMILAR = 8


class Visit:
    """One page request of a shopper: who they are and how to answer them."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.site: Site = site_of(request)
        self.runtime: Runtime = runtime_of(request)
        known = self.site.sessions.shopper(request)
        self.shopper = known or new_visitor()
        self.caller = Caller(scope=None, shopper=self.shopper)
        self.cart = cart_of(request)

    def page(self, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """The rendered page, renewing the shopper's cookie."""
        response = self.site.render(
            self.request,
            template,
            status_code,
            shopper=self.shopper,
            cart_size=len(self.cart),
            **context,
        )
        self.site.sessions.remember_shopper(self.request, response, self.shopper)
        return response

    def redirect(self, to: str) -> RedirectResponse:
        """A 303 to `to` (a path of this site), renewing the shopper's cookie."""
        response = RedirectResponse(to, status_code=status.HTTP_303_SEE_OTHER)
        self.site.sessions.remember_shopper(self.request, response, self.shopper)
        return response

    async def record(self, item: str, kind: str) -> None:
        """Store one event of the shopper (as `POST /v1/events` does)."""
        event = EventIn(user=self.shopper, item=item, kind=kind)
        await events.add_events(event, self.runtime, self.caller)

    async def products(self, item_ids: Iterable[str]) -> dict[str, ItemOut]:
        """The catalogue's records of the products (as `GET /v1/items/{id}`; unknown ones
        left out)."""
        found: dict[str, ItemOut] = {}
        for item_id in dict.fromkeys(item_ids):
            try:
                found[item_id] = await items.get_item(item_id, self.runtime)
            except HTTPException:
                continue
        return found

    async def cards(
        self, found: RecommendationList, known: Mapping[str, ItemOut] | None = None
    ) -> list[dict[str, Any]]:
        """The products of a list as cards: title, price, reason and signals, the sponsored
        label, and a link that reports a click on a logged (sponsored) list (`known`: records
        already read, not read again)."""
        products = dict(known or {})
        products.update(
            await self.products(pick.item for pick in found.items if pick.item not in products)
        )
        cards = []
        for pick in found.items:
            product = products.get(pick.item)
            href = f"/items/{quote(pick.item)}"
            if found.impression is not None:
                href += f"?impression={found.impression}"
            cards.append(
                {
                    "item": pick.item,
                    "title": pick.title,
                    "price": None if product is None else product.price,
                    "brand": None if product is None else product.brand,
                    "reason": pick.reason,
                    "sources": pick.sources,
                    "sponsored": pick.sponsored,
                    "href": href,
                }
            )
        return cards


@router.get("/")
async def home(request: Request) -> HTMLResponse:
    """Recommended for you (sponsored slots labelled), trending, new arrivals."""
    visit = Visit(request)
    runtime = visit.runtime
    for_you = await lists_for_shoppers.recommend(
        user_id=visit.shopper, runtime=runtime, floor=ReviewFloor(), k=LIST_SIZE, sponsored=True
    )
    trending = await lists.trending(runtime, k=LIST_SIZE)
    arrivals = await lists.new_arrivals(runtime, k=LIST_SIZE)
    return visit.page(
        "store/home.html",
        sections=[
            ("for-you", "for_you", await visit.cards(for_you)),
            ("trending", "trending", await visit.cards(trending)),
            ("new", "new_arrivals", await visit.cards(arrivals)),
        ],
    )


@router.get("/search")
async def search(
    request: Request,
    q: str = "",
    category: str = "",
    brand: str = "",
    price: str = "",
    rating: Annotated[float | None, Query(ge=1, le=5)] = None,
) -> HTMLResponse:
    """Search results with the query as search read it and facets (category, brand, price,
    rating); typos are corrected by search's query understanding."""
    visit = Visit(request)
    query = q.strip()[:MAX_TEXT_LENGTH]
    if not query:
        return visit.page("store/search.html", query="", found=None, facets=None, cards=[])
    chosen = {"category": category, "brand": brand, "price": price}
    try:
        # The facets are counted over a pool of results; the page without a facet chosen is
        # the sponsored list of one page (sponsored items may only take a page's slots).
        pool = await _search(visit, query, rating, SEARCH_POOL, sponsored=False)
        page = pool
        if not any(chosen.values()):
            page = await _search(visit, query, rating, PAGE_SIZE, sponsored=True)
    except HTTPException as error:
        return visit.page("store/message.html", error.status_code, message=error.detail)
    products = await visit.products(hit.item for hit in pool.items)
    facets = facet_pool(pool, products, chosen)
    listed = await visit.cards(page, products)
    cards = [card for card in listed if card["item"] in facets.kept][:PAGE_SIZE]
    return visit.page(
        "store/search.html", query=query, found=pool, facets=facets, cards=cards, rating=rating
    )


async def _search(
    visit: Visit, query: str, rating: float | None, k: int, *, sponsored: bool
) -> SearchList:
    """`GET /v1/search` for the visitor, personalised, within the rating floor."""
    return await search_route.search(
        runtime=visit.runtime,
        caller=visit.caller,
        floor=ReviewFloor(min_rating=rating),
        q=query,
        user=visit.shopper,
        k=k,
        sponsored=sponsored,
    )


@router.get("/items/{item_id:path}")
async def product(request: Request, item_id: str, impression: str | None = None) -> HTMLResponse:
    """A product: details, similar items, the review summary and the assistant. The visit is
    stored as a view; arriving from a logged list reports a click on it."""
    visit = Visit(request)
    runtime = visit.runtime
    try:
        details = await items.get_item(item_id, runtime)
    except HTTPException:
        return visit.page("store/message.html", 404, message_key="unknown_product")
    # The view is committed while similar items are scored (a store write and a compute
    # thread: they overlap).
    _, similar, summary = await asyncio.gather(
        visit.record(item_id, "view"),
        items.similar_items(item_id, runtime, k=SIMILAR),
        reviews.review_summary(item_id, runtime),
    )
    if impression and runtime.placement is not None:
        await _report_click(visit, impression, item_id)
    return visit.page(
        "store/product.html",
        product=details,
        similar=await visit.cards(similar),
        summary=summary,
        conversation=None,
        turns=[],
    )


async def _report_click(visit: Visit, impression: str, item_id: str) -> None:
    """Report a click on a logged list; a stale or foreign impression is only logged."""
    engine = visit.runtime.placement
    assert engine is not None
    try:
        await impressions.record_outcome(
            impression, OutcomeIn(item=item_id, kind="click"), engine, visit.caller, visit.runtime
        )
    except HTTPException as error:
        log.info("click not reported on impression: %s", error.detail)
    except Exception as error:  # noqa: BLE001 - a click report must not break the page
        log.warning("click not reported on impression: %s", type(error).__name__)


@router.post("/cart")
async def change_cart(
    request: Request,
    item: Annotated[str, Form(min_length=1, max_length=256)],
    action: Annotated[str, Form(pattern="^(add|remove)$")] = "add",
) -> Response:
    """Add a product to the cart (stored as a cart event) or remove one."""
    visit = Visit(request)
    if not await visit.products([item]):
        return visit.page("store/message.html", 404, message_key="unknown_product")
    cart = [entry for entry in visit.cart if entry != item]
    if action == "add":
        await visit.record(item, "cart")
        cart.append(item)
    response = visit.redirect("/cart")
    keep_cart(request, response, cart)
    return response


@router.get("/cart")
async def cart(request: Request) -> HTMLResponse:
    """The products in the cart."""
    visit = Visit(request)
    entries = list((await visit.products(visit.cart)).values())
    return visit.page("store/cart.html", entries=entries, bought=False)


@router.post("/cart/purchase")
async def purchase(request: Request) -> HTMLResponse:
    """Buy what is in the cart: one purchase event per product, then an empty cart."""
    visit = Visit(request)
    bought = list(visit.cart)
    if bought:
        batch = [EventIn(user=visit.shopper, item=item, kind="purchase") for item in bought]
        await events.add_events(batch, visit.runtime, visit.caller)
    entries = list((await visit.products(bought)).values())
    visit.cart = []
    response = visit.page("store/cart.html", entries=entries, bought=True)
    keep_cart(request, response, [])
    return response


@router.get("/help")
async def help_page(request: Request) -> HTMLResponse:
    """The customer-service assistant on a page of its own."""
    return Visit(request).page("store/help.html", conversation=None, turns=[], item=None)


@router.post("/assist")
async def assist(
    request: Request,
    text: Annotated[str, Form(min_length=1, max_length=MAX_TEXT_LENGTH)],
    conversation: Annotated[str | None, Form(max_length=256)] = None,
    item: Annotated[str | None, Form(max_length=256)] = None,
) -> HTMLResponse:
    """Ask the assistant: with htmx the exchange is appended to the chat panel; without
    JavaScript the help page shows it."""
    visit = Visit(request)
    message = MessageIn(
        text=text, conversation=conversation or None, user=visit.shopper, item=item or None
    )
    try:
        try:
            reply = await assistant.post_message(message, visit.runtime, visit.caller)
        except HTTPException as error:
            if error.status_code != status.HTTP_404_NOT_FOUND:
                raise
            # A conversation of a page left open across an erasure: start a new one.
            fresh = message.model_copy(update={"conversation": None})
            reply = await assistant.post_message(fresh, visit.runtime, visit.caller)
    except HTTPException as error:
        log.info("assistant unavailable to the storefront: %s", error.detail)
        reply = None
    turns = [{"shopper": text, "reply": reply}]
    current = reply.conversation if reply is not None else conversation
    if request.headers.get("HX-Request") == "true":
        return visit.page("store/_turns.html", turns=turns, conversation=current, oob=True)
    return visit.page("store/help.html", conversation=current, turns=turns, item=item or None)


@router.get("/privacy")
async def privacy(request: Request) -> HTMLResponse:
    """What ShopSense holds about the shopper, and the button that erases it."""
    visit = Visit(request)
    try:
        profile = await users.get_user(visit.shopper, visit.runtime)
    except HTTPException:
        profile = None
    return visit.page("store/privacy.html", profile=profile, erased=False)


@router.post("/privacy/erase")
async def erase(request: Request) -> HTMLResponse:
    """Erase the shopper's data everywhere (as `DELETE /v1/users/{id}`), then forget them."""
    visit = Visit(request)
    erasing = Caller(scope=None, shopper=visit.shopper, key_id="storefront: the shopper")
    await users.erase_user(visit.shopper, visit.runtime, erasing)
    response = visit.site.render(request, "store/privacy.html", profile=None, erased=True)
    forget(response, SHOPPER_COOKIE, CART_COOKIE)
    return response


@router.get("/login")
async def login(request: Request, token: str = "") -> Response:
    """Browse as the shopper a token from the shop's backend names (`shopsense token`)."""
    visit = Visit(request)
    user = visit.site.sessions.token_shopper(token)
    if user is None:
        return visit.page("store/message.html", 401, message="invalid or expired token")
    visit.shopper = user
    response = visit.redirect("/")
    forget(response, CART_COOKIE)
    return response
