"""Speaking first in Teams: refs stored by real inbound activities, then the Outbound port over the fake Connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest

from adapters.http import STORE, TEAMS_OUTBOUND
from adapters.render import render
from app import create_app
from bot.config import Settings
from bot.conversation_refs import conversation_ref, direct_conversation, personal_ref
from bot.errors import DeliveryError
from bot.keys import TenantKey
from bot.models import ConversationRef
from bot.views import Notice
from tests import builders
from tests.manual_clock import ManualClock
from tests.fakes.connector import FakeConnector, StaticTokenCredentialsFactory
from tests.fakes.jwks import JwksServer
from tests.harness import NOW, RunningBot, running_bot, serve_locally

TENANT = TenantKey("teams", "tenant-a")
GENERAL = "19:general@thread.tacv2"
APP_ID = "6b4a3c1e-0000-4000-8000-0000000005e7"
OUTBOUND_TOKEN = "outbound-token-for-proactive-tests"


@pytest.fixture
async def bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningBot]:
    async with FakeConnector(roster={"29:alice", "29:bob"}) as connector:
        async with running_bot(tmp_path / "data", clock=clock, connector=connector) as running:
            yield running


async def _alice_ref(bot: RunningBot) -> ConversationRef:
    await bot.chat().say("hi")
    ref = await personal_ref(bot.app[STORE], TENANT, "29:alice")
    assert ref is not None
    return ref


async def _general_ref(bot: RunningBot) -> ConversationRef:
    """Alice @mentions the bot in a thread of the team's General channel."""
    chat = bot.chat(conversation=f"{GENERAL};messageid=1700000000001", conversation_type="channel", team=GENERAL)
    await chat.say("<at>Reflect</at> help", entities=[builders.mention()])
    ref = await conversation_ref(bot.app[STORE], TENANT, GENERAL)
    assert ref is not None
    return ref


async def test_an_inbound_message_stores_the_personal_conversation_ref(bot: RunningBot) -> None:
    ref = await _alice_ref(bot)

    assert ref.model_dump() == {
        "conversation_id": "a:personal-29:alice", "channel_id": "msteams", "tenant_id": "tenant-a",
        "conversation_type": "personal", "service_url": bot.connector.url, "bot_id": builders.BOT_ID,
        "user_id": "29:alice", "active": True, "updated_at": NOW,
    }


async def test_a_channel_ref_is_keyed_by_the_channel_without_the_thread_and_names_no_person(bot: RunningBot) -> None:
    ref = await _general_ref(bot)

    assert (ref.conversation_id, ref.conversation_type, ref.user_id) == (GENERAL, "channel", None)
    assert await personal_ref(bot.app[STORE], TENANT, "29:alice") is None


async def test_a_proactive_message_reaches_someone_who_has_talked_to_the_bot(bot: RunningBot) -> None:
    ref = await _alice_ref(bot)
    before = len(bot.connector.requests)

    sent = await bot.app[TEAMS_OUTBOUND].send(ref, Notice(text="Your action is due on Friday."))

    (request,) = bot.connector.requests[before:]
    assert (request.method, request.path) == ("POST", "/v3/conversations/a:personal-29:alice/activities")
    assert request.body["text"] == "Your action is due on Friday."
    assert (request.body["recipient"]["id"], request.body["from"]["id"]) == ("29:alice", builders.BOT_ID)
    assert "replyToId" not in request.body
    assert sent.message_id == request.reply["id"] and sent.conversation == ref


async def test_a_proactive_card_is_the_card_a_turn_would_send(bot: RunningBot, fixed_nonce: str) -> None:
    ref = await _alice_ref(bot)
    card = builders.sample_card()

    await bot.app[TEAMS_OUTBOUND].send(ref, card)

    expected = render(card, "msteams").attachments[0]
    (attachment,) = bot.connector.activities[-1]["attachments"]
    assert attachment == {"contentType": expected.content_type, "content": expected.content}


