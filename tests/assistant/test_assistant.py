"""The assistant end to end over the demo shop, in English and Chinese: answers from the product
page and the policies with citations, follow-ups, orders, hand-over, and no false "yes"."""

from __future__ import annotations

import pytest

from shopsense.assistant.assistant import Assistant, Message, UnknownConversation
from shopsense.assistant.conversations import ConversationStore
from shopsense.assistant.evidence import EvidenceSource
from shopsense.assistant.evidence_ranker import packaged_ranker
from shopsense.assistant.intents import Intent, IntentClassifier, IntentConfig
from shopsense.assistant.orders import PurchaseOrders
from shopsense.assistant.policies import demo_policies
from shopsense.assistant.shop_adapters import CataloguePages, reviews_by_item
from shopsense.bundle.catalogue import Catalogue
from shopsense.data import Dataset
from shopsense.data.demo import generate_demo_shop
from shopsense.data.shoppers import UserState
from shopsense.text import EncoderConfig
from shopsense.text.backends import MULTILINGUAL_MODEL

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def intents(encoder_config: EncoderConfig) -> IntentClassifier:
    encoder = EncoderConfig(model_name=MULTILINGUAL_MODEL, cache_dir=encoder_config.cache_dir)
    return IntentClassifier(IntentConfig(encoder=encoder))


def assistant_for(shop: Dataset, intents: IntentClassifier) -> Assistant:
    state = UserState.from_frames(shop.interactions, shop.users)
    latest = shop.interactions["timestamp"].max()
    return Assistant(
        intents,
        packaged_ranker(),
        CataloguePages(Catalogue(shop.items).record, reviews_by_item(shop.reviews)),
        demo_policies(shop.language or "en"),
        ConversationStore(),
        orders=PurchaseOrders(state.history, now=lambda: latest),
    )


def buyer(shop: Dataset) -> str:
    return shop.interactions.filter(shop.interactions["kind"] == "purchase")["user_id"][0]


@pytest.fixture(autouse=True)
def isolated_cache(monkeypatch: pytest.MonkeyPatch, encoder_config: EncoderConfig) -> None:
    """The packaged ranker's encoder keeps its caches in the test session's folder."""
    monkeypatch.setenv("SHOPSENSE_CACHE_DIR", str(encoder_config.cache_dir))


#: Per language: a product question, a policy question, "does it come in <colour>?", and two
#: colours (the item's own is red in both demo shops' first product).
CONVERSATIONS = {
    "en": (
        "what is it made of?",
        "how long does delivery take?",
        "does it come in {}?",
        "red",
        "green",
    ),
    "zh": ("这个是什么材质的？", "发货后几天能到？", "有{}的吗？", "红色", "绿色"),
}


@pytest.mark.parametrize("language", sorted(CONVERSATIONS))
def test_a_conversation_in_each_language(intents: IntentClassifier, language: str) -> None:
    question, policy, colour_question, own, other = CONVERSATIONS[language]
    shop = generate_demo_shop(n_items=120, n_users=80, language=language)
    assistant = assistant_for(shop, intents)
    item = shop.items["item_id"][0]
    assert own in shop.items["attributes"][0] and other not in shop.items["attributes"][0]
    user = buyer(shop)
    first = assistant.reply(Message(question, user=user, item=item))
    assert first.intent is Intent.PRODUCT_QUESTION and first.language == language
    assert first.citations and all(c.id.startswith(f"{item}:") for c in first.citations)
    # A follow-up is about the same product: its own colour is a "yes", another is not.
    follow = assistant.reply(Message(colour_question.format(own), first.conversation, user))
    assert follow.item == item
    assert follow.answer.lower().startswith(("yes", "是的")), follow.answer
    wrong = assistant.reply(Message(colour_question.format(other), first.conversation, user))
    assert not wrong.answer.lower().startswith(("yes", "是的")), wrong.answer
    asked = assistant.reply(Message(policy, first.conversation, user))
    assert asked.intent is Intent.POLICY
    assert [c.source for c in asked.citations] == [EvidenceSource.POLICY]
    order = assistant.reply(
        Message(
            "我的订单到哪了" if language == "zh" else "where is my order?", first.conversation, user
        )
    )
    assert [c.source for c in order.citations] == [EvidenceSource.ORDER]
    person = assistant.reply(
        Message(
            "转人工" if language == "zh" else "let me talk to a human", first.conversation, user
        )
    )
    assert person.handover
    stored = assistant.store.conversation(first.conversation)
    assert stored is not None and stored.handover and len(stored.turns) == 12


def test_other_shoppers_cannot_continue_a_conversation(intents: IntentClassifier) -> None:
    shop = generate_demo_shop(n_items=120, n_users=80)
    assistant = assistant_for(shop, intents)
    reply = assistant.reply(Message("hello", user="a"))
    with pytest.raises(UnknownConversation):
        assistant.reply(Message("hello", reply.conversation, user="b"))
    with pytest.raises(KeyError):
        assistant.reply(Message("is it red?", item="no-such-item"))
