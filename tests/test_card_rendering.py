"""Every card the bot can send in Teams, rendered by the official Adaptive Cards renderer in headless Chromium.

The cards come from driving the real app over HTTP (tests/card_tour.py). Each is rendered at 360 px, a phone,
with Teams' host config, and must show every button whole, fit its rows, raise no renderer warning, and show
typed text as typed. Without Chromium or the npm packages the rendering tests are skipped with the reason;
in CI (CI=true) they fail instead, so CI can never pass them by skipping.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Any

import pytest

from bot import messages as say
from bot.framework import load_framework
from tests.card_tour import TYPED, Shown, every_card
from tests.renderer.chromium import chromium_page, missing

PHONE = 360
FRAMEWORK = load_framework()


@pytest.fixture(scope="module")
def cards() -> list[Shown]:
    with tempfile.TemporaryDirectory(prefix="reflect-tour-") as data:
        return asyncio.run(every_card(Path(data)))


@pytest.fixture(scope="module")
def reports(cards: list[Shown]) -> list[tuple[Shown, dict[str, Any]]]:
    """Each card with what the real renderer made of it at phone width."""
    reason = missing()
    if reason is not None:
        if os.environ.get("CI", "").lower() not in ("", "0", "false"):
            pytest.fail(f"CI must run the real-renderer test, but {reason}")
        pytest.skip(f"real renderer not available: {reason}")
    return asyncio.run(_render(cards))


async def _render(cards: list[Shown]) -> list[tuple[Shown, dict[str, Any]]]:
    async with chromium_page() as page:
        await page.open_renderer(PHONE + 40)
        return [(shown, await page.call("inspect", shown.card, PHONE)) for shown in cards]


def _found(reports: list[tuple[Shown, dict[str, Any]]], key: str) -> list[str]:
    return [f"{shown.title}: {problem}" for shown, report in reports for problem in report[key]]


def test_the_tour_reaches_every_kind_of_card_the_bot_sends(cards: list[Shown]) -> None:
    titles = {shown.title for shown in cards}
    assert {
        "Welcome to Reflect", "What you can type", "What are you assessing?", "Is this strategic or operational work?",
        "Is it at system or place level?", "Are you looking back or planning ahead?", "Choose a phase",
        "Your open actions", "Action for 1a", "Your done and dropped actions", "A new action for you",
        "Your assessments",
    } <= titles
    assert {"New due date for", "Who should own", "A note on"} <= {title.split(":")[0] for title in titles}
    for section in FRAMEWORK.sections:
        heading = f"{section.code} {section.title}"
        assert {heading, f"Any evidence for {heading}?", f"Next steps for {heading}"} <= titles, heading
    assert {f"{phase.name} phase: summary" for phase in FRAMEWORK.phases} <= titles
    assert {shown.how for shown in cards} == {"send", "update"}


def test_the_tour_reaches_every_check_in_card(cards: list[Shown]) -> None:
    group = "Working group"
    assert {
        f"Check-in for {group}", f"Check-in for {group}: open", "Which group should I check in with?",
        f"{group}: quick-win check-in", f"{group} · check-in results", f"{group}: check-in, who did not answer",
    } <= {shown.title for shown in cards}


def test_the_tour_reaches_every_kind_of_working_group_card(cards: list[Shown]) -> None:
    """Group, invitation, results, agreeing, participation, status, the digest's headline, thread and leads' list."""
    titles = {shown.title for shown in cards}
    group = say.DEFAULT_GROUP_NAME
    assert {
        group, say.GROUPS_TITLE, say.INVITE_TITLE.format(name=group), say.RESULTS_TITLE.format(phase="Check"),
        say.RATIONALE_TITLE.format(level="Developing", code="1a"), say.PARTICIPATION_TITLE.format(name=group),
        say.STATUS_TITLE.format(name=group), say.DIGEST_TITLE_ASKED.format(name=group), say.ATTENTION_TITLE,
        say.PROGRESS_TITLE, say.CHANGES_TITLE_FIRST, say.NON_RESPONDERS_TITLE.format(name=group),
    } <= titles
    assert any(title.startswith("Agree a level for 1a") for title in titles)
    assert any(title.startswith("Your answers ·") for title in titles)
    digest_updates = {shown.title for shown in cards if shown.how == "update"}
    assert {say.DIGEST_TITLE_ASKED.format(name=group), say.PROGRESS_TITLE} <= digest_updates


def test_every_card_message_carries_its_title_as_the_notification_summary(cards: list[Shown]) -> None:
    """The fallback text starts with the title as typed, before any escaping for markdown."""
    assert all(shown.summary for shown in cards)
    assert [shown.summary for shown in cards if shown.card["fallbackText"].split("\n")[0] != shown.summary] == []


def test_the_renderer_reports_no_warning_or_parse_error_for_any_card(reports: list[tuple[Shown, dict[str, Any]]]) -> None:
    assert len(reports) > 100
    assert _found(reports, "warnings") == []


def test_no_action_set_holds_more_than_six_buttons_or_runs_off_a_phone_screen(
    reports: list[tuple[Shown, dict[str, Any]]],
) -> None:
    assert _found(reports, "overflow") == []


def test_every_button_label_shows_whole_at_phone_width(reports: list[tuple[Shown, dict[str, Any]]]) -> None:
    assert _found(reports, "cut") == []


def test_no_text_is_formatted_as_markdown_and_typed_text_shows_exactly_as_typed(
    reports: list[tuple[Shown, dict[str, Any]]],
) -> None:
    assert _found(reports, "markdown") == []
    showing_typed = [shown.title for shown, report in reports if TYPED in report["text"]]
    assert any(title.startswith("Any evidence for") for title in showing_typed)
    assert any(title.startswith("Action for") for title in showing_typed)
    assert "Is this strategic or operational work?" in showing_typed
    assert "Your open actions" in showing_typed
    assert {"Your assessments", "Choose a phase"} <= set(showing_typed)
