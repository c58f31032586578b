"""Exports in Teams over HTTP: the offer in a personal chat, the single-use download link and its refusals, the
file-consent flow, and who may export a group's assessment."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest

from adapters.http import EXPORTER, STORE
from bot.framework import Level
from bot.keys import AssessmentKey, TeamKey, TenantKey
from tests.export_files import need_pdf_tools, pdf_text_and_page, ticked
from tests.group_harness import TEAM, command, in_channel, set_up, unpaced
from tests.harness import RunningBot, TeamsChat, running_bot
from tests.manual_clock import ManualClock

ALICE_SPACE = TeamKey(TenantKey("teams", "tenant-a"), "user:29:alice")
RATINGS = {"1a": 2, "1b": 4, "2a": 1, "4c": 3}
CONSENT = "application/vnd.microsoft.teams.card.file.consent"


@pytest.fixture
async def bot(tmp_path: Path, clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[RunningBot]:
    unpaced(monkeypatch)
    async with running_bot(tmp_path / "data", clock=clock) as running:
        yield running


async def _rated(chat: TeamsChat, evidence: str = "Forum minutes") -> str:
    """A personal assessment with a few sections rated through card submits; returns its id."""
    (subject,) = await chat.say("start")
    (focus,) = await chat.tap(subject, "Whole system")
    (footprint,) = await chat.tap(focus, "Strategic")
    (stance,) = await chat.tap(footprint, "Place")
    (phases,) = await chat.tap(stance, "Planning new work")
    assessment = str(phases.submits()["Prepare · 0/3"]["assessment"])
    for code, level in RATINGS.items():
        await chat.submit({"intent": "rate", "assessment": assessment, "section": code, "level": level, "v": 1})
    await chat.submit({"intent": "evidence", "assessment": assessment, "section": "1a", "text": evidence, "v": 1})
    return assessment


def _offer(sent: list[Any]) -> tuple[str, dict[str, Any]]:
    """The download link's path and the file-consent attachment from an export's two messages (other messages, such
    as a group's invitation the scheduler sends meanwhile, are passed over)."""
    (url,) = [
        action["url"] for message in sent if message.card for row in message.card["body"] if row["type"] == "ActionSet"
        for action in row["actions"] if action["type"] == "Action.OpenUrl"
    ]
    (attachment,) = [a for message in sent for a in message.body.get("attachments") or [] if a["contentType"] == CONSENT]
    return urlsplit(url).path, attachment


async def _download(bot: RunningBot, path: str, method: str = "POST") -> tuple[int, bytes, str]:
    async with aiohttp.ClientSession() as session, session.request(method, f"{bot.url}{path}") as reply:
        return reply.status, await reply.read(), reply.headers.get("Content-Type", "")


async def test_a_word_export_ticks_the_stored_ratings_and_its_link_works_once(bot: RunningBot) -> None:
    chat = bot.chat()
    assessment = await _rated(chat)
    path, consent = _offer(await chat.say("export word"))

    status, page, _ = await _download(bot, path, "GET")
    assert status == 200 and b"<form" in page
    status, docx, kind = await _download(bot, path)
    assert status == 200 and kind.startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    stored = {r.section: r.rating for r in await bot.app[STORE].responses(AssessmentKey(ALICE_SPACE, assessment))}
    assert {code: levels for code, levels in ticked(docx).items() if levels} == {
        code: {int(rating)} for code, rating in stored.items() if isinstance(rating, Level)
    }
    assert consent["content"]["sizeInBytes"] > 0 and consent["name"].endswith(".docx")
    status, again, _ = await _download(bot, path)
    assert status == 410 and b"already been used" in again


async def test_an_expired_altered_or_missing_link_is_refused_with_a_page_not_a_file(
    bot: RunningBot, clock: ManualClock
) -> None:
    chat = bot.chat()
    await _rated(chat)
    path, _ = _offer(await chat.say("export csv"))
    body, mac = path.rsplit("/", 1)[1].split(".")
    altered = f"/exports/{body[:-2]}{'A' if body[-2] != 'A' else 'B'}{body[-1]}.{mac}"

    assert (await _download(bot, altered))[0] == 403
    assert (await _download(bot, "/exports/not-a-token"))[0] == 403
    clock.advance(timedelta(minutes=10, seconds=1))
    status, page, kind = await _download(bot, path)
    assert status == 410 and b"expired" in page and kind.startswith("text/html")


async def test_a_pdf_export_renders_and_its_text_layer_has_the_phases_and_ratings(bot: RunningBot, tmp_path: Path) -> None:
    need_pdf_tools()
    chat = bot.chat()
    await _rated(chat)
    path, _ = _offer(await chat.say("export pdf"))
    status, pdf, kind = await _download(bot, path)
    assert status == 200 and kind == "application/pdf" and pdf.startswith(b"%PDF")

    text = pdf_text_and_page(pdf, tmp_path)
    for phase in ("Check", "Challenge", "Plan", "Prepare", "Engage", "Involve", "Evaluate"):
        assert f"Phase {[*'1234567'][['Check', 'Challenge', 'Plan', 'Prepare', 'Engage', 'Involve', 'Evaluate'].index(phase)]}: {phase}" in text
    for level in ("Developing", "Thriving", "Emerging", "Maturing"):
        assert level in text
    assert "Forum minutes" in text


def _consent(chat: TeamsChat, attachment: dict[str, Any], action: str, upload_url: str) -> dict[str, Any]:
    body = chat.submission({})
    body.pop("value")
    body.update(type="invoke", name="fileConsent/invoke", value={
        "type": "fileUpload", "action": action, "context": attachment["content"]["acceptContext"],
        "uploadInfo": {"contentUrl": "https://contoso.example/file.docx", "name": attachment["name"],
                       "uploadUrl": upload_url, "uniqueId": "u-1", "fileType": "docx"},
    })
    return body


async def _invoke(bot: RunningBot, body: dict[str, Any]) -> tuple[int, list[str]]:
    """Post an invoke; its HTTP status is the invoke's answer. Returns it and the texts the bot sent meanwhile."""
    before = len(bot.connector.requests)
    status = await bot.post(body)
    return status, [r.body.get("text") or "" for r in bot.connector.requests[before:] if r.kind == "send"]


async def test_accepting_the_file_offer_uploads_it_and_sends_a_file_card_once(bot: RunningBot) -> None:
    chat = bot.chat()
    await _rated(chat)
    _, attachment = _offer(await chat.say("export word"))

    (info,) = await chat.post(_consent(chat, attachment, "accept", bot.connector.upload_url("mine")))
    headers, uploaded = bot.connector.uploads["mine"]
    assert ticked(uploaded)["1b"] == {4}
    assert headers["Content-Range"] == f"bytes 0-{len(uploaded) - 1}/{len(uploaded)}"
    (card,) = info.body["attachments"]
    assert card["contentType"] == "application/vnd.microsoft.teams.card.file.info"
    assert card["content"] == {"uniqueId": "u-1", "fileType": "docx"}

    status, (again,) = await _invoke(bot, _consent(chat, attachment, "accept", bot.connector.upload_url("twice")))
    assert status == 403 and "not made for you, or has expired" in again and "twice" not in bot.connector.uploads


async def test_declining_saves_nothing_and_another_person_cannot_accept_the_offer(bot: RunningBot) -> None:
    alice = bot.chat()
    await _rated(alice)
    _, first = _offer(await alice.say("export word"))
    _, second = _offer(await alice.say("export xlsx"))
    mallory = bot.chat(user="29:mallory")

    status, (refused,) = await _invoke(bot, _consent(mallory, first, "accept", bot.connector.upload_url("stolen")))
    (declined,) = await alice.post(_consent(alice, second, "decline", bot.connector.upload_url("declined")))

    assert status == 403 and "not made for you" in refused
    assert "won't save the file" in (declined.text or "")
    assert bot.connector.uploads == {}
    await alice.post(_consent(alice, first, "accept", bot.connector.upload_url("alice")))
    assert "alice" in bot.connector.uploads


def _texts(sent: list[Any]) -> str:
    """Every plain text the bot sent in a turn (the scheduler may send someone an invitation meanwhile)."""
    return " ".join(message.text or "" for message in sent)


async def _open_group_in_personal_chat(bot: RunningBot, user: str) -> TeamsChat:
    chat = bot.chat(user=user)
    (listed,) = [sent for sent in await chat.say("groups") if sent.title == "Your working groups"]
    (label,) = listed.submits()
    await chat.tap(listed, label)
    return chat


async def test_group_exports_are_for_leads_and_for_members_once_the_lead_shares(bot: RunningBot) -> None:
    lead = await set_up(bot)
    member = in_channel(bot, "29:bob")
    assert "for its leads" in _texts(await command(member, "export word"))
    assert "only in a private chat" in _texts(await command(lead, "export word"))

    bob = await _open_group_in_personal_chat(bot, "29:bob")
    assert "for its leads" in _texts(await bob.say("export xlsx"))
    alice = await _open_group_in_personal_chat(bot, "29:alice")
    path, _ = _offer(await alice.say("export word"))
    assert (await _download(bot, path))[0] == 200

    await lead.submit({"intent": "share", "group": TEAM, "share": True, "v": 1})
    path, _ = _offer(await bob.say("export csv"))
    status, csv, _ = await _download(bot, path)
    assert status == 200 and csv.startswith("\ufeffRow".encode())


async def test_a_link_made_for_a_lead_is_refused_once_they_are_no_longer_one(bot: RunningBot) -> None:
    lead = await set_up(bot)
    await lead.submit({"intent": "share", "group": TEAM, "share": True, "v": 1})
    bob = await _open_group_in_personal_chat(bot, "29:bob")
    path, _ = _offer(await bob.say("export word"))
    await command(lead, "remove", "29:bob")

    status, page, _ = await _download(bot, path)
    assert status == 403 and b"not a member" in page


async def test_export_offers_the_formats_and_someone_with_nothing_to_export_is_told_how_to_start(bot: RunningBot) -> None:
    chat = bot.chat()
    (nothing,) = await chat.say("export")
    assert "no assessment to export" in (nothing.text or "")
    await _rated(chat)
    (menu,) = await chat.say("export")
    assert list(menu.submits()) == ["Word", "PDF report", "Excel", "CSV", "HTML report", "Excel with history"]
    sent = await chat.tap(menu, "Excel with history")
    assert len(sent) == 2
    (how,) = await chat.say("export spreadsheet please")
    assert "export word" in (how.text or "")


async def test_a_fault_while_making_the_file_is_a_503_page_and_leaves_the_link_usable(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    chat = bot.chat()
    await _rated(chat)
    path, _ = _offer(await chat.say("export csv"))
    exporter = bot.app[EXPORTER]
    working = exporter.make

    async def broken(request: object) -> None:
        raise RuntimeError("the export process died")

    monkeypatch.setattr(exporter, "make", broken)
    status, page, kind = await _download(bot, path)
    assert status == 503 and b"be made" in page and kind.startswith("text/html")
    monkeypatch.setattr(exporter, "make", working)
    assert (await _download(bot, path))[0] == 200
