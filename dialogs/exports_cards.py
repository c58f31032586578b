"""The export card: one tap per format, for the person's own assessment or their group's."""

from __future__ import annotations

from bot import messages as say
from bot.exports import ExportFormat
from bot.intents import ExportFile
from bot.views import Button, Card

FORMATS: tuple[ExportFormat, ...] = ("docx", "pdf", "xlsx", "csv")


def export_card(subject: str, group: tuple[str, str] | None = None) -> Card:
    """`group` is the group's id and name when the export is the group's."""
    group_id = None if group is None else group[0]
    lines = (say.EXPORT_LINE,) if group is None else (say.EXPORT_LINE, say.EXPORT_GROUP_LINE.format(name=group[1]))
    return Card(
        title=say.EXPORT_TITLE,
        progress=subject[:120],
        lines=lines,
        choices=tuple(
            Button(label=say.EXPORT_BUTTONS[fmt], intent=ExportFile(format=fmt, group=group_id), primary=fmt == "docx")
            for fmt in FORMATS
        ),
        actions=(
            Button(label=say.EXPORT_BUTTONS["html"], intent=ExportFile(format="html", group=group_id)),
            Button(label=say.EXPORT_HISTORY_BUTTON, intent=ExportFile(format="xlsx", history=True, group=group_id)),
        ),
    )
