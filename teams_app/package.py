"""Builds the Teams app package an admin uploads: manifest.json, color.png and outline.png at the zip's root.

The template in this folder holds everything that never changes between deployments; the build fills in the
deployment's App ID and publisher links from settings, and the command list from the help text, so the
commands Teams suggests are always the ones the bot understands.
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any

from bot.config import DEFAULT_TEAMS_APP_SITE, TeamsAppSettings, load_teams_app_settings
from bot.errors import ConfigError
from bot.messages import HELP_LINES

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "manifest.json"
ICONS = ("color.png", "outline.png")
DEFAULT_OUTPUT = Path("dist/reflect-teams-app.zip")
FIXED_TIME = (1980, 1, 1, 0, 0, 0)
"""Every entry gets the same timestamp, so the same settings always build the same bytes."""

JsonObject = dict[str, Any]


def commands() -> list[dict[str, str]]:
    """One command per help line: its first word is what a person types, the rest says what it does."""
    listed = []
    for line in HELP_LINES:
        usage, description = line.split(": ", 1)
        listed.append({"title": usage.split()[0], "description": description[0].upper() + description[1:]})
    return listed


def build_manifest(settings: TeamsAppSettings) -> JsonObject:
    manifest: JsonObject = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    manifest["id"] = settings.microsoft_app_id
    manifest["version"] = settings.version
    manifest["developer"] = {
        "name": settings.developer_name,
        "websiteUrl": settings.website_url,
        "privacyUrl": settings.privacy_url,
        "termsOfUseUrl": settings.terms_url,
    }
    (bot,) = manifest["bots"]
    bot["botId"] = settings.microsoft_app_id
    bot["commandLists"] = [{"scopes": list(bot["scopes"]), "commands": commands()}]
    return manifest


def write_package(settings: TeamsAppSettings, destination: Path) -> Path:
    """Write the zip (replacing any earlier one) and return its path."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    manifest = json.dumps(build_manifest(settings), indent=2, ensure_ascii=False) + "\n"
    with zipfile.ZipFile(destination, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr(_entry("manifest.json"), manifest)
        for icon in ICONS:
            package.writestr(_entry(icon), (HERE / icon).read_bytes())
    return destination


def _entry(name: str) -> zipfile.ZipInfo:
    entry = zipfile.ZipInfo(name, FIXED_TIME)
    entry.compress_type = zipfile.ZIP_DEFLATED
    entry.external_attr = 0o644 << 16
    return entry


def main(argv: list[str]) -> int:
    """`python -m teams_app.package [output.zip]`; a bad setting ends in one line naming it, exit code 2."""
    try:
        settings = load_teams_app_settings()
    except ConfigError as exc:
        print(f"Cannot build the Teams app package: {exc}", file=sys.stderr)
        return 2
    written = write_package(settings, Path(argv[0]) if argv else DEFAULT_OUTPUT)
    print(f"Wrote {written} for App ID {settings.microsoft_app_id}, version {settings.version}")
    links = (settings.website_url, settings.privacy_url, settings.terms_url)
    if any(link.startswith(DEFAULT_TEAMS_APP_SITE) for link in links):
        print(
            "Note: the developer links are placeholders; "
            "set TEAMS_APP_WEBSITE_URL, TEAMS_APP_PRIVACY_URL and TEAMS_APP_TERMS_URL"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
