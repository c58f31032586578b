"""The Teams app package: a manifest the official 1.25 schema accepts, built with this bot's App ID, icons at the root."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft4Validator
from PIL import Image

from bot.config import TeamsAppSettings, load_teams_app_settings
from bot.errors import ConfigError
from bot.messages import HELP_LINES
from teams_app.package import TEMPLATE, build_manifest, write_package
from tests.harness import running_bot

REPO = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((REPO / "teams_app/schema/MicrosoftTeams.v1.25.schema.json").read_text(encoding="utf-8"))
APP_ID = "6f1c2b9e-3d4a-4c8b-9e21-0a7b5c3d9f10"
PACKAGE_VARIABLES = (
    "MICROSOFT_APP_ID", "TEAMS_APP_VERSION", "TEAMS_APP_DEVELOPER_NAME", "TEAMS_APP_WEBSITE_URL",
    "TEAMS_APP_PRIVACY_URL", "TEAMS_APP_TERMS_URL",
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No package variables from the developer's shell or .env file leak into these tests."""
    for name in PACKAGE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def _settings(**overrides: str) -> TeamsAppSettings:
    return TeamsAppSettings(_env_file=None, MICROSOFT_APP_ID=APP_ID, **overrides)  # type: ignore[call-arg]


def _schema_errors(manifest: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, error.path))}: {error.message}" for error in Draft4Validator(SCHEMA).iter_errors(manifest)]


def _unpacked(tmp_path: Path, settings: TeamsAppSettings) -> zipfile.ZipFile:
    return zipfile.ZipFile(write_package(settings, tmp_path / "out" / "reflect.zip"))


def test_the_kept_schema_is_the_official_draft_04_schema_for_manifest_1_25() -> None:
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert SCHEMA["properties"]["manifestVersion"]["const"] == "1.25"
    assert "tier1" in SCHEMA["properties"]["supportsChannelFeatures"]["enum"]


def test_the_built_manifest_passes_the_official_schema() -> None:
    manifest = build_manifest(_settings())
    assert _schema_errors(manifest) == []
    assert manifest["manifestVersion"] == "1.25"


def test_the_schema_check_catches_a_broken_manifest() -> None:
    manifest = build_manifest(_settings())
    manifest["name"]["short"] = "A name far longer than the thirty characters Teams allows"
    manifest["bots"][0]["scopes"] = ["personal", "meetings"]
    del manifest["developer"]["privacyUrl"]
    assert len(_schema_errors(manifest)) == 3


def test_the_app_and_its_bot_carry_the_configured_app_id_and_version() -> None:
    manifest = build_manifest(_settings(TEAMS_APP_VERSION="2.3.4"))
    assert manifest["id"] == manifest["bots"][0]["botId"] == APP_ID
    assert manifest["version"] == "2.3.4"
    assert APP_ID not in TEMPLATE.read_text(encoding="utf-8")


def test_developer_and_privacy_links_come_from_settings() -> None:
    manifest = build_manifest(
        _settings(
            TEAMS_APP_DEVELOPER_NAME="Northtown ICS",
            TEAMS_APP_WEBSITE_URL="https://ics.example.nhs.uk/reflect",
            TEAMS_APP_PRIVACY_URL="https://ics.example.nhs.uk/privacy",
            TEAMS_APP_TERMS_URL="https://ics.example.nhs.uk/terms",
        )
    )
    assert manifest["developer"] == {
        "name": "Northtown ICS",
        "websiteUrl": "https://ics.example.nhs.uk/reflect",
        "privacyUrl": "https://ics.example.nhs.uk/privacy",
        "termsOfUseUrl": "https://ics.example.nhs.uk/terms",
    }


def test_the_bot_works_in_personal_chats_teams_and_group_chats_including_private_and_shared_channels() -> None:
    manifest = build_manifest(_settings())
    (bot,) = manifest["bots"]
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    assert manifest["supportsChannelFeatures"] == "tier1"
    assert bot["isNotificationOnly"] is False
    assert bot["supportsFiles"] is True, "my data's file-consent cards need the bot to support files in personal chat"


