"""The contract every Store implementation must honour.

Written against `bot.store.Store` only: the `make_store` / `store` fixtures in
conftest run it once per implementation, so the TinyDB store and any future
PostgreSQL store are held to exactly the same behaviour.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import cast

import pytest

from bot.framework import Level
from bot.keys import AssessmentKey, Platform, TeamKey, TenantKey
from bot.models import (
    NOT_SURE,
    Action,
    Answer,
    Assessment,
    Awaiting,
    ConversationRef,
    ConversationState,
    Document,
    Member,
    QuietHours,
    Rating,
    Response,
    Revision,
    ScheduledJob,
    Scope,
    Team,
    response_id,
)
from bot.errors import StoreError
from bot.store import Store

MakeStore = Callable[[], Store]

# ---------------------------------------------------------------------------
# Builders: fixed, aware times and small factories so every test reads as data.
# ---------------------------------------------------------------------------

T0 = datetime(2026, 1, 1, tzinfo=UTC)
RATING_A: Level = Level.MATURING
RATING_B: Level = Level.THRIVING


def at(seconds: int = 0) -> datetime:
    return T0 + timedelta(seconds=seconds)


def tenant_key(tenant_id: str = "t1", platform: Platform = "teams") -> TenantKey:
    return TenantKey(platform=platform, tenant_id=tenant_id)


def team_key(team_id: str = "g1", tenant: TenantKey | None = None) -> TeamKey:
    return TeamKey(tenant=tenant or tenant_key(), team_id=team_id)


def assessment_key(assessment_id: str = "a-1", team: TeamKey | None = None) -> AssessmentKey:
    return AssessmentKey(team=team or team_key(), assessment_id=assessment_id)


def answer(
    section: str = "4c",
    author_id: str = "u1",
    *,
    rating: Rating | None = None,
    evidence: str | None = None,
    seconds: int = 0,
) -> Answer:
    """An Answer that only sets the fields actually given, as a partial edit would."""
    fields: dict[str, object] = {"section": section, "author_id": author_id, "at": at(seconds)}
    if rating is not None:
        fields["rating"] = rating
    if evidence is not None:
        fields["evidence"] = evidence
    return Answer.model_validate(fields)


def make_team(team_id: str = "g1", name: str = "Ward 7") -> Team:
    return Team(
        id=team_id,
        name=name,
        members=(Member(user_id="u1", role="lead"), Member(user_id="u2")),
        channel_conversation_id="19:channel",
        time_zone="Europe/Paris",
        quiet_hours=QuietHours(start=time(21, 30), end=time(7, 15)),
    )


def make_assessment(assessment_id: str = "a-1", cycle: int = 1, status: str = "open") -> Assessment:
    return Assessment.model_validate(
        {
            "id": assessment_id,
            "owner_id": "u1",
            "scope": Scope(subject="Discharge", focus="operational", footprint="place", stance="looking_back"),
            "cycle": cycle,
            "status": status,
            "created_at": at(),
        }
    )


def make_response(assessment_id: str = "a-1", section: str = "4c", author_id: str = "u1") -> Response:
    return Response(
        assessment_id=assessment_id,
        section=section,
        author_id=author_id,
        rating=NOT_SURE,
        evidence="We asked patients",
        created_at=at(0),
        updated_at=at(60),
        history=(Revision(rating=RATING_A, evidence=None, at=at(0)),),
    )


def make_action(
    action_id: str = "act-1",
    *,
    assessment_id: str = "a-1",
    owner_id: str = "u1",
    status: str = "open",
    due: date = date(2026, 2, 1),
) -> Action:
    return Action.model_validate(
        {
            "id": action_id,
            "assessment_id": assessment_id,
            "section": "4c",
            "title": "Ask the patient forum",
            "owner_id": owner_id,
            "due": due,
            "horizon": "long_term",
            "status": status,
            "created_at": at(0),
            "updated_at": at(30),
        }
    )


def make_conversation_state(conversation_id: str = "conv-1", user_id: str = "u1") -> ConversationState:
    return ConversationState(
        conversation_id=conversation_id,
        user_id=user_id,
        assessment_id="a-1",
        phase=3,
        awaiting=Awaiting(kind="evidence", section="4c"),
        updated_at=at(5),
    )


def make_conversation_ref(conversation_id: str = "conv-1", active: bool = True) -> ConversationRef:
    return ConversationRef(
        conversation_id=conversation_id,
        channel_id="msteams",
        tenant_id="tenant-1",
        conversation_type="personal",
        service_url="https://smba.example.test/emea/",
        bot_id="bot-1",
        user_id="u1",
        active=active,
        updated_at=at(7),
    )


def make_job(job_id: str = "job-1", *, attempts: int = 0, due_seconds: int = 3600) -> ScheduledJob:
    return ScheduledJob(
        id=job_id,
        team=team_key(),
        kind="reminder",
        due_at=at(due_seconds),
        payload={"assessment_id": "a-1", "section": "4c"},
        attempts=attempts,
        last_error="timeout" if attempts else None,
    )


def every_kind_of_document() -> list[Document]:
    return [
        make_team(),
        make_assessment(),
        make_response(),
        make_action(),
        make_conversation_state(),
        make_conversation_ref(),
        make_job(),
    ]


def bump_attempts(current: ScheduledJob | None) -> ScheduledJob:
    assert current is not None, "the job was put before it was updated"
    return current.model_copy(update={"attempts": current.attempts + 1})


class ChangeRefused(Exception):
    """Raised inside an update's `change` to abort it."""


