"""Personal data over Slack's HTTP edge: `my data` uploads JSON and CSV into the person's DM with files_upload_v2,
and `forget me`, once confirmed, erases the person's own space and anonymises them in their groups.

On the memory store, which the contract suite holds to TinyDB's and PostgreSQL's behaviour.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from adapters.http import STORE
from bot import messages as say
from bot.conversation_refs import personal_ref
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import Action, ActionEntry, Assessment, ConversationRef, ConversationState, Response, ScheduledJob, Team
from bot.records import Delivery, owner_tag
from bot.services import audit
from bot.services.forget import UNOWNED
from bot.store import Store
from adapters.store.memory import MemoryStore
from tests.group_harness import settle
from tests.harness import NOW
from tests.manual_clock import ManualClock
from tests.slack_harness import Posted, RunningSlackBot, SlackUser, posted, running_slack_bot, start_group

FORUM = "C0FORUM"
WORKSPACE = TenantKey("slack", "T0001")
SPACE = TeamKey(WORKSPACE, FORUM)
MEMBERS = {FORUM: ["U0001", "U0002", "U0003", "UREFLECTBOT"]}
FORMULA = '=HYPERLINK("http://example.invalid","x")'


pytestmark = pytest.mark.usefixtures("no_pacing")


@pytest.fixture
async def bot(tmp_path: Path, clock: ManualClock) -> AsyncIterator[RunningSlackBot]:
    async with running_slack_bot(tmp_path / "data", clock=clock, members=MEMBERS, store=MemoryStore()) as running:
        yield running


def _store(bot: RunningSlackBot) -> Store:
    return bot.app[STORE]


def _in_dm(bot: RunningSlackBot, user: str) -> list[Posted]:
    return [message for message in posted(bot) if message.channel == f"D{user}"]


async def _group_with_answers(bot: RunningSlackBot) -> None:
    """U0001 leads the forum; U0002 and U0003 rate section 1a of its assessment in their DMs."""
    await start_group(bot, FORUM)
    await settle(bot)
    for user, level in (("U0002", "Developing"), ("U0003", "Thriving")):
        me = bot.user(user=user)
        invite = next(m for m in _in_dm(bot, user) if m.title == say.INVITE_TITLE.format(name=say.DEFAULT_GROUP_NAME))
        (phases,) = await me.tap(invite, "Rate sections")
        (section,) = await me.tap(phases, "Check · 0/4")
        (evidence,) = await me.tap(section, level)
        await me.type_into(evidence, "Save evidence", f"Group note by {user}")


async def _own_assessment(me: SlackUser, subject: str) -> None:
    """A personal assessment: section 4a rated with evidence that looks like a formula, and one idea taken."""
    (welcome,) = await me.dm("hi")
    (subject_card,) = await me.tap(welcome, "Start an assessment")
    (focus,) = await me.type_into(subject_card, "OK", subject)
    (footprint,) = await me.tap(focus, "Strategic")
    (stance,) = await me.tap(footprint, "Place")
    (phases,) = await me.tap(stance, "Planning new work")
    (card,) = await me.tap(phases, "Prepare · 0/3")
    (evidence,) = await me.tap(card, "Maturing")
    (ideas,) = await me.type_into(evidence, "Save evidence", FORMULA)
    await me.tap(ideas, "Add idea 2")


async def _group_answers(bot: RunningSlackBot) -> list[Response]:
    team = await _store(bot).get(SPACE, Team, FORUM)
    assert team is not None and team.assessment_id is not None
    return await _store(bot).responses(AssessmentKey(SPACE, team.assessment_id))


async def test_my_data_uploads_json_and_csv_into_the_dm_with_only_that_persons_data(bot: RunningSlackBot) -> None:
    await _group_with_answers(bot)
    me = bot.user(user="U0002")
    await _own_assessment(me, "Falls prevention")
    await _own_assessment(bot.user(user="U0003"), "Someone else's subject")
    await _own_assessment(bot.user(team="T0002", user="U0002"), "Another workspace")

    (notice,) = await me.dm("my data")

    assert notice.text == say.MY_DATA_SENT
    json_file, csv_file = bot.api.files.shared
    assert (json_file.channel, csv_file.channel) == ("DU0002", "DU0002")
    assert json_file.filename.endswith(".json") and csv_file.filename.endswith(".csv")
    record = json.loads(json_file.content)
    assert (record["user_id"], record["tenant_id"]) == ("U0002", "T0001")
    (own,) = record["own"]["assessments"]
    assert own["scope"]["subject"] == "Falls prevention"
    assert [(r["section"], r["evidence"]) for r in record["own"]["responses"]] == [("4a", FORMULA)]
    assert len(record["own"]["actions"]) == 1 and record["own"]["conversation_refs"][0]["conversation_id"] == "DU0002"
    (group,) = record["groups"]
    assert (group["group_id"], group["role"]) == (FORUM, "member")
    assert [(r["author_id"], r["evidence"]) for r in group["responses"]] == [("U0002", "Group note by U0002")]
    text = json_file.content.decode()
    assert "U0003" not in text and "Someone else's subject" not in text and "Another workspace" not in text
    assert csv_file.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert rows[0] == ["place", "kind", "id", "field", "value"]
    assert ["own", "responses", "0", "evidence", "'" + FORMULA] in rows
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


async def test_my_data_in_a_channel_is_refused_and_uploads_nothing(bot: RunningSlackBot) -> None:
    await _group_with_answers(bot)

    (notice,) = await bot.user(user="U0002").mention(FORUM, "my data")

    assert notice.text == say.PRIVATE_CHAT_ONLY
    assert bot.api.files.shared == []


async def _group_action_and_reminder(store: Store, user: str) -> None:
    """An action the person owns in the group, and a reminder job addressed to them."""
    team = await store.get(SPACE, Team, FORUM)
    assert team is not None and team.assessment_id is not None
    await store.put(SPACE, Action(
        id="act-group", assessment_id=team.assessment_id, section="1a", title="Ask the forum", owner_id=user,
        due=NOW.date(), created_at=NOW, updated_at=NOW,
    ))
    await store.add_job(ScheduledJob(id=f"remind-{user}", team=SPACE, kind="reminder", due_at=NOW, payload={"user": user}))
    given = ActionEntry(by=user, at=NOW, what="owner", owner="U0001")
    await store.put(SPACE, Action(
        id="act-given", assessment_id=team.assessment_id, section="1b", title="Book the hall", owner_id="U0001",
        creator_id=user, due=NOW.date(), created_at=NOW, updated_at=NOW, history=(given,),
    ))


async def test_forget_me_erases_own_data_anonymises_group_answers_and_hands_actions_to_a_lead(
    bot: RunningSlackBot, clock: ManualClock
) -> None:
    await _group_with_answers(bot)
    me = bot.user(user="U0002")
    await _own_assessment(me, "Falls prevention")
    store = _store(bot)
    await _group_action_and_reminder(store, "U0002")
    own_space = TeamKey(WORKSPACE, "user:U0002")
    assert await personal_ref(store, WORKSPACE, "U0002") is not None
    earlier_claims = [d for d in await store._find_records(WORKSPACE, Delivery) if d.owner == owner_tag("U0002")]
    others_claims = [d for d in await store._find_records(WORKSPACE, Delivery) if d.owner == owner_tag("U0003")]
    assert earlier_claims and others_claims
    clock.advance(timedelta(hours=1))

    (confirm,) = await me.dm("forget me")
    assert confirm.title == say.FORGET_TITLE
    tap = me.tapping(confirm, say.FORGET_YES)
    (report,) = await me.interaction(tap)

    assert report.text.startswith("Done.")
    assert "kept 1 group answer as a former member's in 1 group, passed 1 action to a lead" in report.text
    assert "stopped 4 scheduled messages." in report.text  # the reminder planted here, and the 3 of the idea taken
    assert await store.find(own_space, Assessment) == []
    assert await store.find(own_space, Response) == []
    assert await store.find(own_space, Action) == []
    assert await store.find(own_space, ConversationState) == []
    assert await store.find(own_space, ConversationRef) == []
    answers = await _group_answers(bot)
    assert sorted(r.author_id.split("-")[0] for r in answers) == ["U0003", "former"]
    former = next(r for r in answers if r.author_id.startswith("former-"))
    assert former.evidence is None and former.rating is not None
    team = await store.get(SPACE, Team, FORUM)
    assert team is not None and "U0002" not in {m.user_id for m in (*team.members, *team.former)}
    assert any(m.user_id == former.author_id and m.name is None for m in team.former)
    moved = await store.get(SPACE, Action, "act-group")
    assert moved is not None and moved.owner_id == "U0001"
    given = await store.get(SPACE, Action, "act-given")
    assert given is not None and given.owner_id == "U0001" and given.creator_id == former.author_id
    assert [entry.by for entry in given.history] == [former.author_id]
    trail = [e for held in await audit.buckets(store, SPACE) for e in held.entries]
    assert ("action", former.author_id, "act-group reassigned") in {(e.what, e.by, e.subject) for e in trail}
    assert "U0002" not in {e.by for e in trail}
    assert await store.get_job(SPACE, "remind-U0002") is None
    assert await store.teams_of(WORKSPACE, "U0002") == []
    claims = await store._find_records(WORKSPACE, Delivery)
    assert not {d.doc_id for d in earlier_claims} & {d.doc_id for d in claims}
    assert {d.doc_id for d in others_claims} <= {d.doc_id for d in claims}

    assert await me.interaction(tap) == []
    (again,) = await me.tap(confirm, say.FORGET_YES)

    assert again.text == say.ALREADY_DONE
    assert await _group_answers(bot) == answers
    assert await store.find(own_space, ConversationRef) == []


async def test_forgetting_the_only_lead_makes_another_member_lead_and_leaves_no_action_unowned(
    bot: RunningSlackBot,
) -> None:
    await _group_with_answers(bot)
    lead = bot.user(user="U0001")
    (confirm,) = await lead.dm("forget me")

    await lead.tap(confirm, say.FORGET_YES)

    team = await _store(bot).get(SPACE, Team, FORUM)
    assert team is not None and [m.user_id for m in team.leads] == ["U0002"]
    assert all(a.owner_id != UNOWNED for a in await _store(bot).find(SPACE, Action))


async def test_in_slack_a_lead_reads_the_audit_trail_and_a_member_is_refused(bot: RunningSlackBot) -> None:
    await _group_with_answers(bot)

    (trail,) = await bot.user(user="U0001").mention(FORUM, "audit")
    (refusal,) = await bot.user(user="U0002").mention(FORUM, "audit")

    assert trail.title == say.AUDIT_TITLE.format(name=say.DEFAULT_GROUP_NAME)
    listed = " ".join(trail.texts())
    assert "rating · 1a" in listed and "Group note" not in listed
    assert refusal.text == say.LEADS_ONLY