async def test_an_update_replaces_the_sent_message_in_place(bot: RunningBot) -> None:
    ref = await _alice_ref(bot)
    outbound = bot.app[TEAMS_OUTBOUND]
    sent = await outbound.send(ref, builders.sample_card())

    await outbound.update(sent, Notice(text="Thanks, all done."))

    (update,) = [request for request in bot.connector.requests if request.kind == "update"]
    assert update.method == "PUT"
    assert update.path == f"/v3/conversations/a:personal-29:alice/activities/{sent.message_id}"
    assert update.body["text"] == "Thanks, all done." and update.status == 200


async def test_a_direct_message_opens_a_conversation_with_a_roster_member_who_never_wrote(bot: RunningBot) -> None:
    general = await _general_ref(bot)
    store, outbound = bot.app[STORE], bot.app[TEAMS_OUTBOUND]

    bob = await direct_conversation(store, outbound, TENANT, "29:bob", via=general)
    await outbound.send(bob, Notice(text="Your team started a check-in."))

    (created,) = bot.connector.conversations
    assert created["isGroup"] is False and created["members"] == [{"id": "29:bob"}]
    assert created["tenantID"] == "tenant-a" and created["channelData"] == {"tenant": {"id": "tenant-a"}}
    assert created["bot"]["id"] == builders.BOT_ID
    assert bob.conversation_id.startswith("a:") and (bob.user_id, bob.conversation_type) == ("29:bob", "personal")
    assert bot.connector.requests[-1].path == f"/v3/conversations/{bob.conversation_id}/activities"
    assert bot.connector.activities[-1]["text"] == "Your team started a check-in."


async def test_a_direct_conversation_is_opened_once_and_reused(bot: RunningBot) -> None:
    general = await _general_ref(bot)
    store, outbound = bot.app[STORE], bot.app[TEAMS_OUTBOUND]

    first = await direct_conversation(store, outbound, TENANT, "29:bob", via=general)
    again = await direct_conversation(store, outbound, TENANT, "29:bob", via=general)

    assert again == first == await personal_ref(store, TENANT, "29:bob")
    assert len(bot.connector.conversations) == 1


async def test_someone_outside_every_roster_is_unreachable(bot: RunningBot) -> None:
    general = await _general_ref(bot)

    with pytest.raises(DeliveryError) as refused:
        await bot.app[TEAMS_OUTBOUND].open_direct("29:stranger", via=general)

    assert (refused.value.kind, refused.value.detail) == ("unreachable", "403 ForbiddenOperationException")


async def test_a_429_asks_the_caller_to_retry_after_its_seconds_and_the_retry_succeeds(bot: RunningBot) -> None:
    ref = await _alice_ref(bot)
    outbound = bot.app[TEAMS_OUTBOUND]
    before = len(bot.connector.requests)
    bot.connector.fail_next(429, code="Throttled", retry_after=1)

    with pytest.raises(DeliveryError) as throttled:
        await outbound.send(ref, Notice(text="Reminder"))
    await outbound.send(ref, Notice(text="Reminder"))

    assert (throttled.value.kind, throttled.value.retry_after) == ("retry", 1.0)
    assert [request.status for request in bot.connector.requests[before:]] == [429, 200]


@pytest.mark.parametrize(
    ("status", "code", "sub_code", "kind"),
    [
        (403, "ConversationBlockedByUser", None, "unreachable"),
        (403, "BotNotInConversationRoster", None, "unreachable"),
        (403, "ForbiddenOperationException", None, "unreachable"),
        (403, "Forbidden", "MessageWritesBlocked", "unreachable"),
        (404, "ConversationNotFound", None, "unreachable"),
        (403, "BotDisabledByAdmin", None, "permanent"),
        (404, "ActivityNotFoundInConversation", None, "permanent"),
        (400, "BadArgument", None, "permanent"),
        (413, "MessageSizeTooBig", None, "permanent"),
        (500, "ServiceError", None, "permanent"),
        (412, "PreconditionFailed", None, "retry"),
        (502, "ServiceError", None, "retry"),
        (503, "ServiceError", None, "retry"),
        (504, "ServiceError", None, "retry"),
    ],
)
async def test_each_connector_failure_maps_to_one_delivery_error_without_a_second_attempt(
    bot: RunningBot, status: int, code: str, sub_code: str | None, kind: str
) -> None:
    ref = await _alice_ref(bot)
    before = len(bot.connector.requests)
    bot.connector.fail_next(status, code=code, sub_code=sub_code)

    with pytest.raises(DeliveryError) as failed:
        await bot.app[TEAMS_OUTBOUND].send(ref, Notice(text="Reminder"))

    assert (failed.value.kind, failed.value.retry_after) == (kind, None)
    assert len(bot.connector.requests[before:]) == 1


