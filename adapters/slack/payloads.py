"""The shapes of Slack's request bodies that Reflect relies on, and the verified request handed to the bot.

Strict about the fields Reflect reads, so the payload handed on is exactly what was validated: ids short and
printable, text a string of at most Slack's own length (issue 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import parse_qsl

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.errors import Rejected

WHAT = "invalid payload"
MAX_TEXT_CHARS = 40_000
CONVERSATION_EVENTS = frozenset({"message", "app_mention", "app_home_opened"})

SlackKind = Literal["event", "interaction", "command"]
Id = Annotated[str, StringConstraints(min_length=1, max_length=255, pattern=r"^[!-~]+$")]
"""Slack's ids, timestamps and Reflect's own action ids are all printable ASCII."""


@dataclass(frozen=True)
class SlackRequest:
    """One verified, validated Slack request, handed to the bot only after Slack has had its acknowledgement."""

    kind: SlackKind
    payload: dict[str, Any]
    team_id: str


class _Model(BaseModel):
    """Strict about the fields Reflect relies on; anything else passes through untouched."""

    model_config = ConfigDict(extra="allow", strict=True)


class Typed(_Model):
    """Any Slack body: only its type decides what else must be present."""

    type: Id


class UrlVerification(_Model):
    """Slack's endpoint check when the Request URL is saved (S7)."""

    type: Literal["url_verification"]
    challenge: str = Field(min_length=1, max_length=1000)


class _Event(_Model):
    """The inner event; its type is the only field every event has."""

    type: Id


class ConversationEvent(_Event):
    """Messages, mentions and App Home visits, whose user, channel and text the bot reads."""

    user: Id | None = None
    channel: Id
    text: str | None = Field(default=None, max_length=MAX_TEXT_CHARS)


class EventCallback(_Model):
    """The Events API envelope; `event_id` is the same on every retry of one delivery (S5)."""

    type: Literal["event_callback"]
    team_id: Id
    event_id: Id
    event_time: int
    event: _Event


class _Team(_Model):
    """The workspace an interaction came from."""

    id: Id


class _User(_Model):
    """The person who acted; `team_id` names their workspace when an org-wide install sends `team: null`."""

    id: Id
    team_id: Id | None = None


class Interaction(_Model):
    """Fields common to the interactions Reflect handles."""

    team: _Team | None = None
    user: _User

    def workspace(self) -> str | None:
        """The workspace id from `team`, or from the user for org-wide installs."""
        return self.team.id if self.team is not None else self.user.team_id


class _Action(_Model):
    """One tapped element; the bot dispatches on its action_id, and its action_ts names this one tap."""

    action_id: Id
    action_ts: Id | None = None


class _Container(_Model):
    """Where the tapped element was: a message in a conversation, a modal or the Home tab."""

    channel_id: Id | None = None
    message_ts: Id | None = None


class _BlockActions(Interaction):
    """A button or menu in a message, modal or Home tab was used."""

    type: Literal["block_actions"]
    trigger_id: Id
    actions: list[_Action] = Field(min_length=1)
    container: _Container | None = None
    channel: _Team | None = None


class _View(_Model):
    """The submitted modal; the bot reads its callback id, metadata and state; id and hash name this submission."""

    id: Id
    hash: Id | None = None
    callback_id: str = Field(default="", max_length=255)
    private_metadata: str = Field(default="", max_length=3000)


class _ViewSubmission(Interaction):
    """A modal's submit button was pressed."""

    type: Literal["view_submission"]
    view: _View


class SlashCommand(_Model):
    """A slash command's form fields (all strings)."""

    command: str = Field(pattern=r"^/\S{1,80}$")
    text: str = Field(default="", max_length=4000)
    team_id: Id
    user_id: Id
    channel_id: Id
    trigger_id: Id
    response_url: str = Field(min_length=1, max_length=3000)


class ModalContext(BaseModel):
    """What a modal's private_metadata carries from the card it was opened on: the intent, the conversation, the card."""

    model_config = ConfigDict(extra="forbid")

    submit: dict[str, Any]
    channel: Id
    ts: Id | None = None
    ephemeral: bool = False
    """The card was shown to one person only, so it is updated through `url` rather than chat.update."""
    url: str | None = Field(default=None, max_length=3000)
    key: Literal["text", "date", "person"] = "text"
    """Where the modal's answer goes in the submit intent: typed text, a picked date or a picked person."""


def modal_context(private_metadata: str) -> ModalContext | None:
    """The context Reflect put in a modal it opened, or None for a modal it does not recognise."""
    try:
        return ModalContext.model_validate_json(private_metadata)
    except ValidationError:
        return None


INTERACTIONS: dict[str, type[Interaction]] = {"block_actions": _BlockActions, "view_submission": _ViewSubmission}


def form(raw: bytes) -> dict[str, str]:
    """Parse a verified form body; repeated fields are refused rather than guessed between."""
    try:
        pairs = parse_qsl(
            raw.decode("utf-8"), keep_blank_values=True, strict_parsing=True, max_num_fields=100, errors="strict"
        )
    except ValueError:
        raise Rejected(400, f"{WHAT}: not a form") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise Rejected(400, f"{WHAT}: repeated form field")
    return fields