def refuse(_current: ScheduledJob | None) -> ScheduledJob:
    raise ChangeRefused("no thanks")


# ---------------------------------------------------------------------------


class TestStoreContract:
    # -- 1. put / get -------------------------------------------------------

    @pytest.mark.parametrize("doc", every_kind_of_document(), ids=lambda doc: type(doc).__name__)
    async def test_put_then_get_returns_an_equal_document_for_every_kind(self, store: Store, doc: Document) -> None:
        team = team_key()
        await store.put(team, doc)

        fetched = await store.get(team, type(doc), doc.doc_id)

        assert fetched == doc
        assert type(fetched) is type(doc)

    async def test_put_replaces_an_existing_document(self, store: Store) -> None:
        team = team_key()
        await store.put(team, make_action(status="open"))
        await store.put(team, make_action(status="done"))

        fetched = await store.get(team, Action, "act-1")

        assert fetched == make_action(status="done")

    async def test_put_over_an_existing_document_keeps_its_place_and_an_identical_put_changes_nothing(
        self, store: Store
    ) -> None:
        team = team_key()
        for action_id in ("act-1", "act-2", "act-3"):
            await store.put(team, make_action(action_id))
        await store.put(team, make_action("act-1", status="done"))
        await store.put(team, make_action("act-2"))

        found = await store.find(team, Action)

        assert [(a.id, a.status) for a in found] == [("act-1", "done"), ("act-2", "open"), ("act-3", "open")]

    async def test_get_of_a_missing_id_returns_none(self, store: Store) -> None:
        team = team_key()
        await store.put(team, make_job("job-1"))

        assert await store.get(team, ScheduledJob, "job-2") is None
        assert await store.get(team, Team, "g1") is None

    async def test_same_doc_id_in_different_kinds_is_independent(self, store: Store) -> None:
        team = team_key()
        shared_id = "same-id"
        await store.put(team, make_team(shared_id))

        assert await store.get(team, Assessment, shared_id) is None
        assert await store.get(team, Action, shared_id) is None
        assert await store.get(team, ScheduledJob, shared_id) is None

        await store.put(team, make_assessment(shared_id))
        await store.put(team, make_job(shared_id))

        assert await store.get(team, Team, shared_id) == make_team(shared_id)
        assert await store.get(team, Assessment, shared_id) == make_assessment(shared_id)
        assert await store.get(team, ScheduledJob, shared_id) == make_job(shared_id)

    # -- 2. copies ----------------------------------------------------------

    async def test_mutating_a_returned_document_does_not_change_the_store(self, store: Store) -> None:
        team = team_key()
        await store.put(team, make_job())

        fetched = await store.get(team, ScheduledJob, "job-1")
        assert fetched is not None
        fetched.payload["section"] = "9z"
        fetched.payload["injected"] = "yes"

        assert await store.get(team, ScheduledJob, "job-1") == make_job()

    async def test_mutating_the_document_returned_by_update_does_not_change_the_store(self, store: Store) -> None:
        team = team_key()
        returned = await store.update(team, ScheduledJob, "job-1", lambda _current: make_job())

        returned.payload["section"] = "9z"

        assert await store.get(team, ScheduledJob, "job-1") == make_job()

    async def test_mutating_a_document_after_put_does_not_change_the_store(self, store: Store) -> None:
        team = team_key()
        job = make_job()
        await store.put(team, job)

        job.payload["section"] = "9z"

        assert await store.get(team, ScheduledJob, "job-1") == make_job()

    # -- 3. update ----------------------------------------------------------

    async def test_update_passes_none_for_a_new_document_and_stores_and_returns_the_result(
        self, store: Store
    ) -> None:
        team = team_key()
        seen: list[ScheduledJob | None] = []

        def create(current: ScheduledJob | None) -> ScheduledJob:
            seen.append(current)
            return make_job(attempts=0)

        returned = await store.update(team, ScheduledJob, "job-1", create)

        assert seen == [None]
        assert returned == make_job(attempts=0)
        assert await store.get(team, ScheduledJob, "job-1") == make_job(attempts=0)

    async def test_update_passes_the_current_document_and_stores_and_returns_the_result(self, store: Store) -> None:
        team = team_key()
        await store.put(team, make_job(attempts=2))
        seen: list[ScheduledJob | None] = []

        def bump(current: ScheduledJob | None) -> ScheduledJob:
            seen.append(current)
            return bump_attempts(current)

        returned = await store.update(team, ScheduledJob, "job-1", bump)

        assert seen == [make_job(attempts=2)]
        assert returned.attempts == 3
        assert await store.get(team, ScheduledJob, "job-1") == returned

    async def test_exception_in_change_propagates_and_writes_nothing(self, make_store: MakeStore) -> None:
        team = team_key()
        async with make_store() as store:
            await store.put(team, make_job("existing", attempts=1))

            with pytest.raises(ChangeRefused):
                await store.update(team, ScheduledJob, "new", refuse)
            with pytest.raises(ChangeRefused):
                await store.update(team, ScheduledJob, "existing", refuse)

            assert await store.get(team, ScheduledJob, "new") is None
            assert await store.get(team, ScheduledJob, "existing") == make_job("existing", attempts=1)

        async with make_store() as reopened:
            assert await reopened.get(team, ScheduledJob, "new") is None
            assert await reopened.get(team, ScheduledJob, "existing") == make_job("existing", attempts=1)
            assert await reopened.find(team, ScheduledJob) == [make_job("existing", attempts=1)]

    async def test_update_returning_a_different_doc_id_raises_store_error_and_writes_nothing(
        self, make_store: MakeStore
    ) -> None:
        team = team_key()
        async with make_store() as store:
            await store.put(team, make_job("existing"))

            with pytest.raises(StoreError):
                await store.update(team, ScheduledJob, "new", lambda _current: make_job("other"))
            with pytest.raises(StoreError):
                await store.update(team, ScheduledJob, "existing", lambda _current: make_job("other", attempts=5))

            assert await store.get(team, ScheduledJob, "new") is None
            assert await store.get(team, ScheduledJob, "other") is None
            assert await store.get(team, ScheduledJob, "existing") == make_job("existing")

        async with make_store() as reopened:
            assert await reopened.find(team, ScheduledJob) == [make_job("existing")]

    async def test_update_returning_another_kind_raises_store_error_and_writes_nothing(
        self, make_store: MakeStore
    ) -> None:
        team = team_key()

        def turn_into_action(_current: ScheduledJob | None) -> ScheduledJob:
            return cast(ScheduledJob, make_action("job-1"))

        async with make_store() as store:
            await store.put(team, make_job("job-1"))

            with pytest.raises(StoreError):
                await store.update(team, ScheduledJob, "job-1", turn_into_action)
            with pytest.raises(StoreError):
                await store.update(team, ScheduledJob, "job-2", turn_into_action)

            assert await store.get(team, ScheduledJob, "job-1") == make_job("job-1")
            assert await store.get(team, ScheduledJob, "job-2") is None
            assert await store.get(team, Action, "job-1") is None
            assert await store.find(team, Action) == []

        async with make_store() as reopened:
            assert await reopened.find(team, ScheduledJob) == [make_job("job-1")]
            assert await reopened.find(team, Action) == []

    # -- 4. find ------------------------------------------------------------

    async def test_find_matches_on_str_and_literal_fields(self, store: Store) -> None:
        team = team_key()
        mine_open = make_action("act-1", owner_id="u1", status="open")
        mine_done = make_action("act-2", owner_id="u1", status="done")
        theirs_open = make_action("act-3", owner_id="u2", status="open")
        other_assessment = make_action("act-4", assessment_id="a-2", owner_id="u1", status="open")
        for action in (mine_open, mine_done, theirs_open, other_assessment):
            await store.put(team, action)

        found = await store.find(team, Action, status="open", owner_id="u1")
        assert sorted(found, key=lambda a: a.id) == [mine_open, other_assessment]

        found = await store.find(team, Action, assessment_id="a-1", status="open", owner_id="u1")
        assert found == [mine_open]

    async def test_find_with_no_conditions_returns_every_document_of_that_kind(self, store: Store) -> None:
        team = team_key()
        await store.put(team, make_action("act-1"))
        await store.put(team, make_action("act-2"))
        await store.put(team, make_job("job-1"))

        found = await store.find(team, Action)

        assert sorted(a.id for a in found) == ["act-1", "act-2"]

    async def test_find_matches_responses_by_assessment_and_section(self, store: Store) -> None:
        key = assessment_key("a-1")
        await store.record_answer(key, answer("4c", "u1", rating=RATING_A))
        await store.record_answer(key, answer("4c", "u2", rating=RATING_B))
        await store.record_answer(key, answer("5a", "u1", rating=RATING_A))
        await store.record_answer(assessment_key("a-2"), answer("4c", "u1", rating=RATING_A))

        found = await store.find(key.team, Response, assessment_id="a-1", section="4c")

        assert sorted(r.author_id for r in found) == ["u1", "u2"]
        assert {r.assessment_id for r in found} == {"a-1"}
        assert {r.section for r in found} == {"4c"}

    async def test_find_matches_enum_and_not_sure_ratings(self, store: Store) -> None:
        key = assessment_key()
        await store.record_answer(key, answer("1a", "u1", rating=RATING_A))
        await store.record_answer(key, answer("1b", "u1", rating=RATING_B))
        await store.record_answer(key, answer("1c", "u1", rating=NOT_SURE))
        await store.record_answer(key, answer("1d", "u1", evidence="no rating yet"))

        by_level = await store.find(key.team, Response, rating=RATING_A)
        unsure = await store.find(key.team, Response, rating=NOT_SURE)

        assert [r.section for r in by_level] == ["1a"]
        assert by_level[0].rating is RATING_A
        assert [r.section for r in unsure] == ["1c"]

    async def test_find_matches_a_none_value(self, store: Store) -> None:
        key = assessment_key()
        await store.record_answer(key, answer("1a", "u1", rating=RATING_A))
        await store.record_answer(key, answer("1b", "u1", evidence="no rating yet"))

        unrated = await store.find(key.team, Response, rating=None)
        without_evidence = await store.find(key.team, Response, evidence=None)

        assert [r.section for r in unrated] == ["1b"]
        assert [r.section for r in without_evidence] == ["1a"]

    async def test_find_matches_date_int_and_bool_values(self, store: Store) -> None:
        team = team_key()
        soon = make_action("act-1", due=date(2026, 2, 1))
        later = make_action("act-2", due=date(2026, 3, 1))
        first_cycle = make_assessment("a-1", cycle=1)
        second_cycle = make_assessment("a-2", cycle=2)
        live = make_conversation_ref("conv-1", active=True)
        dead = make_conversation_ref("conv-2", active=False)
        for doc in (soon, later, first_cycle, second_cycle, live, dead):
            await store.put(team, doc)

        assert await store.find(team, Action, due=date(2026, 3, 1)) == [later]
        assert await store.find(team, Assessment, cycle=2) == [second_cycle]
        assert await store.find(team, ConversationRef, active=False) == [dead]
        assert await store.find(team, ConversationRef, active=True) == [live]

    async def test_find_matches_an_aware_datetime_value(self, store: Store) -> None:
        team = team_key()
        early = make_job("job-1", due_seconds=60)
        late = make_job("job-2", due_seconds=120)
        await store.put(team, early)
        await store.put(team, late)

        assert await store.find(team, ScheduledJob, due_at=at(120)) == [late]

    async def test_find_matches_an_aware_datetime_by_instant_whatever_its_utc_offset(self, store: Store) -> None:
        team = team_key()
        paris = timezone(timedelta(hours=1))
        job = make_job("job-1").model_copy(update={"due_at": datetime(2026, 1, 1, 13, 0, tzinfo=paris)})
        await store.put(team, job)

        same_instant_in_utc = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
        assert job.due_at == same_instant_in_utc
        assert await store.find(team, ScheduledJob, due_at=same_instant_in_utc) == [job]
        assert await store.find(team, ScheduledJob, due_at=job.due_at) == [job]

    async def test_find_returns_empty_list_when_nothing_matches(self, store: Store) -> None:
        team = team_key()
        assert await store.find(team, Action) == []

        await store.put(team, make_action("act-1", status="open"))

        assert await store.find(team, Action, status="dropped") == []
        assert await store.find(team, Action, status="open", owner_id="nobody") == []
        assert await store.find(team, Action, due=date(1999, 1, 1)) == []

    async def test_find_does_not_mix_kinds_sharing_a_field(self, store: Store) -> None:
        team = team_key()
        assessment = make_assessment("a-1", status="open")
        action = make_action("act-1", assessment_id="a-1", status="open")
        await store.put(team, assessment)
        await store.put(team, action)
        await store.record_answer(assessment_key("a-1", team), answer("4c", "u1", rating=RATING_A))

        assert await store.find(team, Assessment, status="open") == [assessment]
        assert await store.find(team, Action, status="open") == [action]
        assert await store.find(team, Action, assessment_id="a-1") == [action]
        responses = await store.find(team, Response, assessment_id="a-1")
        assert [type(r) for r in responses] == [Response]

    # -- 5. record_answer / responses ---------------------------------------

    async def test_first_answer_creates_a_response_with_empty_history(self, store: Store) -> None:
        key = assessment_key()

        returned = await store.record_answer(key, answer("4c", "u1", rating=RATING_A, evidence="e1", seconds=0))

        expected = Response(
            assessment_id="a-1",
            section="4c",
            author_id="u1",
            rating=RATING_A,
            evidence="e1",
            created_at=at(0),
            updated_at=at(0),
            history=(),
        )
        assert returned == expected
        assert await store.get(key.team, Response, response_id("a-1", "4c", "u1")) == expected

    async def test_new_rating_pushes_the_previous_version_into_history_oldest_first(self, store: Store) -> None:
        key = assessment_key()
        await store.record_answer(key, answer(rating=RATING_A, evidence="e1", seconds=0))
        await store.record_answer(key, answer(rating=RATING_B, evidence="e2", seconds=10))
        await store.record_answer(key, answer(rating=NOT_SURE, seconds=20))

        stored = await store.get(key.team, Response, response_id("a-1", "4c", "u1"))

        assert stored is not None
        assert stored.rating == NOT_SURE
        assert stored.evidence == "e2"
        assert stored.created_at == at(0)
        assert stored.updated_at == at(20)
        assert stored.history == (
            Revision(rating=RATING_A, evidence="e1", at=at(0)),
            Revision(rating=RATING_B, evidence="e2", at=at(10)),
        )

    async def test_evidence_only_answer_keeps_the_rating(self, store: Store) -> None:
        key = assessment_key()
        await store.record_answer(key, answer(rating=RATING_A, evidence="first", seconds=0))

        returned = await store.record_answer(key, answer(evidence="more detail", seconds=5))

        stored = await store.get(key.team, Response, response_id("a-1", "4c", "u1"))
        assert stored == returned
        assert stored is not None
        assert stored.rating is RATING_A
        assert stored.evidence == "more detail"
        assert stored.history == (Revision(rating=RATING_A, evidence="first", at=at(0)),)

    async def test_resending_an_identical_answer_adds_no_revision(self, store: Store) -> None:
        key = assessment_key()
        first = await store.record_answer(key, answer(rating=RATING_A, evidence="same", seconds=0))

        again = await store.record_answer(key, answer(rating=RATING_A, evidence="same", seconds=99))

        assert again == first
        assert again.history == ()
        assert await store.get(key.team, Response, first.doc_id) == first

    async def test_not_sure_is_stored_and_read_back_as_not_sure(self, make_store: MakeStore) -> None:
        key = assessment_key()
        async with make_store() as store:
            await store.record_answer(key, answer(rating=NOT_SURE))
            stored = await store.get(key.team, Response, response_id("a-1", "4c", "u1"))
            assert stored is not None
            assert stored.rating == NOT_SURE

        async with make_store() as reopened:
            after = await reopened.get(key.team, Response, response_id("a-1", "4c", "u1"))
            assert after is not None
            assert after.rating == "not_sure"
            assert not isinstance(after.rating, Level)

    async def test_ratings_are_read_back_as_level_members(self, make_store: MakeStore) -> None:
        key = assessment_key()
        async with make_store() as store:
            await store.record_answer(key, answer(rating=RATING_A))

        async with make_store() as reopened:
            after = await reopened.get(key.team, Response, response_id("a-1", "4c", "u1"))
            assert after is not None
            assert isinstance(after.rating, Level)
            assert after.rating is RATING_A

    async def test_responses_returns_only_that_assessments_responses(self, store: Store) -> None:
        team = team_key()
        mine = assessment_key("a-1", team)
        other = assessment_key("a-2", team)
        await store.record_answer(mine, answer("4c", "u1", rating=RATING_A))
        await store.record_answer(mine, answer("5a", "u2", rating=RATING_B))
        await store.record_answer(other, answer("4c", "u1", rating=NOT_SURE))

        found = await store.responses(mine)

        assert sorted((r.section, r.author_id) for r in found) == [("4c", "u1"), ("5a", "u2")]
        assert {r.assessment_id for r in found} == {"a-1"}
        assert [r.rating for r in await store.responses(other)] == [NOT_SURE]
        assert await store.responses(assessment_key("a-3", team)) == []

    # -- 6. durability ------------------------------------------------------

    async def test_everything_written_survives_close_and_reopen(self, make_store: MakeStore) -> None:
        team = team_key()
        key = assessment_key(team=team)
        docs = every_kind_of_document()
        async with make_store() as store:
            for doc in docs:
                await store.put(team, doc)
            await store.record_answer(key, answer("5a", "u1", rating=RATING_A, evidence="e1", seconds=0))
            await store.record_answer(key, answer("5a", "u1", rating=RATING_B, evidence="e2", seconds=10))
            await store.put(team, make_action("act-2", status="done"))
            await store.update(team, Action, "act-2", lambda current: make_action("act-2", status="dropped"))
            await store.put(team, make_job("job-2"))
            await store.update(team, ScheduledJob, "job-2", bump_attempts)
            written = await store.get(team, Response, response_id("a-1", "5a", "u1"))

        async with make_store() as reopened:
            for doc in docs:
                assert await reopened.get(team, type(doc), doc.doc_id) == doc
            revised = await reopened.get(team, Response, response_id("a-1", "5a", "u1"))
            assert revised is not None
            assert revised == written
            assert revised.rating is RATING_B
            assert revised.history == (Revision(rating=RATING_A, evidence="e1", at=at(0)),)
            assert await reopened.get(team, Action, "act-2") == make_action("act-2", status="dropped")
            assert await reopened.find(team, Action, status="dropped") == [make_action("act-2", status="dropped")]
            job = await reopened.get(team, ScheduledJob, "job-2")
            assert job is not None and job.attempts == 1
            assert len(await reopened.responses(key)) == 2

    async def test_data_survives_several_reopen_cycles(self, make_store: MakeStore) -> None:
        team = team_key()
        for _cycle in range(3):
            async with make_store() as store:
                await store.update(team, ScheduledJob, "job-1", lambda current: bump_attempts(current or make_job()))
        async with make_store() as store:
            job = await store.get(team, ScheduledJob, "job-1")
            assert job is not None
            assert job.attempts == 3

    async def test_thousands_of_writes_survive_reopen(self, make_store: MakeStore) -> None:
        team = team_key()
        count = 2500
        async with make_store() as store:
            await asyncio.gather(*(store.put(team, make_job(f"job-{i:04d}", attempts=i)) for i in range(count)))
            await store.update(team, ScheduledJob, "job-0000", bump_attempts)

        async with make_store() as reopened:
            jobs = await reopened.find(team, ScheduledJob)
            assert len(jobs) == count
            assert {job.id: job.attempts for job in jobs} == {f"job-{i:04d}": i or 1 for i in range(count)}

    # -- 7. isolation -------------------------------------------------------

    @pytest.mark.parametrize(
        ("first", "second"),
        [
            pytest.param(team_key("g1", tenant_key("t1")), team_key("g1", tenant_key("t2")), id="two-tenants"),
            pytest.param(
                team_key("g1", tenant_key("t1", "teams")),
                team_key("g1", tenant_key("t1", "slack")),
                id="two-platforms",
            ),
            pytest.param(team_key("g1"), team_key("g2"), id="two-teams-one-tenant"),
        ],
    )
    async def test_partitions_with_the_same_ids_never_see_each_others_data(
        self, store: Store, first: TeamKey, second: TeamKey
    ) -> None:
        key_1 = assessment_key("a-1", first)
        key_2 = assessment_key("a-1", second)
        await store.record_answer(key_1, answer("4c", "u1", rating=RATING_A, evidence="from first"))
        await store.record_answer(key_2, answer("4c", "u1", rating=RATING_B, evidence="from second"))
        await store.put(first, make_action("act-1", owner_id="first-owner"))
        await store.put(second, make_action("act-1", owner_id="second-owner"))
        await store.put(first, make_team("g1", name="First"))
        await store.put(second, make_team("g1", name="Second"))
        await store.put(first, make_job("only-in-first"))

        doc_id = response_id("a-1", "4c", "u1")
        response_1 = await store.get(first, Response, doc_id)
        response_2 = await store.get(second, Response, doc_id)
        assert response_1 is not None and response_1.evidence == "from first" and response_1.rating is RATING_A
        assert response_2 is not None and response_2.evidence == "from second" and response_2.rating is RATING_B
        assert response_1.history == () and response_2.history == ()

        assert [r.evidence for r in await store.responses(key_1)] == ["from first"]
        assert [r.evidence for r in await store.responses(key_2)] == ["from second"]
        found_1 = await store.find(first, Response, assessment_id="a-1", section="4c")
        found_2 = await store.find(second, Response, assessment_id="a-1", section="4c")
        assert [r.evidence for r in found_1] == ["from first"]
        assert [r.evidence for r in found_2] == ["from second"]

        assert [a.owner_id for a in await store.find(first, Action)] == ["first-owner"]
        assert [a.owner_id for a in await store.find(second, Action)] == ["second-owner"]
        assert await store.find(second, Action, owner_id="first-owner") == []
        assert await store.get(first, Team, "g1") == make_team("g1", name="First")
        assert await store.get(second, Team, "g1") == make_team("g1", name="Second")
        assert await store.get(second, ScheduledJob, "only-in-first") is None
        assert await store.find(second, ScheduledJob) == []

    async def test_update_through_one_partition_does_not_see_the_other(self, store: Store) -> None:
        first = team_key("g1", tenant_key("t1", "teams"))
        second = team_key("g1", tenant_key("t1", "slack"))
        await store.put(first, make_job("job-1", attempts=5))
        seen: list[ScheduledJob | None] = []

        def create(current: ScheduledJob | None) -> ScheduledJob:
            seen.append(current)
            return make_job("job-1", attempts=0)

        await store.update(second, ScheduledJob, "job-1", create)

        assert seen == [None]
        assert await store.get(first, ScheduledJob, "job-1") == make_job("job-1", attempts=5)
        assert await store.get(second, ScheduledJob, "job-1") == make_job("job-1", attempts=0)

    async def test_isolation_holds_after_reopen(self, make_store: MakeStore) -> None:
        teams_key = assessment_key("a-1", team_key("g1", tenant_key("t1", "teams")))
        slack_key = assessment_key("a-1", team_key("g1", tenant_key("t1", "slack")))
        other_tenant_key = assessment_key("a-1", team_key("g1", tenant_key("t2", "teams")))
        async with make_store() as store:
            await store.record_answer(teams_key, answer(evidence="teams"))
            await store.record_answer(slack_key, answer(evidence="slack"))
            await store.record_answer(other_tenant_key, answer(evidence="tenant two"))

        async with make_store() as reopened:
            assert [r.evidence for r in await reopened.responses(teams_key)] == ["teams"]
            assert [r.evidence for r in await reopened.responses(slack_key)] == ["slack"]
            assert [r.evidence for r in await reopened.responses(other_tenant_key)] == ["tenant two"]

    # -- 8. concurrency -----------------------------------------------------

    async def test_concurrent_answers_to_the_same_response_lose_no_revision(self, store: Store) -> None:
        key = assessment_key()
        evidence = [f"evidence {i:03d}" for i in range(200)]

        await asyncio.gather(
            *(store.record_answer(key, answer("4c", "u1", evidence=text, seconds=i)) for i, text in enumerate(evidence))
        )

        stored = await store.get(key.team, Response, response_id("a-1", "4c", "u1"))
        assert stored is not None
        assert len(stored.history) == 199
        seen = Counter([stored.evidence, *(revision.evidence for revision in stored.history)])
        assert seen == Counter(evidence)

    async def test_concurrent_updates_to_one_document_lose_no_increment(self, make_store: MakeStore) -> None:
        team = team_key()
        async with make_store() as store:
            await store.put(team, make_job(attempts=0))

            await asyncio.gather(*(store.update(team, ScheduledJob, "job-1", bump_attempts) for _ in range(200)))

            job = await store.get(team, ScheduledJob, "job-1")
            assert job is not None and job.attempts == 200

        async with make_store() as reopened:
            job = await reopened.get(team, ScheduledJob, "job-1")
            assert job is not None and job.attempts == 200

    async def test_concurrent_answers_from_different_authors_are_all_kept(self, store: Store) -> None:
        key = assessment_key()
        authors = [f"user-{i:03d}" for i in range(200)]

        await asyncio.gather(*(store.record_answer(key, answer("4c", author, rating=RATING_A)) for author in authors))

        found = await store.responses(key)
        assert len(found) == 200
        assert sorted(r.author_id for r in found) == authors
