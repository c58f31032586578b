"""Domain models: plain pydantic, no botbuilder and no tinydb, so any channel or store can use them.

Every stored model is a `Document`: it names its table and derives its own id, so
the store never needs to know what a Response or an Action is.
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, time, timedelta
from typing import Annotated, ClassVar, Literal, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from bot.errors import JobStateError
from bot.framework import Level
from bot.keys import TeamKey

Id = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")]
SectionCode = Annotated[str, StringConstraints(pattern=r"^[1-9][a-z]$")]
EVIDENCE_MAX_CHARS = 2000
Evidence = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=EVIDENCE_MAX_CHARS)]
NOT_SURE: Literal["not_sure"] = "not_sure"
Rating = Level | Literal["not_sure"]
Role = Literal["lead", "member"]
ScopeField = Literal["subject", "focus", "footprint", "stance"]
ActionChange = Literal["done", "reopen", "quick_win", "long_term", "later_7", "later_28", "rename", "in_progress", "drop"]
"""One-tap changes to an action; `later_7` is 'snooze a week'. A new due date or owner has intents of its own."""
ActionStatus = Literal["open", "in_progress", "done", "dropped"]
ACTIVE_STATUSES: tuple[ActionStatus, ...] = ("open", "in_progress")
Horizon = Literal["quick_win", "long_term"]
JobKind = Literal[
    "reminder", "digest", "checkin_close", "digest_reply", "digest_leads", "digest_refresh", "group_invite",
    "checkin_ask", "checkin_nudge", "checkin_leads", "checkin_refresh",
    "action_assigned", "purge", "reminder_outcome", "reminder_unreachable",
]
"""What a job does; dialogs/jobs.py maps each kind to the handler that composes its message."""
JobStatus = Literal["pending", "claimed", "sending", "done", "failed", "uncertain", "cancelled"]
LEASED: tuple[JobStatus, ...] = ("claimed", "sending")
READY_STATUSES: tuple[JobStatus, ...] = ("pending", *LEASED)
"""The only statuses in which a job can become ready: a due time reached, or a lease run out."""
PayloadKey = Annotated[str, StringConstraints(min_length=1, max_length=64)]
PayloadValue = Annotated[str, StringConstraints(max_length=256)]
JOB_ERROR_MAX_CHARS = 500
MAX_CLOSED_DAYS = 100


def new_id(prefix: str) -> str:
    """Random, unguessable ids: a card payload naming an id proves nothing on its own."""
    return f"{prefix}-{secrets.token_hex(8)}"


def _known_time_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc
    return name


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Document(_Frozen):
    """Something the store can hold: subclasses name a table and derive their id."""

    table: ClassVar[str]

    @property
    def doc_id(self) -> str:
        raise NotImplementedError


PersonName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Nation = Literal["england", "wales", "scotland", "northern_ireland"]
"""The UK nation whose bank holidays a group keeps: the values of `bot.working_calendar.Nation`."""


class Person(_Frozen):
    """Someone the bot can address: the channel's id for them, and their display name when the channel gave one."""

    user_id: Id
    name: PersonName | None = None


class Member(_Frozen):
    user_id: Id
    role: Role = "member"
    name: PersonName | None = None
    joined_at: AwareDatetime | None = None
    left_at: AwareDatetime | None = None
    """Set only on a former member: when they left or were removed."""

    @property
    def person(self) -> Person:
        return Person(user_id=self.user_id, name=self.name)


class QuietHours(_Frozen):
    """Local times between which nobody gets a reminder or digest."""

    start: time = time(20, 0)
    end: time = time(8, 0)


class DigestSchedule(_Frozen):
    """When a group's weekly digest goes out: a weekday (0 is Monday) and a local time, or not at all."""

    weekday: Annotated[int, Field(ge=0, le=6)] = 0
    at: time = time(9, 0)
    enabled: bool = True


