"""The Slack Web API client shares one HTTP session for the app's lifetime and closes it at shutdown."""

from __future__ import annotations

from pathlib import Path

from app import SLACK_WEB
from tests.slack_harness import SlackUser, running_slack_bot


async def test_web_api_calls_share_one_connection_and_the_session_closes_at_shutdown(tmp_path: Path) -> None:
    async with running_slack_bot(tmp_path / "data") as slack:
        person = SlackUser(slack)
        await person.dm("help")
        await person.dm("help")
        first, second = [call for call in slack.api.requests if call.method == "chat.postMessage"]
        session = slack.app[SLACK_WEB].session
        assert session is not None and not session.closed

    assert first.peer is not None and second.peer == first.peer
    assert session.closed