def test_every_scope_lists_exactly_the_commands_from_the_help_text() -> None:
    (command_list,) = build_manifest(_settings())["bots"][0]["commandLists"]
    typed = [line.split(":", 1)[0].split()[0] for line in HELP_LINES]
    assert command_list["scopes"] == ["personal", "team", "groupChat"]
    assert [command["title"] for command in command_list["commands"]] == typed
    assert len(typed) <= 12
    phase = next(command for command in command_list["commands"] if command["title"] == "phase")
    assert phase["description"] == "Jump to a phase, for example 'phase 4' or 'phase prepare'"
    assert all(command["description"][0].isupper() for command in command_list["commands"])


async def test_every_listed_command_gets_a_real_answer_when_typed(tmp_path: Path) -> None:
    """A command Teams suggests must never be met with "didn't catch that"."""
    (command_list,) = build_manifest(_settings())["bots"][0]["commandLists"]
    async with running_bot(tmp_path / "data") as bot:
        chat = bot.chat()
        await chat.say("hello")
        for command in command_list["commands"]:
            typed = "phase 1" if command["title"] == "phase" else command["title"]
            replies = await chat.say(typed)
            assert replies, typed
            assert not any("didn't catch that" in str(reply.body) for reply in replies), typed


def test_the_zip_holds_the_manifest_and_both_icons_at_its_root_and_nothing_else(tmp_path: Path) -> None:
    with _unpacked(tmp_path, _settings()) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
    assert manifest == build_manifest(_settings())
    assert (manifest["icons"]["color"], manifest["icons"]["outline"]) == ("color.png", "outline.png")


def test_the_same_settings_build_the_same_bytes(tmp_path: Path) -> None:
    first = write_package(_settings(), tmp_path / "a.zip").read_bytes()
    second = write_package(_settings(), tmp_path / "b.zip").read_bytes()
    assert first == second


def test_the_colour_icon_is_an_opaque_192_pixel_square(tmp_path: Path) -> None:
    with _unpacked(tmp_path, _settings()) as package:
        icon = Image.open(io.BytesIO(package.read("color.png")))
    assert (icon.format, icon.size) == ("PNG", (192, 192))
    assert icon.convert("RGBA").getextrema()[3] == (255, 255)
    assert len(icon.convert("RGB").getcolors(192 * 192) or []) > 2


def test_the_outline_icon_is_32_pixels_of_white_on_transparent(tmp_path: Path) -> None:
    with _unpacked(tmp_path, _settings()) as package:
        icon = Image.open(io.BytesIO(package.read("outline.png")))
    assert (icon.format, icon.size, icon.mode) == ("PNG", (32, 32), "RGBA")
    raw = icon.tobytes()
    pixels = [tuple(raw[index : index + 4]) for index in range(0, len(raw), 4)]
    assert {pixel[:3] for pixel in pixels if pixel[3]} == {(255, 255, 255)}
    alphas = {pixel[3] for pixel in pixels}
    assert 0 in alphas and 255 in alphas


@pytest.mark.parametrize(
    ("variable", "value"),
    [("MICROSOFT_APP_ID", "reflect-bot"), ("TEAMS_APP_PRIVACY_URL", "http://ics.example.nhs.uk/privacy"),
     ("TEAMS_APP_VERSION", "1.0"), ("TEAMS_APP_DEVELOPER_NAME", "A publisher name longer than 32 chars")],
)
def test_a_bad_package_setting_is_refused_in_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv("MICROSOFT_APP_ID", APP_ID)
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable) as refused:
        load_teams_app_settings()
    assert "\n" not in str(refused.value)


def _build(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {name: value for name, value in os.environ.items() if name not in PACKAGE_VARIABLES}
    return subprocess.run(
        [sys.executable, "-m", "teams_app.package", str(tmp_path / "teams.zip")],
        cwd=tmp_path, env={**clean, "PYTHONPATH": str(REPO), **env}, capture_output=True, text=True, timeout=60,
    )


def test_the_build_command_writes_the_zip_for_the_configured_app_id(tmp_path: Path) -> None:
    built = _build(tmp_path, MICROSOFT_APP_ID=APP_ID)
    assert built.returncode == 0, built.stderr
    with zipfile.ZipFile(tmp_path / "teams.zip") as package:
        assert json.loads(package.read("manifest.json"))["bots"][0]["botId"] == APP_ID


def test_the_build_command_without_an_app_id_stops_with_one_line_and_writes_nothing(tmp_path: Path) -> None:
    built = _build(tmp_path)
    assert built.returncode == 2
    assert built.stderr.count("\n") == 1 and "MICROSOFT_APP_ID" in built.stderr
    assert not (tmp_path / "teams.zip").exists()