class Team(Document):
    """A working group, or one person's own space when they work alone."""

    table: ClassVar[str] = "teams"
    id: Id
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    members: tuple[Member, ...] = ()
    channel_conversation_id: Id | None = None
    time_zone: Annotated[str, AfterValidator(_known_time_zone)] = "Europe/London"
    quiet_hours: QuietHours = QuietHours()
    nation: Nation = "england"
    digest: DigestSchedule = DigestSchedule()
    min_answers: Annotated[int, Field(ge=1, le=50)] = 3
    share_results: bool = False
    assessment_id: Id | None = None
    """The group's current shared assessment, if a lead has started one."""
    former: tuple[Member, ...] = ()
    closed_days: Annotated[tuple[date, ...], Field(max_length=MAX_CLOSED_DAYS)] = ()
    """Extra days the group does not work (an office closure, say): no reminder or digest goes out on them."""

    @property
    def doc_id(self) -> str:
        return self.id

    def role_of(self, user_id: str) -> Role | None:
        return next((m.role for m in self.members if m.user_id == user_id), None)

    def member(self, user_id: str) -> Member | None:
        """A current or former member's record, current first."""
        return next((m for m in (*self.members, *self.former) if m.user_id == user_id), None)

    @property
    def leads(self) -> tuple[Member, ...]:
        return tuple(m for m in self.members if m.role == "lead")


class Scope(_Frozen):
    """What an assessment looks at, as the framework asks teams to state it."""

    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
    focus: Literal["strategic", "operational"]
    footprint: Literal["system", "place"]
    stance: Literal["looking_back", "planning_ahead"]


class Assessment(Document):
    """One run of the framework loop; `cycle` makes results comparable across repeats."""

    table: ClassVar[str] = "assessments"
    id: Id
    owner_id: Id
    scope: Scope
    cycle: Annotated[int, Field(ge=1)] = 1
    status: Literal["open", "closed"] = "open"
    created_at: AwareDatetime
    shared: bool = False
    """A working group's assessment: every member rates it, and it lives in the group's partition."""
    previous_id: Id | None = None
    """The cycle before this one, for movement since the last cycle."""
    closed_at: AwareDatetime | None = None
    results: dict[SectionCode, float] | None = None
    """A closed shared cycle's result per section as it closed; its answers can no longer change, so it is kept."""

    @property
    def doc_id(self) -> str:
        return self.id


class Answer(_Frozen):
    """A change to one person's answer for one section; fields not given stay as they were."""

    section: SectionCode
    author_id: Id
    rating: Rating | None = None
    evidence: Evidence | None = None
    at: AwareDatetime


class Revision(_Frozen):
    """An earlier version of a response, kept so that an edit never destroys what was said."""

    rating: Rating | None
    evidence: str | None
    at: AwareDatetime


class Response(Document):
    """One person's current answer for one section of one assessment, with its history."""

    table: ClassVar[str] = "responses"
    assessment_id: Id
    section: SectionCode
    author_id: Id
    rating: Rating | None = None
    evidence: str | None = None
    created_at: AwareDatetime
    updated_at: AwareDatetime
    history: tuple[Revision, ...] = ()

    @property
    def doc_id(self) -> str:
        return response_id(self.assessment_id, self.section, self.author_id)

    @classmethod
    def first(cls, assessment_id: str, answer: Answer) -> Self:
        return cls(
            assessment_id=assessment_id,
            section=answer.section,
            author_id=answer.author_id,
            rating=answer.rating,
            evidence=answer.evidence,
            created_at=answer.at,
            updated_at=answer.at,
        )

    def revise(self, answer: Answer) -> Self:
        """Apply an answer, pushing the current version into history; a no-op change adds nothing."""
        changes = answer.model_dump(include=answer.model_fields_set & {"rating", "evidence"})
        if all(getattr(self, name) == value for name, value in changes.items()):
            return self
        earlier = Revision(rating=self.rating, evidence=self.evidence, at=self.updated_at)
        return self.model_copy(update={**changes, "updated_at": answer.at, "history": (*self.history, earlier)})


def response_id(assessment_id: str, section: str, author_id: str) -> str:
    return f"{assessment_id}/{section}/{author_id}"


ActionEvent = Literal["created", "status", "horizon", "due", "owner", "title", "note"]
ACTION_TITLE_MAX = 200
ACTION_NOTE_MAX = 500
ActionTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=ACTION_TITLE_MAX)]
ActionNote = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=ACTION_NOTE_MAX)]


class ActionEntry(_Frozen):
    """One change in an action's history: who, what, when, and the new value where it is not free text.

    A new title or note is recorded as changed without its words, so history can be shown or exported safely.
    """

    by: Id
    at: AwareDatetime
    what: ActionEvent
    status: ActionStatus | None = None
    horizon: Horizon | None = None
    due: date | None = None
    owner: Id | None = None


