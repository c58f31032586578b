"""Chooses the renderer for a channel: Adaptive Cards for Teams; the console and Slack adapters get the view itself."""

from __future__ import annotations

from botbuilder.core import MessageFactory
from botbuilder.schema import Activity, Attachment
from pydantic import TypeAdapter

from adapters.teams.cards import card_attachment
from bot.views import DataFile, FileOffer, Notice, View

VIEW_CONTENT_TYPE = "application/vnd.reflect.view+json"
FILE_CONTENT_TYPE = "application/vnd.reflect.file+json"
FILE_CONSENT_TYPE = "application/vnd.microsoft.teams.card.file.consent"
VIEW_CHANNELS = frozenset({"console", "slack"})
PLAIN = "plain"
"""A notice can repeat what someone typed (a subject, a group's name); Teams then shows it as typed, not as markdown."""
_VIEW: TypeAdapter[View] = TypeAdapter(View)


def render(view: View, channel_id: str) -> Activity:
    """A Teams card carries its title as `summary`, the line notifications and chat previews show; a notice is plain text;
    a file offer goes to each channel's edge as the view itself, which makes the file and delivers it."""
    if channel_id in VIEW_CHANNELS or isinstance(view, FileOffer):
        return MessageFactory.attachment(view_attachment(view))
    if isinstance(view, Notice):
        notice = MessageFactory.text(view.text)
        notice.text_format = PLAIN
        return notice
    activity = MessageFactory.attachment(card_attachment(view))
    activity.summary = view.title
    return activity


def view_attachment(view: View) -> Attachment:
    """Channels that render on their own side of the pipeline (console, Slack) are handed the view itself."""
    return Attachment(content_type=VIEW_CONTENT_TYPE, content=view.model_dump(mode="json"))


def views_in(activity: Activity) -> list[View]:
    """The views an activity carries, in order; the inverse of `view_attachment`."""
    return [
        _VIEW.validate_python(attachment.content)
        for attachment in activity.attachments or []
        if attachment.content_type == VIEW_CONTENT_TYPE
    ]


def render_file(file: DataFile, channel_id: str) -> Activity:
    """Slack uploads the file at its edge; Teams asks consent first (the accepted upload is made afresh, see
    adapters/teams/file_consent.py), so its card carries only what the file is and its size; the console prints it."""
    if channel_id == "slack":
        return MessageFactory.attachment(Attachment(content_type=FILE_CONTENT_TYPE, content=file.model_dump(mode="json")))
    if channel_id == "console":
        return MessageFactory.text(f"{file.caption}\n{file.name}\n{file.text}")
    context = {"reflect_file": file.kind}
    consent = {
        "description": file.caption,
        "sizeInBytes": len(file.text.encode("utf-8")),
        "acceptContext": context,
        "declineContext": context,
    }
    activity = MessageFactory.attachment(Attachment(content_type=FILE_CONSENT_TYPE, name=file.name, content=consent))
    activity.summary = file.caption
    return activity


def file_in(activity: Activity) -> DataFile | None:
    """The file a Slack activity carries for upload; the inverse of `render_file` for Slack."""
    for attachment in activity.attachments or []:
        if attachment.content_type == FILE_CONTENT_TYPE:
            return DataFile.model_validate(attachment.content)
    return None
