"""Speaking first in Slack: refs stored by signed inbound requests, then the Outbound port over the fake Web API."""

from __future__ import annotations

import pytest

from adapters.http import SLACK_OUTBOUND, STORE
from adapters.slack.blocks import message_blocks
from bot.conversation_refs import conversation_ref, direct_conversation, personal_ref
from bot.errors import DeliveryError
from bot.keys import TenantKey
from bot.models import ConversationRef
from bot.views import Notice
from tests import builders
from tests.harness import NOW
from tests.slack_harness import RunningSlackBot, as_json

WORKSPACE = TenantKey("slack", "T0001")


async def _alice_ref(slack: RunningSlackBot) -> ConversationRef:
    await slack.user().dm("hi")
    ref = await personal_ref(slack.app[STORE], WORKSPACE, "U0001")
    assert ref is not None
    return ref


async def test_a_direct_message_stores_the_personal_conversation_ref(slack: RunningSlackBot) -> None:
    ref = await _alice_ref(slack)

    assert ref.model_dump() == {
        "conversation_id": "DU0001", "channel_id": "slack", "tenant_id": "T0001", "conversation_type": "personal",
        "service_url": "", "bot_id": "reflect", "user_id": "U0001", "active": True, "updated_at": NOW,
    }


async def test_a_mention_in_a_channel_stores_the_channel_ref(slack: RunningSlackBot) -> None:
    mention = {"type": "app_mention", "channel": "C0001", "user": "U0001", "text": "<@UBOT> help", "ts": "1.2"}
    await slack.user().event(mention)

    ref = await conversation_ref(slack.app[STORE], WORKSPACE, "C0001")

    assert ref is not None and (ref.conversation_type, ref.user_id) == ("channel", None)


async def test_a_proactive_message_reaches_someone_who_has_talked_to_the_bot(
    slack: RunningSlackBot, fixed_nonce: str
) -> None:
    ref = await _alice_ref(slack)
    card = builders.sample_card()

    sent = await slack.app[SLACK_OUTBOUND].send(ref, card)

    call = slack.api.requests[-1]
    text, blocks = message_blocks(card)
    assert (call.method, call.body["channel"], call.body["text"]) == ("chat.postMessage", "DU0001", text)
    assert as_json(call.body["blocks"]) == blocks
    assert sent.message_id == call.response["ts"] and sent.conversation == ref


async def test_an_update_replaces_the_sent_message_in_place(slack: RunningSlackBot) -> None:
    ref = await _alice_ref(slack)
    outbound = slack.app[SLACK_OUTBOUND]
    sent = await outbound.send(ref, builders.sample_card())

    await outbound.update(sent, Notice(text="Thanks, all done."))

    call = slack.api.requests[-1]
    assert (call.method, call.body["channel"], call.body["ts"]) == ("chat.update", "DU0001", sent.message_id)
    assert call.body["text"] == "Thanks, all done." and call.response["ok"] is True


async def test_a_direct_message_reaches_a_member_who_never_wrote_and_is_opened_once(slack: RunningSlackBot) -> None:
    alice = await _alice_ref(slack)
    store, outbound = slack.app[STORE], slack.app[SLACK_OUTBOUND]

    bob = await direct_conversation(store, outbound, WORKSPACE, "U0002", via=alice)
    again = await direct_conversation(store, outbound, WORKSPACE, "U0002", via=alice)
    await outbound.send(bob, Notice(text="Your team started a check-in."))

    assert slack.api.calls("conversations.open")[-1]["users"] == "U0002"
    assert len(slack.api.calls("conversations.open")) == 1
    assert (bob.conversation_id, bob.user_id, bob.tenant_id) == ("DU0002", "U0002", "T0001")
    assert again == bob == await personal_ref(store, WORKSPACE, "U0002")
    assert slack.api.calls("chat.postMessage")[-1]["channel"] == "DU0002"


async def test_a_429_asks_the_caller_to_retry_after_its_seconds_and_the_retry_succeeds(slack: RunningSlackBot) -> None:
    ref = await _alice_ref(slack)
    outbound = slack.app[SLACK_OUTBOUND]
    before = len(slack.api.requests)
    slack.api.fail_next("chat.postMessage", status=429, retry_after=1)

    with pytest.raises(DeliveryError) as throttled:
        await outbound.send(ref, Notice(text="Reminder"))
    await outbound.send(ref, Notice(text="Reminder"))

    assert (throttled.value.kind, throttled.value.retry_after) == ("retry", 1.0)
    assert [call.status for call in slack.api.requests[before:]] == [429, 200]


@pytest.mark.parametrize(
    ("status", "error", "kind"),
    [
        (200, "channel_not_found", "unreachable"),
        (200, "not_in_channel", "unreachable"),
        (200, "is_archived", "unreachable"),
        (200, "account_inactive", "unreachable"),
        (200, "user_disabled", "unreachable"),
        (200, "invalid_blocks", "permanent"),
        (200, "msg_too_long", "permanent"),
        (200, "invalid_auth", "permanent"),
        (503, "service_unavailable", "retry"),
        (200, "fatal_error", "retry"),
    ],
)
async def test_each_web_api_failure_maps_to_one_delivery_error(
    slack: RunningSlackBot, status: int, error: str, kind: str
) -> None:
    ref = await _alice_ref(slack)
    before = len(slack.api.requests)
    slack.api.fail_next("chat.postMessage", status=status, error=error)

    with pytest.raises(DeliveryError) as failed:
        await slack.app[SLACK_OUTBOUND].send(ref, Notice(text="Reminder"))

    assert (failed.value.kind, failed.value.detail) == (kind, f"{status} {error}")
    assert len(slack.api.requests[before:]) == 1


@pytest.mark.parametrize("error", ["user_not_found", "cannot_dm_bot"])
async def test_a_person_who_cannot_be_messaged_is_unreachable(slack: RunningSlackBot, error: str) -> None:
    alice = await _alice_ref(slack)
    slack.api.fail_next("conversations.open", status=200, error=error)

    with pytest.raises(DeliveryError) as refused:
        await direct_conversation(slack.app[STORE], slack.app[SLACK_OUTBOUND], WORKSPACE, "U0404", via=alice)

    assert refused.value.kind == "unreachable"
    assert await personal_ref(slack.app[STORE], WORKSPACE, "U0404") is None


async def test_an_update_of_a_deleted_message_is_permanent(slack: RunningSlackBot) -> None:
    ref = await _alice_ref(slack)
    outbound = slack.app[SLACK_OUTBOUND]
    sent = await outbound.send(ref, Notice(text="Reminder"))
    slack.api.fail_next("chat.update", status=200, error="message_not_found")

    with pytest.raises(DeliveryError) as failed:
        await outbound.update(sent, Notice(text="Done"))

    assert (failed.value.kind, failed.value.detail) == ("permanent", "200 message_not_found")