class Action(Document):
    """A next step someone has taken on; quick wins are the default because they get done.

    It lives in the partition of the assessment it came from (a person's own space or a group's), which `space`
    names so a card can point back to it from anyone's chat. Fields after `updated_at` came later and default so
    that actions stored before them still load: no creator means the owner made it.
    """

    table: ClassVar[str] = "actions"
    id: Id
    assessment_id: Id | None = None
    section: SectionCode | None = None
    title: ActionTitle
    owner_id: Id
    due: date
    horizon: Horizon = "quick_win"
    status: ActionStatus = "open"
    created_at: AwareDatetime
    updated_at: AwareDatetime
    creator_id: Id | None = None
    owner_name: PersonName | None = None
    space: Id | None = None
    note: ActionNote | None = None
    history: tuple[ActionEntry, ...] = ()

    @property
    def doc_id(self) -> str:
        return self.id

    @property
    def made_by(self) -> str:
        return self.creator_id or self.owner_id

    @property
    def active(self) -> bool:
        """Still to do: open or in progress."""
        return self.status in ACTIVE_STATUSES


class ScopeDraft(_Frozen):
    """Scope answers collected so far while an assessment is being set up; `for_group` makes it the group's."""

    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)] | None = None
    focus: Literal["strategic", "operational"] | None = None
    footprint: Literal["system", "place"] | None = None
    stance: Literal["looking_back", "planning_ahead"] | None = None
    for_group: bool = False


class Awaiting(_Frozen):
    """The free-text answer the bot is waiting for, if any; a rationale remembers the level it explains."""

    kind: Literal["evidence", "scope_subject", "rationale"]
    section: SectionCode | None = None
    level: Level | None = None


class ShownChoice(_Frozen):
    """One button of the last card shown in a conversation: its label and its intent's JSON (never a nonce)."""

    label: Annotated[str, Field(min_length=1, max_length=60)]
    intent: dict[str, object]


class ConversationState(Document):
    """Per person, per conversation: just enough to resume; everything else is derived from answers."""

    table: ClassVar[str] = "conversations"
    conversation_id: Id
    user_id: Id
    assessment_id: Id | None = None
    phase: Annotated[int, Field(ge=1, le=7)] | None = None
    section: SectionCode | None = None
    awaiting: Awaiting | None = None
    scope_draft: ScopeDraft | None = None
    group_id: Id | None = None
    """The working group whose assessment this conversation is on; checked against membership every turn."""
    updated_at: AwareDatetime
    choices: tuple[ShownChoice, ...] = ()
    """The last card's buttons in the order its text shows them, so typing a label or a number works like a tap."""
    text_box: dict[str, object] | None = None
    """The intent of the last card's text box, so text typed as a message fills it in (a new action title, say)."""

    @property
    def doc_id(self) -> str:
        return f"{self.conversation_id}/{self.user_id}"


RATIONALE_MAX_CHARS = 200
Rationale = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=RATIONALE_MAX_CHARS)]


class Agreement(Document):
    """A group's agreed level for one section, with a one-line reason; it is the group's result, the spread stays beside it."""

    table: ClassVar[str] = "agreements"
    assessment_id: Id
    section: SectionCode
    level: Level
    rationale: Rationale
    by: Id
    at: AwareDatetime

    @property
    def doc_id(self) -> str:
        return f"{self.assessment_id}/{self.section}"


class SentMessage(_Frozen):
    """A message posted outside a turn that may be changed later: its conversation (a thread, for a reply) and id."""

    conversation_id: Id
    message_id: Id


class DigestPost(Document):
    """The latest digest in a group's channel: where its messages are and what it measured, so it can be updated in place."""

    table: ClassVar[str] = "digests"
    id: Id = "latest"
    assessment_id: Id
    headline: SentMessage
    replies: tuple[SentMessage, ...] = ()
    posted_at: AwareDatetime
    since: AwareDatetime
    """When the digest before it was posted (or the assessment started): 'changes' are counted from here."""
    first: bool = False
    """No digest of this assessment came before it."""
    baseline: dict[SectionCode, float] = {}
    """The group's level per section as the digest before it measured them."""
    levels: dict[SectionCode, float] = {}
    """The group's level per section when this digest was posted: the next digest's baseline."""
    reason: Literal["weekly", "asked"] = "weekly"
    asked_by: Id | None = None

    @property
    def doc_id(self) -> str:
        return self.id


