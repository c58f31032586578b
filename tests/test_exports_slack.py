"""Exports in Slack over HTTP: files_upload_v2 into the person's DM or the group's thread, spreadsheets guarded
against formula injection, and who may export a group's assessment."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from pathlib import Path

import openpyxl
import pytest

from adapters.exports import service
from adapters.store.memory import MemoryStore
from tests.export_files import ticked
from tests.group_harness import unpaced
from tests.slack_harness import RunningSlackBot, SlackUser, running_slack_bot, start_group

FORUM = "C0FORUM"
MEMBERS = {FORUM: ["U0001", "U0002", "U0003", "UREFLECTBOT"]}
INJECTED = "=HYPERLINK(\"https://evil.example\",\"click\")"


@pytest.fixture
async def bot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RunningSlackBot]:
    unpaced(monkeypatch)
    async with running_slack_bot(tmp_path / "data", members=MEMBERS, store=MemoryStore()) as running:
        yield running


async def _rated(me: SlackUser) -> None:
    (subject,) = await me.dm("start")
    (focus,) = await me.tap(subject, "Whole system")
    (footprint,) = await me.tap(focus, "Strategic")
    (stance,) = await me.tap(footprint, "Place")
    (phases,) = await me.tap(stance, "Planning new work")
    (section,) = await me.tap(phases, "Check · 0/4")
    (evidence,) = await me.tap(section, "Maturing")
    await me.type_into(evidence, "Save evidence", INJECTED)


def _uploads(bot: RunningSlackBot) -> list[tuple[dict[str, object], bytes]]:
    """Each completed upload's conversation (and thread) with the bytes uploaded for it."""
    return [
        ({"channel_id": f.channel, **({"thread_ts": f.thread_ts} if f.thread_ts else {})}, f.content)
        for f in bot.api.files.shared
    ]


async def test_a_word_export_is_uploaded_into_the_dm_and_ticks_the_stored_rating(bot: RunningSlackBot) -> None:
    me = bot.user(user="U0001")
    await _rated(me)
    await me.dm("export word")

    ((completed, docx),) = _uploads(bot)
    assert completed["channel_id"] == "DU0001" and "thread_ts" not in completed
    assert ticked(docx)["1a"] == {3}
    (asked,) = bot.api.calls("files.getUploadURLExternal")
    assert asked["filename"] == "reflect-my-assessment.docx" and int(asked["length"]) == len(docx)


async def test_csv_and_xlsx_have_a_row_per_answer_and_write_formula_like_text_as_text(bot: RunningSlackBot) -> None:
    me = bot.user(user="U0001")
    await _rated(me)
    await me.dm("export csv")
    await me.dm("export xlsx history")

    (_, csv_bytes), (_, xlsx_bytes) = _uploads(bot)
    assert csv_bytes.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(csv_bytes.decode("utf-8-sig"))))
    (answer,) = [row for row in rows if row["Row"] == "answer"]
    assert answer["Rating"] == "Maturing" and answer["Evidence"] == "'" + INJECTED
    book = openpyxl.load_workbook(io.BytesIO(xlsx_bytes))
    header, row = list(book["Answers"].iter_rows())
    assert row[3].value == INJECTED and row[3].data_type == "s" and row[3].quotePrefix
    assert "Earlier versions" in book.sheetnames


async def test_a_lead_exports_into_the_groups_thread_and_a_member_only_once_shared(bot: RunningSlackBot) -> None:
    lead = await start_group(bot, FORUM)
    member = bot.user(user="U0002")

    refused = await member.mention(FORUM, "export xlsx")
    assert any("for its leads" in message.text for message in refused) and _uploads(bot) == []
    told = await lead.mention(FORUM, "export xlsx")
    ((privately, _),) = _uploads(bot)
    assert privately["channel_id"] == "DU0001" and "thread_ts" not in privately
    assert any("in a direct message" in message.text for message in told)

    (card,) = [message for message in await lead.mention(FORUM, "group") if "Share results" in message.buttons()]
    await lead.tap(card, "Share results")
    await lead.mention(FORUM, "export word")
    await member.mention(FORUM, "export csv")
    assert [(call["channel_id"], call.get("thread_ts")) for call, _ in _uploads(bot)] == [
        ("DU0001", None), (FORUM, "1.2"), (FORUM, "1.2")
    ]


async def test_a_personal_export_asked_for_in_a_channel_goes_only_to_the_persons_dm(bot: RunningSlackBot) -> None:
    await start_group(bot, FORUM)
    me = bot.user(user="U0002")
    await _rated(me)
    await me.mention(FORUM, "export word mine")
    ((completed, docx),) = _uploads(bot)
    assert completed["channel_id"] == "DU0002" and ticked(docx)["1a"] == {3}


async def test_someone_outside_the_group_gets_nothing_from_its_channel(bot: RunningSlackBot) -> None:
    await start_group(bot, FORUM)
    outsider = bot.user(user="U0009")
    refused = await outsider.mention(FORUM, "export word")
    assert _uploads(bot) == [] and any("not a member" in message.text for message in refused)


async def test_without_the_pdf_extra_a_pdf_export_is_politely_refused_and_word_still_works(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "pdf_installed", lambda: False)
    async with running_slack_bot(tmp_path / "data", store=MemoryStore()) as bot:
        me = bot.user(user="U0001")
        await _rated(me)
        (refused,) = await me.dm("export pdf")
        await me.dm("export word")

        assert "PDF and HTML reports are not installed" in refused.text and "reflect-bot[pdf]" in refused.text
        assert [call["channel_id"] for call, _ in _uploads(bot)] == ["DU0001"]


async def test_the_html_report_has_every_phase_and_its_charts_as_svg_with_alternative_text(bot: RunningSlackBot) -> None:
    me = bot.user(user="U0001")
    await _rated(me)
    await me.dm("export html")

    ((completed, html_bytes),) = _uploads(bot)
    html = html_bytes.decode()
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en-GB">' in html
    assert all(f"Phase {n}: {name}" in html for n, name in enumerate(
        ("Check", "Challenge", "Plan", "Prepare", "Engage", "Involve", "Evaluate"), start=1))
    charts = html.count('<img src="data:image/svg+xml;base64,')
    assert charts == 3 and html.count(' alt="') == charts
    assert "Maturing" in html and "&quot;https://evil.example&quot;" in html
