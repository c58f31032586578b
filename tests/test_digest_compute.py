"""The digest and calibration figures, computed from a fixture whose every number was worked out by hand."""

from __future__ import annotations

from dataclasses import replace

from bot.framework import Level, load_framework
from bot.services.calibration import spreads
from bot.models import Team
from bot.services.digest import Digest, Period, compute, focus
from bot.services.shared import Holdings
from tests import group_fixture as fx

FRAMEWORK = load_framework()


def _digest(team: Team = fx.TEAM) -> Digest:
    held = Holdings(fx.ASSESSMENT, fx.RESPONSES, fx.AGREEMENTS, fx.ACTIONS)
    period = Period(since=fx.SINCE, baseline=fx.BASELINE, last_cycle=fx.LAST_CYCLE)
    return compute(FRAMEWORK, team, held, period, fx.NOW, fx.TODAY)


def test_a_section_spread_counts_each_level_and_not_sure_with_former_members_apart() -> None:
    spread = spreads(FRAMEWORK, fx.RESPONSES, frozenset({"F"}))["1a"]

    assert dict(spread.counts) == {Level.EMERGING: 1, Level.DEVELOPING: 2, Level.MATURING: 0, Level.THRIVING: 1}
    assert (spread.not_sure, spread.answered, spread.former) == (1, 5, 1)
    assert (spread.median, spread.low, spread.high, spread.disagreement) == (2.0, Level.EMERGING, Level.THRIVING, True)
    assert [(note.text, note.former) for note in spread.notes] == [("Forum minutes, October", False), ("Survey of carers", True)]


def test_an_even_count_has_a_median_between_two_levels_and_one_step_apart_is_no_disagreement() -> None:
    spread = spreads(FRAMEWORK, fx.RESPONSES, frozenset())["1b"]

    assert (spread.median, spread.disagreement) == (2.5, False)


def test_group_levels_are_agreed_levels_first_then_medians_only_where_enough_members_answered() -> None:
    digest = _digest()

    assert digest.levels == {"1a": 2.0, "1c": 3.0, "1d": 3.0, "4a": 2.0}


def test_participation_counts_current_members_who_answered_every_section_of_each_phase() -> None:
    digest = _digest()
    check, prepare = digest.phases[0], digest.phases[3]

    assert (digest.responded, digest.members) == (4, 5)
    assert (check.complete, check.members, check.rated, check.possible) == (2, 5, 12, 20)
    assert (prepare.complete, prepare.rated, prepare.possible) == (0, 3, 15)
    assert (check.share, prepare.share) == (0.6, 0.2)


def test_a_phase_level_is_the_median_of_its_section_results_with_last_cycles_beside_it() -> None:
    digest = _digest()
    check, prepare = digest.phases[0], digest.phases[3]

    assert (check.level, check.agreed, check.previous) == (3.0, False, 2.0)
    assert (prepare.level, prepare.previous) == (2.0, 2.0)
    assert [line.level for line in digest.phases[4:]] == [None, None, None]


def test_movement_per_section_since_the_last_cycle_names_only_sections_with_a_result_both_times_that_differs() -> None:
    """1a: last cycle Emerging, now median Developing; 1c and 4a unchanged; 1d had no result last cycle."""
    assert _digest().cycle_moves == (("1a", 1.0, 2.0),)


def test_overdue_actions_come_first_by_due_date_then_stalled_ones_then_sections_to_discuss() -> None:
    attention = _digest().attention

    assert [(item.kind, item.title) for item in attention] == [
        ("overdue", "Action 2"), ("overdue", "Action 1"), ("overdue", "Action 6"), ("stalled", "Action 3"),
        ("disagreement", "1a"),
    ]
    assert [item.owner.name if item.owner else None for item in attention] == ["Ben", "Asha", "Finn", "Cara", None]


def test_changes_since_the_last_digest_count_new_and_changed_answers_levels_and_actions_done() -> None:
    digest = _digest()

    assert (digest.changes.new_answers, digest.changes.changed_answers, digest.changes.actions_done) == (3, 1, 1)
    assert digest.changes.levels == (("1c", 2.0, 3.0), ("1d", None, 3.0), ("4a", None, 2.0))
    assert [action.id for action in digest.quick_wins] == ["act-4"]


def test_non_responders_are_current_members_without_a_single_rating() -> None:
    assert [member.user_id for member in _digest().non_responders] == ["E"]


def test_the_focus_is_the_least_answered_phase_without_a_level_until_every_phase_has_one() -> None:
    digest = _digest()
    levels = {"Check": 2.0, "Prepare": 2.0}
    levelled = [replace(line, level=levels.get(line.phase.name, 3.0)) for line in digest.phases]

    assert digest.focus is not None and (digest.focus.phase.name, digest.focus.reason) == ("Challenge", "least_answered")
    lowest = focus(levelled)
    assert lowest is not None and (lowest.phase.name, lowest.reason) == ("Prepare", "lowest")


def test_a_lower_minimum_shows_figures_for_a_section_fewer_members_answered() -> None:
    digest = _digest(fx.TEAM.model_copy(update={"min_answers": 2}))

    assert digest.levels["1b"] == 2.5