ConversationType = Literal["personal", "channel", "groupChat"]


class ConversationRef(Document):
    """Where to send a proactive message; refreshed from every authenticated inbound activity.

    Channel-neutral on purpose: the channel's SDK rebuilds its own reference from these fields at send time.
    `user_id` is set for personal conversations only. Where refs are stored: bot/conversation_refs.py.
    """

    table: ClassVar[str] = "conversation_refs"
    conversation_id: Id
    channel_id: Id
    tenant_id: Id
    conversation_type: ConversationType
    service_url: Annotated[str, StringConstraints(max_length=2048)]
    bot_id: Id
    user_id: Id | None = None
    active: bool = True
    updated_at: AwareDatetime

    @property
    def doc_id(self) -> str:
        return self.conversation_id


class ScheduledJob(Document):
    """A reminder, digest or deadline that must fire once even across restarts.

    The methods are the state rules; every store runs them inside one atomic change, so all
    stores agree on who may claim, send, finish or move a job. A job goes pending -> claimed
    (under a lease) -> sending -> done or failed. A lease that runs out before sending frees
    the job for another claim; one that runs out while sending may already have delivered,
    so the job becomes uncertain and is reported, never resent.
    """

    table: ClassVar[str] = "jobs"
    id: Id
    team: TeamKey
    kind: JobKind
    due_at: AwareDatetime
    payload: Annotated[dict[PayloadKey, PayloadValue], Field(max_length=16)] = {}
    status: JobStatus = "pending"
    lease_owner: Id | None = None
    lease_until: AwareDatetime | None = None
    attempts: Annotated[int, Field(ge=0)] = 0
    last_error: Annotated[str, StringConstraints(max_length=JOB_ERROR_MAX_CHARS)] | None = None
    late: bool = False
    """Missed its time (the bot was down) and was moved to the recipient's next working window: say so when sent."""

    @property
    def doc_id(self) -> str:
        return self.id

    @property
    def ready_at(self) -> datetime | None:
        """When a scheduler may take the job: its due time, or the moment its current lease runs out."""
        if self.status == "pending":
            return self.due_at
        return self.lease_until if self.status in LEASED else None

    def is_ready(self, now: datetime) -> bool:
        return self.ready_at is not None and self.ready_at <= now

    def claimed(self, owner: str, now: datetime, lease: timedelta) -> Self:
        """Leased to `owner` if ready; a lease that ran out mid-send makes it uncertain instead."""
        if not self.is_ready(now):
            return self
        if self.status == "sending":
            return self._with(status="uncertain")
        return self._with(status="claimed", lease_owner=owner, lease_until=now + lease, attempts=self.attempts + 1)

    def sending(self, owner: str, now: datetime) -> Self:
        """Recorded just before a send, while `owner`'s lease runs: from here on the job is never handed out again."""
        self._require_holder(owner, ("claimed",))
        if self.lease_until is None or self.lease_until <= now:
            raise JobStateError(f"the lease on job {self.id} has run out")
        return self._with(status="sending")

    def finished(self, owner: str, error: str | None = None) -> Self:
        """Done, or failed for good with its reason; the holder may also settle a job its lost lease left uncertain."""
        self._require_holder(owner, ("claimed", "sending", "uncertain"))
        if error is None:
            return self._with(status="done")
        return self._with(status="failed", last_error=error[:JOB_ERROR_MAX_CHARS])

    def rescheduled(self, due_at: datetime, owner: str | None = None, error: str | None = None) -> Self:
        """Pending again at `due_at`: a holder's retry keeps the attempt count, anyone else starts afresh.

        Without a lease nobody may move a job while a send may be in flight.
        """
        if owner is not None:
            self._require_holder(owner, ("claimed", "sending", "uncertain"))
        elif self.status == "sending":
            raise JobStateError(f"job {self.id} is being sent")
        return self._with(
            status="pending",
            due_at=due_at,
            lease_owner=None,
            lease_until=None,
            attempts=self.attempts if owner is not None else 0,
            last_error=None if error is None else error[:JOB_ERROR_MAX_CHARS],
            late=self.late and owner is not None,
        )

    def deferred(self, owner: str, until: datetime, *, late: bool) -> Self:
        """Its holder moves it, before any send, to the recipient's next working time; `late` if it missed its own.

        No delivery was tried, so the attempt count starts again.
        """
        self._require_holder(owner, ("claimed",))
        return self._with(
            status="pending", due_at=until, lease_owner=None, lease_until=None, attempts=0, late=self.late or late
        )

    def cancelled(self) -> Self:
        """Stopped before it starts sending; a job already sending or finished stays as it is."""
        return self._with(status="cancelled") if self.status in ("pending", "claimed") else self

    def _require_holder(self, owner: str, statuses: tuple[JobStatus, ...]) -> None:
        if self.status not in statuses or self.lease_owner != owner:
            raise JobStateError(f"job {self.id} is {self.status} and not held by {owner}")

    def _with(self, **changes: object) -> Self:
        """A validated copy: `model_copy` alone would let an out-of-range value reach the store."""
        return self.model_validate({**self.model_dump(), **changes})


