"""Assessment rules called directly over a store, with no HTTP and no conversation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.errors import InvalidInput, NotFound
from bot.framework import Level, load_framework
from bot.keys import AssessmentKey, TeamKey, TenantKey
from bot.models import NOT_SURE, Assessment, Response, Scope, ScopeDraft
from bot.services import assessments
from bot.store import Store

FRAMEWORK = load_framework()
TEAM = TeamKey(TenantKey("teams", "tenant-a"), "user:ada")
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
PREPARE = FRAMEWORK.phase("Prepare")


def _scope(subject: str = "Diabetes prevention") -> Scope:
    return Scope(subject=subject, focus="strategic", footprint="place", stance="looking_back")


async def test_a_repeat_on_the_same_subject_in_any_case_is_the_next_cycle(store: Store) -> None:
    first = await assessments.start(store, TEAM, "ada", _scope("Diabetes prevention"), NOW)
    second = await assessments.start(store, TEAM, "ada", _scope("DIABETES PREVENTION"), NOW + timedelta(days=90))
    other_subject = await assessments.start(store, TEAM, "ada", _scope("Whole system"), NOW)
    other_owner = await assessments.start(store, TEAM, "bea", _scope("Diabetes prevention"), NOW)

    assert (first.cycle, second.cycle, other_subject.cycle, other_owner.cycle) == (1, 2, 1, 1)
    assert await store.get(TEAM, Assessment, second.id) == second


async def test_the_latest_open_assessment_is_the_newest_one_still_open(store: Store) -> None:
    older = await assessments.start(store, TEAM, "ada", _scope(), NOW)
    newer = await assessments.start(store, TEAM, "ada", _scope("Other"), NOW + timedelta(days=1))
    await store.put(TEAM, newer.model_copy(update={"status": "closed"}))
    await assessments.start(store, TEAM, "bea", _scope(), NOW + timedelta(days=2))

    assert await assessments.latest_open(store, TEAM, "ada") == older
    assert await assessments.latest_open(store, TEAM, "cyd") is None


async def test_newest_lists_open_and_closed_assessments_newest_first_up_to_the_limit(store: Store) -> None:
    made = [await assessments.start(store, TEAM, "ada", _scope(f"S{n}"), NOW + timedelta(days=n)) for n in range(3)]
    await store.put(TEAM, made[2].model_copy(update={"status": "closed"}))

    assert [a.id for a in await assessments.newest(store, TEAM, "ada", 2)] == [made[2].id, made[1].id]


async def test_an_assessment_from_another_partition_is_not_found(store: Store) -> None:
    mine = await assessments.start(store, TEAM, "ada", _scope(), NOW)
    elsewhere = TeamKey(TenantKey("teams", "tenant-b"), "user:ada")

    assert await assessments.find(store, TEAM, mine.id) == mine
    with pytest.raises(NotFound):
        await assessments.find(store, elsewhere, mine.id)


async def test_rating_again_keeps_the_earlier_rating_as_a_revision(store: Store) -> None:
    key = AssessmentKey(TEAM, (await assessments.start(store, TEAM, "ada", _scope(), NOW)).id)
    await assessments.rate(store, key, "ada", "4a", Level.DEVELOPING, NOW)
    response = await assessments.rate(store, key, "ada", "4a", NOT_SURE, NOW + timedelta(minutes=1))

    assert response.rating == NOT_SURE
    assert [revision.rating for revision in response.history] == [Level.DEVELOPING]
    assert await assessments.rated(store, key, "ada", "4a") == response


async def test_evidence_needs_a_rating_first_and_nothing_is_written_without_one(store: Store) -> None:
    key = AssessmentKey(TEAM, (await assessments.start(store, TEAM, "ada", _scope(), NOW)).id)

    with pytest.raises(InvalidInput):
        await assessments.add_evidence(store, key, "ada", "4a", "Forum minutes", NOW)
    with pytest.raises(InvalidInput):
        await assessments.rated(store, key, "ada", "4a")
    assert await store.find(TEAM, Response) == []

    await assessments.rate(store, key, "ada", "4a", Level.MATURING, NOW)
    response = await assessments.add_evidence(store, key, "ada", "4a", "Forum minutes", NOW)
    assert (response.rating, response.evidence) == (Level.MATURING, "Forum minutes")


async def test_answers_are_one_persons_and_only_ratings_count_as_answered(store: Store) -> None:
    key = AssessmentKey(TEAM, (await assessments.start(store, TEAM, "ada", _scope(), NOW)).id)
    await assessments.rate(store, key, "ada", "4a", Level.EMERGING, NOW)
    await assessments.rate(store, key, "bea", "4b", Level.EMERGING, NOW)

    mine = await assessments.answers(store, key, "ada")

    assert set(mine) == {"4a"}
    assert assessments.answered(mine) == {"4a"}


def test_the_next_unanswered_section_comes_after_the_given_one_and_wraps_round() -> None:
    codes = [section.code for section in PREPARE.sections]
    assert codes == ["4a", "4b", "4c"]

    def after(answered: set[str], current: str | None) -> str | None:
        found = assessments.next_unanswered(PREPARE, answered, current)
        return found.code if found else None

    assert after(set(), None) == "4a"
    assert after(set(), "4b") == "4c"
    assert after(set(), "4c") == "4a"
    assert after({"4c"}, "4b") == "4a"
    assert after({"4a", "4c"}, "4b") is None
    assert after({"4a", "4b", "4c"}, None) is None


def test_the_previous_section_stops_at_the_first_and_defaults_to_the_last() -> None:
    assert assessments.previous(PREPARE, "4b").code == "4a"
    assert assessments.previous(PREPARE, "4a").code == "4a"
    assert assessments.previous(PREPARE, None).code == "4c"


def test_progress_counts_answered_sections_in_every_phase_in_loop_order() -> None:
    progress = assessments.progress(FRAMEWORK, {"1a", "1c", "4b"})

    assert [(p.phase.name, p.answered, p.total) for p in progress] == [
        ("Check", 2, 4), ("Challenge", 0, 3), ("Plan", 0, 3), ("Prepare", 1, 3),
        ("Engage", 0, 3), ("Involve", 0, 3), ("Evaluate", 0, 3),
    ]


async def test_progress_of_reads_one_persons_stored_ratings(store: Store) -> None:
    key = AssessmentKey(TEAM, (await assessments.start(store, TEAM, "ada", _scope(), NOW)).id)
    await assessments.rate(store, key, "ada", "4a", Level.EMERGING, NOW)
    await assessments.rate(store, key, "bea", "4b", Level.EMERGING, NOW)

    progress = await assessments.progress_of(store, FRAMEWORK, key, "ada")

    assert {p.phase.name: p.answered for p in progress if p.answered} == {"Prepare": 1}


def test_scope_questions_offer_the_models_choices_and_the_subject_is_free_text() -> None:
    assert assessments.SCOPE_FIELDS == ("subject", "focus", "footprint", "stance")
    assert assessments.scope_options("subject") == ()
    assert assessments.scope_options("focus") == ("strategic", "operational")
    assert assessments.scope_options("stance") == ("looking_back", "planning_ahead")


def test_scope_answers_fill_the_draft_in_order_and_refuse_a_choice_not_offered() -> None:
    draft = assessments.answer_scope(None, "focus", "operational")
    assert assessments.open_scope_question(draft) == "subject"
    draft = assessments.answer_scope(draft, "subject", "Whole system")
    assert assessments.open_scope_question(draft) == "footprint"
    with pytest.raises(InvalidInput):
        assessments.answer_scope(draft, "footprint", "galaxy")
    draft = assessments.answer_scope(assessments.answer_scope(draft, "footprint", "system"), "stance", "planning_ahead")
    assert assessments.open_scope_question(draft) is None
    assert draft == ScopeDraft(subject="Whole system", focus="operational", footprint="system", stance="planning_ahead")


def test_an_unknown_section_code_is_bad_input() -> None:
    assert assessments.section(FRAMEWORK, "4B").code == "4b"
    with pytest.raises(InvalidInput):
        assessments.section(FRAMEWORK, "9z")
