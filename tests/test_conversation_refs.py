"""Where conversation refs live and when they are rewritten: the store rules, and the middleware that feeds them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import aiohttp
import pytest
from botbuilder.schema import Activity

from adapters.conversation_refs import reference_of
from adapters.store.tinydb import TinyDBStore
from app import create_app
from bot.conversation_refs import conversation_ref, personal_ref, remember, space_of
from bot.errors import StoreError
from bot.keys import TeamKey, TenantKey
from bot.models import ConversationRef, Document
from bot.store import Store
from tests import builders
from tests.fakes.connector import FakeConnector
from tests.harness import NOW, local_settings, serve_locally

D = TypeVar("D", bound=Document)
TENANT = TenantKey("teams", "tenant-a")
ALICE = ConversationRef(
    conversation_id="a:personal-29:alice", channel_id="msteams", tenant_id="tenant-a", conversation_type="personal",
    service_url="https://smba.trafficmanager.net/emea/", bot_id="28:reflect", user_id="29:alice", updated_at=NOW,
)
CHANNEL = ALICE.model_copy(
    update={"conversation_id": "19:plan@thread.tacv2", "conversation_type": "channel", "user_id": None}
)


def _activity(**overrides: object) -> Activity:
    return Activity().deserialize({**builders.message("https://smba.trafficmanager.net/emea/", "hi"), **overrides})


def test_a_personal_ref_lives_in_the_persons_own_space_and_a_channel_ref_in_its_conversations() -> None:
    assert space_of(TENANT, ALICE) == TeamKey(TENANT, "user:29:alice")
    assert space_of(TENANT, CHANNEL) == TeamKey(TENANT, "19:plan@thread.tacv2")


async def test_refs_are_found_from_tenant_and_user_or_tenant_and_conversation(store: Store) -> None:
    await remember(store, TENANT, ALICE)
    await remember(store, TENANT, CHANNEL)

    assert await personal_ref(store, TENANT, "29:alice") == ALICE
    assert await conversation_ref(store, TENANT, "19:plan@thread.tacv2") == CHANNEL
    assert await personal_ref(store, TenantKey("teams", "tenant-b"), "29:alice") is None


async def test_the_newest_of_several_personal_conversations_is_the_one_found(store: Store) -> None:
    newer = ALICE.model_copy(update={"conversation_id": "a:personal-again", "updated_at": NOW + timedelta(hours=1)})
    await remember(store, TENANT, newer)
    await remember(store, TENANT, ALICE)

    assert await personal_ref(store, TENANT, "29:alice") == newer


async def test_an_unchanged_ref_is_kept_for_a_day_but_a_changed_field_is_written_at_once(store: Store) -> None:
    await remember(store, TENANT, ALICE)

    uk = "https://smba.trafficmanager.net/uk/"
    same = await remember(store, TENANT, ALICE.model_copy(update={"updated_at": NOW + timedelta(hours=23)}))
    later = NOW + timedelta(hours=24)
    moved = await remember(store, TENANT, ALICE.model_copy(update={"service_url": uk, "updated_at": later}))

    assert same == ALICE
    assert (moved.service_url, moved.updated_at) == (uk, later)


async def test_an_unreachable_ref_is_active_again_once_the_person_writes(store: Store) -> None:
    await store.put(space_of(TENANT, ALICE), ALICE.model_copy(update={"active": False}))

    assert (await remember(store, TENANT, ALICE)).active is True


def test_a_thread_in_a_channel_is_remembered_as_the_channel_with_no_person() -> None:
    activity = _activity(
        conversation={"id": "19:plan@thread.tacv2;messageid=17", "conversationType": "channel", "tenantId": "tenant-a"},
    )

    found = reference_of(activity, NOW)

    assert found is not None
    assert found[1].model_dump(include={"conversation_id", "conversation_type", "user_id"}) == {
        "conversation_id": "19:plan@thread.tacv2", "conversation_type": "channel", "user_id": None,
    }


def test_an_activity_the_bot_refuses_or_cannot_address_gets_no_ref() -> None:
    no_tenant = _activity(conversation={"id": "a:x", "conversationType": "personal"}, channelData={})
    huge_url = _activity(serviceUrl="https://smba.trafficmanager.net/" + "x" * 3000)

    assert reference_of(no_tenant, NOW) is None
    assert reference_of(huge_url, NOW) is None


class RefusingRefs(TinyDBStore):
    """A store whose every ConversationRef write fails, as if its disk were full."""

    async def update(self, team: TeamKey, kind: type[D], doc_id: str, change: Callable[[D | None], D]) -> D:
        if kind is ConversationRef:
            raise StoreError("disk full")
        return await super().update(team, kind, doc_id, change)


async def test_a_ref_that_cannot_be_saved_never_stops_the_turn(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = RefusingRefs(tmp_path / "data")
    app = create_app(local_settings(tmp_path / "data"), clock=lambda: NOW, store=store)
    async with FakeConnector() as connector, serve_locally(app) as url, aiohttp.ClientSession() as session:
        async with session.post(f"{url}/api/messages", json=builders.message(connector.url, "hi")) as reply:
            assert reply.status == 201
        (welcome,) = connector.activities
        assert welcome["attachments"][0]["content"]["body"][0]["text"] == "Welcome to Reflect"
        assert await personal_ref(store, TENANT, "29:alice") is None

    assert "conversation reference not saved: store error" in caplog.text
    assert "29:alice" not in caplog.text
