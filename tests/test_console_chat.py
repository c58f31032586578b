"""`python app.py chat`: the real bot and store in a terminal, driven through its input and output streams."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

from adapters.console.adapter import ConsoleAdapter
from adapters.render import render
from adapters.store.tinydb import TinyDBStore
from bot.framework import Level, load_framework
from bot.keys import TeamKey, TenantKey
from bot.models import Action, Assessment, Response
from adapters.pipeline import ReflectBot
from tests.harness import NOW

REPO = Path(__file__).resolve().parent.parent
CONSOLE_SPACE = TeamKey(TenantKey("console", "local"), "user:ada")


async def _lines(*lines: str) -> AsyncIterator[str]:
    for line in lines:
        yield line + "\n"


async def test_a_console_chat_rates_a_section_into_the_same_store(tmp_path: Path) -> None:
    out = io.StringIO()
    async with TinyDBStore(tmp_path / "data") as store:
        bot = ReflectBot(store, load_framework(), clock=lambda: NOW, render=render)
        await ConsoleAdapter("ada", out, clock=lambda: NOW).run(
            bot, _lines("1", "Community diabetes checks", "2", "1", "2", "phase 7", "4", "Survey of 300 residents", "quit")
        )
        (assessment,) = await store.find(CONSOLE_SPACE, Assessment)
        (response,) = await store.find(CONSOLE_SPACE, Response)

    screen = out.getvalue()
    assert screen.startswith("Welcome to Reflect\n")
    assert "7a Planning evaluation\n[Evaluate · section 1 of 3 · phase 7 of 7]" in screen
    assert "1. Emerging\n2. Developing\n3. Maturing\n4. Thriving\n5. Not sure\n6. Skip for now" in screen
    assert "✓ Evidence saved: Survey of 300 residents" in screen
    assert screen.rstrip().endswith("4. Next section\n5. Change rating")
    assert assessment.scope.subject == "Community diabetes checks"
    assert (response.section, response.rating, response.evidence) == ("7a", Level.THRIVING, "Survey of 300 residents")


def test_the_chat_command_runs_from_a_pipe_and_exits_on_end_of_input(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "app.py"), "chat"],
        input="help\nstart\nquit\n",
        cwd=tmp_path,
        env={**os.environ, "REFLECT_LOCAL_MODE": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 0, result.stderr
    assert "What you can type" in result.stdout
    assert "What are you assessing?" in result.stdout
    assert (tmp_path / "data" / ".lock").exists()


async def test_in_the_console_an_action_is_added_by_typing_and_each_listed_action_has_numbered_buttons(tmp_path: Path) -> None:
    out = io.StringIO()
    async with TinyDBStore(tmp_path / "data") as store:
        bot = ReflectBot(store, load_framework(), clock=lambda: NOW, render=render)
        lines = _lines("hello", "add action Book the venue", "actions", "2", "actions", "1", "quit")
        await ConsoleAdapter("ada", out, clock=lambda: NOW).run(bot, lines)
        (action,) = await store.find(CONSOLE_SPACE, Action)

    screen = out.getvalue()
    assert "1. due 7 Dec 2026 · Open\nBook the venue\n1. Done   2. Started   3. Snooze   4. Due date" in screen
    assert "Marked as in progress." in screen and "Well done: marked as done." in screen
    assert (action.title, action.status, [e.what for e in action.history]) == (
        "Book the venue", "done", ["created", "status", "status"],
    )
