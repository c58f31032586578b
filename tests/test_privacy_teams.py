"""Personal data and the audit trail over Teams' HTTP edge: `my data` as file-consent cards whose accepted upload
goes to the person's OneDrive, `forget me` with its one-time confirmation, and the audit trail read by leads only.

On the memory store, which the contract suite holds to TinyDB's and PostgreSQL's behaviour.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.http import STORE
from adapters.render import FILE_CONSENT_TYPE
from adapters.store.memory import MemoryStore
from adapters.teams.file_consent import FILE_INFO_TYPE, upload_url_allowed
from bot import messages as say
from bot.keys import TeamKey
from bot.models import ConversationRef
from bot.services import audit
from bot.services.reminder_settings import TEAM_REMINDERS, TeamReminders
from tests import builders
from tests import group_harness as g
from tests.fakes.connector import FakeConnector
from tests.fakes.onedrive import FakeOneDrive
from tests.harness import NOW, RunningBot, Sent, TeamsChat, running_bot
from tests.manual_clock import ManualClock


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[RunningBot]:
    async with FakeConnector(roster=set(g.PEOPLE)) as connector:
        async with running_bot(tmp_path / "data", clock=ManualClock(NOW), connector=connector, store=MemoryStore()) as running:
            yield running


@pytest.fixture
async def onedrive() -> AsyncIterator[FakeOneDrive]:
    async with FakeOneDrive() as fake:
        yield fake


def _consents(sent: list[Sent]) -> list[dict[str, Any]]:
    return [
        attachment
        for activity in sent
        for attachment in activity.body.get("attachments") or []
        if attachment["contentType"] == FILE_CONSENT_TYPE
    ]


def _consent_invoke(chat: TeamsChat, consent: dict[str, Any], action: str, upload_url: str) -> dict[str, Any]:
    """What Teams posts when the person answers a file-consent card."""
    body = builders.message(chat.bot.connector.url, user=chat.user, tenant=chat.tenant, **chat.where)
    body.update(type="invoke", name="fileConsent/invoke")
    body["value"] = {
        "type": "fileUpload", "action": action, "context": consent["content"]["acceptContext"],
        "uploadInfo": {
            "name": consent["name"], "uploadUrl": upload_url, "contentUrl": "https://contoso-my.sharepoint.com/f",
            "uniqueId": "unique-1", "fileType": consent["name"].rsplit(".", 1)[-1],
        },
    }
    return body


async def _rate(bot: RunningBot, user: str, label: str, evidence: str, *, idea: bool = False) -> None:
    """A member rates 1a from their invitation, with evidence, and (with `idea`) takes the first idea as an action."""
    chat = bot.chat(user=user)
    invite = g.sent_in_direct(bot, user)[-1]
    (phases,) = await chat.tap(invite, "Rate sections")
    (card,) = await chat.tap(phases, next(title for title in phases.submits() if title.startswith("Check")))
    (asked,) = await chat.tap(card, label)
    *_, ideas = await chat.tap(asked, "Save evidence", text=evidence)
    if idea:
        await chat.tap(ideas, "Add idea 1")


async def test_my_data_offers_consent_cards_and_an_accepted_one_is_uploaded_fresh_for_that_person(
    bot: RunningBot, onedrive: FakeOneDrive
) -> None:
    await g.set_up(bot, members=("29:bob", "29:cy"))
    await g.settle(bot)
    await _rate(bot, "29:bob", "Emerging", "Bob's note")
    await _rate(bot, "29:cy", "Maturing", "Cy's note")
    bob = bot.chat(user="29:bob")

    sent = await bob.say("my data")

    assert sent[0].text == say.MY_DATA_SENT
    json_card, csv_card = _consents(sent)
    assert json_card["name"].endswith(".json") and csv_card["name"].endswith(".csv")
    assert json_card["content"]["acceptContext"] == {"reflect_file": "my_data_json"}
    status = await bot.post(_consent_invoke(bob, json_card, "accept", onedrive.upload_url("s1")))

    assert status == 200
    (upload,) = onedrive.uploads
    record = json.loads(upload.content)
    assert upload.content_range == f"bytes 0-{len(upload.content) - 1}/{len(upload.content)}"
    assert record["user_id"] == "29:bob" and record["groups"][0]["group_id"] == g.TEAM
    assert [r["evidence"] for r in record["groups"][0]["responses"]] == ["Bob's note"]
    assert "29:cy" not in upload.content.decode() and "Cy's note" not in upload.content.decode()
    info = bot.connector.requests[-1].body["attachments"][0]
    assert (info["contentType"], info["name"]) == (FILE_INFO_TYPE, json_card["name"])


async def test_a_declined_or_forged_consent_uploads_nothing(bot: RunningBot, onedrive: FakeOneDrive) -> None:
    bob = bot.chat(user="29:bob")
    json_card, _ = _consents(await bob.say("my data"))

    declined = await bob.post(_consent_invoke(bob, json_card, "decline", onedrive.upload_url("s1")))
    forged_host = await bot.post(_consent_invoke(bob, json_card, "accept", "https://attacker.example/upload"))
    forged_file = _consent_invoke(bob, json_card, "accept", onedrive.upload_url("s2"))
    forged_file["value"]["context"] = {"reflect_file": "someone_elses"}
    in_channel = g.in_channel(bot, "29:bob")
    from_channel = await in_channel.post(_consent_invoke(in_channel, json_card, "accept", onedrive.upload_url("s3")))

    assert [s.text for s in declined] == [say.FILE_DECLINED]
    assert (forged_host, await bot.post(forged_file)) == (400, 400)
    assert [s.text for s in from_channel] == [say.PRIVATE_CHAT_ONLY]
    assert onedrive.uploads == []
    assert not upload_url_allowed("https://evil.sharepoint.com.example/x", local_mode=False)
    assert upload_url_allowed("https://contoso-my.sharepoint.com/personal/x", local_mode=False)


async def test_my_data_in_a_channel_is_refused(bot: RunningBot) -> None:
    await g.set_up(bot, members=("29:bob",))

    (refusal,) = await g.command(g.in_channel(bot, "29:bob"), "my data")

    assert refusal.text == say.PRIVATE_CHAT_ONLY
    assert _consents([refusal]) == []


async def test_forget_me_in_teams_asks_first_then_erases_once(bot: RunningBot) -> None:
    await g.set_up(bot, members=("29:bob", "29:cy"))
    await g.settle(bot)
    await _rate(bot, "29:bob", "Emerging", "Bob's note")
    bob = bot.chat(user="29:bob")
    own = TeamKey(g.TENANT, "user:29:bob")

    (confirm,) = await bob.say("forget me")
    tap = bob.tapping(confirm, say.FORGET_YES)
    (report,) = await bob.post(tap)
    redelivered = await bob.post(tap)
    (again,) = await bob.tap(confirm, say.FORGET_YES)

    assert confirm.title == say.FORGET_TITLE
    assert report.text is not None and report.text.startswith("Done.")
    assert redelivered == [] and again.text == say.ALREADY_DONE
    assert await bot.app[STORE].find(own, ConversationRef) == []
    (answer,) = await g.answers(bot)
    assert answer.author_id.startswith("former-") and answer.evidence is None
    assert "29:bob" not in {m.user_id for m in (await g.group(bot)).members}


async def test_the_audit_trail_records_each_kind_of_change_without_text_and_only_leads_read_it(bot: RunningBot) -> None:
    alice = await g.set_up(bot, members=("29:bob", "29:cy", "29:dee"))
    await g.settle(bot)
    for user, label in (("29:bob", "Emerging"), ("29:cy", "Thriving"), ("29:dee", "Developing")):
        await _rate(bot, user, label, f"Private note by {user}", idea=user == "29:bob")
    (results,) = await g.command(alice, "results")
    (agree,) = await alice.tap(results, "Agree 1a")
    (reason,) = await alice.tap(agree, "Developing")
    await alice.tap(reason, say.RATIONALE_SAVE, text="Secret rationale")
    await g.command(alice, "set minimum 4")

    entries = [e for held in await audit.buckets(bot.app[STORE], g.SPACE) for e in held.entries]
    (trail,) = await g.command(alice, "audit")
    (refusal,) = await g.command(g.in_channel(bot, "29:bob"), "audit")

    kinds = {(e.what, e.by, e.subject) for e in entries}
    assert {("rating", user, "1a") for user in ("29:bob", "29:cy", "29:dee")} <= kinds
    assert ("agreed_level", "29:alice", "1a") in kinds and ("group_setting", "29:alice", "min_answers") in kinds
    assert {("group_setting", "29:alice", "linked"), ("group_setting", "29:alice", "members added as members")} <= kinds
    assert any(what == "action" and by == "29:bob" and subject.endswith(" created") for what, by, subject in kinds)
    assert not any("note" in e.subject or "Secret" in e.subject for e in entries)
    assert trail.title == say.AUDIT_TITLE.format(name=say.DEFAULT_GROUP_NAME)
    facts = trail.texts()
    assert any("Bob" in fact and "rating · 1a" in fact for fact in facts)
    assert not any("note" in fact or "Secret" in fact for fact in facts)
    assert refusal.text == say.LEADS_ONLY


async def test_the_audit_trail_pages_twelve_entries_at_a_time(bot: RunningBot) -> None:
    alice = await g.set_up(bot, members=("29:bob",))
    for minimum in range(2, 16):
        await g.command(alice, f"set minimum {minimum}")

    (first,) = await g.command(alice, "audit")
    (older,) = await alice.tap(first, say.AUDIT_OLDER)
    (newer,) = await alice.tap(older, say.AUDIT_NEWER)

    total = sum(len(held.entries) for held in await audit.buckets(bot.app[STORE], g.SPACE))
    assert 12 < total <= 24
    assert say.AUDIT_PAGE.format(page=1, pages=2) in first.texts()
    assert say.AUDIT_PAGE.format(page=2, pages=2) in older.texts()
    assert newer.texts() == first.texts()
    assert len([f for f in first.texts() if "settings · " in f]) == 12
    assert len([f for f in older.texts() if "settings · " in f]) == total - 12


async def test_forget_me_takes_a_leads_id_off_the_group_reminder_default_they_chose(bot: RunningBot) -> None:
    alice = await g.set_up(bot, members=("29:bob",))
    await g.command(alice, "reminders team 4 days")
    personal = bot.chat(user="29:alice")
    (confirm,) = await personal.say("forget me")
    await personal.tap(confirm, say.FORGET_YES)

    default = await bot.app[STORE].get(TeamKey(g.TENANT, g.TEAM), TeamReminders, TEAM_REMINDERS)
    assert default is not None and default.setting.lead_days == 4
    assert default.by.startswith("former-")


async def test_a_group_someone_left_is_still_in_their_data_and_in_their_erasure(
    bot: RunningBot, onedrive: FakeOneDrive
) -> None:
    alice = await g.set_up(bot, members=("29:bob", "29:cy"))
    await g.settle(bot)
    await _rate(bot, "29:bob", "Emerging", "Bob's note")
    await g.command(alice, "remove", "29:bob")
    bob = bot.chat(user="29:bob")

    json_card, _ = _consents(await bob.say("my data"))
    await bot.post(_consent_invoke(bob, json_card, "accept", onedrive.upload_url("s1")))
    (group,) = json.loads(onedrive.uploads[0].content)["groups"]
    (confirm,) = await bob.say("forget me")
    await bob.tap(confirm, say.FORGET_YES)

    assert (group["group_id"], group["role"]) == (g.TEAM, "former")
    assert [r["evidence"] for r in group["responses"]] == ["Bob's note"]
    (answer,) = await g.answers(bot)
    assert answer.author_id.startswith("former-") and answer.evidence is None
    team = await g.group(bot)
    assert "29:bob" not in {m.user_id for m in (*team.members, *team.former)}
    assert await bot.app[STORE].former_teams_of(g.TENANT, "29:bob") == []