CheckInAnswer = Literal["done", "progressing", "stuck"]
NudgeProfile = Literal["light", "active"]
"""Light: one nudge halfway to the deadline. Active: that, and one on the closing day."""
CHECKIN_NOTE_MAX_CHARS = 200
CheckInNote = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=CHECKIN_NOTE_MAX_CHARS)]
QuickWinTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


class CheckIn(Document):
    """A lead's quick-win check-in: who is asked, until when, and how hard non-responders are nudged.

    A draft is what the lead previews; confirming opens it. Each member's answers live in their own `CheckInReply`,
    so two hundred people answering at once never write to one document.
    """

    table: ClassVar[str] = "checkins"
    id: Id
    assessment_id: Id
    phase: Annotated[int, Field(ge=1, le=7)] | None = None
    started_by: Id
    created_at: AwareDatetime
    deadline: AwareDatetime
    members: tuple[Id, ...] = ()
    profile: NudgeProfile = "light"
    status: Literal["draft", "open", "closed", "cancelled"] = "draft"
    opened_at: AwareDatetime | None = None
    closed_at: AwareDatetime | None = None
    closer: Annotated[str, StringConstraints(max_length=300)] | None = None
    """The job that closed it and alone may post its summary, so an early close and the deadline never both post."""
    summary: SentMessage | None = None
    """The summary posted in the channel, updated in place as late answers arrive."""

    @property
    def doc_id(self) -> str:
        return self.id


class CheckInItem(_Frozen):
    """One member's answer about one of their quick wins; `late` once it arrived after the check-in closed."""

    action_id: Id
    title: QuickWinTitle
    answer: CheckInAnswer
    note: CheckInNote | None = None
    at: AwareDatetime
    late: bool = False


class NewQuickWin(_Frozen):
    """The quick win a member with none open named when asked, made an action they own."""

    action_id: Id
    title: QuickWinTitle
    due: date
    at: AwareDatetime
    late: bool = False


class CheckInReply(Document):
    """One member's side of a check-in: their answers, their new quick win, and what Reflect has sent them."""

    table: ClassVar[str] = "checkin_replies"
    checkin_id: Id
    user_id: Id
    asked: tuple[Id, ...] = ()
    """The open quick wins their card listed when they were asked."""
    items: tuple[CheckInItem, ...] = ()
    new_quick_win: NewQuickWin | None = None
    card: SentMessage | None = None
    last_message_at: AwareDatetime | None = None
    snoozed_until: AwareDatetime | None = None
    away: bool = False
    unreachable: bool = False

    @property
    def doc_id(self) -> str:
        return checkin_reply_id(self.checkin_id, self.user_id)

    @property
    def responded(self) -> bool:
        return bool(self.items) or self.new_quick_win is not None

    @property
    def complete(self) -> bool:
        """Every listed quick win answered, or (with none listed) a new one given."""
        if not self.asked:
            return self.new_quick_win is not None
        return {item.action_id for item in self.items} >= set(self.asked)


def checkin_reply_id(checkin_id: str, user_id: str) -> str:
    return f"{checkin_id}/{user_id}"