async def test_the_latest_service_url_is_the_one_used_later(bot: RunningBot) -> None:
    await _alice_ref(bot)
    async with FakeConnector() as moved:
        assert await bot.post(builders.message(moved.url, "help")) in (200, 201)
        ref = await personal_ref(bot.app[STORE], TENANT, "29:alice")
        assert ref is not None and ref.service_url == moved.url
        before = len(bot.connector.requests)

        await bot.app[TEAMS_OUTBOUND].send(ref, Notice(text="Reminder"))

        assert moved.activities[-1]["text"] == "Reminder"
        assert bot.connector.requests[before:] == []


async def test_an_unchanged_ref_is_rewritten_only_once_a_day(bot: RunningBot, clock: ManualClock) -> None:
    await _alice_ref(bot)
    clock.advance(timedelta(hours=23))
    await bot.chat().say("help")
    kept = await personal_ref(bot.app[STORE], TENANT, "29:alice")
    clock.advance(timedelta(hours=2))
    await bot.chat().say("help")
    refreshed = await personal_ref(bot.app[STORE], TENANT, "29:alice")

    assert kept is not None and kept.updated_at == NOW
    assert refreshed is not None and refreshed.updated_at == NOW + timedelta(hours=25)


async def test_a_service_url_no_longer_allowed_gets_nothing(bot: RunningBot) -> None:
    ref = await _alice_ref(bot)
    moved = ref.model_copy(update={"service_url": "https://attacker.example/"})
    before = len(bot.connector.requests)

    with pytest.raises(DeliveryError) as refused:
        await bot.app[TEAMS_OUTBOUND].send(moved, Notice(text="Reminder"))

    assert (refused.value.kind, refused.value.detail) == ("permanent", "serviceUrl is not allowed")
    assert bot.connector.requests[before:] == []


async def test_with_credentials_proactive_calls_carry_the_bots_own_token(tmp_path: Path) -> None:
    """`bot_app_id` reaches the SDK on every proactive call; without it, configured credentials fail (T34)."""
    with JwksServer() as jwks:
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None, REFLECT_DATA_DIR=tmp_path / "data", MICROSOFT_APP_ID=APP_ID,
            MICROSOFT_APP_PASSWORD="never-logged", MICROSOFT_APP_TENANT_ID="tenant-of-the-bot",
            REFLECT_SERVICE_URL_ALLOWLIST="127.0.0.1", REFLECT_BOT_OPENID_METADATA_URL=jwks.metadata_url,
        )
        app = create_app(settings, credentials_factory=StaticTokenCredentialsFactory(APP_ID, OUTBOUND_TOKEN))
        async with FakeConnector() as connector, serve_locally(app) as url, aiohttp.ClientSession() as session:
            token = jwks.mint(audience=APP_ID, service_url=connector.url)
            body = builders.message(connector.url, "hi")
            headers = {"Authorization": f"Bearer {token}"}
            async with session.post(f"{url}/api/messages", json=body, headers=headers) as reply:
                assert reply.status == 201
            ref = await personal_ref(app[STORE], TENANT, "29:alice")
            assert ref is not None
            await app[TEAMS_OUTBOUND].send(ref, Notice(text="Reminder"))
            await app[TEAMS_OUTBOUND].open_direct("29:bob", via=ref)

    proactive = connector.requests[-2:]
    assert [request.kind for request in proactive] == ["send", "create"]
    assert all(request.headers["Authorization"] == f"Bearer {OUTBOUND_TOKEN}" for request in proactive)
