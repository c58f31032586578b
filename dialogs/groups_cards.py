"""Cards for working groups: a person's groups, one group, the invitation to rate, status and participation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot import messages as say
from bot.intents import (
    CloseCycle,
    GroupResults,
    LeaveGroup,
    MyAnswers,
    OpenGroup,
    ShareResults,
    ShowParticipation,
    ShowPhases,
    StartGroupAssessment,
)
from bot.models import Assessment, Role, Team
from bot.services.digest import Digest
from bot.services.participation import MemberProgress
from bot.views import Button, Card, Fact
from dialogs.cards import cycle_moves, level_label, movement, shorten

LISTED_MEMBERS = 30


def groups_card(groups: Iterable[tuple[Team, Role]]) -> Card:
    """The person's groups, each one tap from its card."""
    listed = list(groups)
    return Card(
        title=say.GROUPS_TITLE,
        lines=() if listed else (say.GROUPS_NONE,),
        choices=tuple(
            Button(label=shorten(say.OPEN_GROUP.format(name=team.name)), intent=OpenGroup(group=team.id))
            for team, _role in listed
        ),
    )


def _assessment_line(assessment: Assessment) -> str:
    return say.GROUP_ASSESSMENT.format(
        subject=assessment.scope.subject, cycle=assessment.cycle, stance=say.SCOPE_LABELS[assessment.scope.stance].lower()
    )


def _member_buttons(team: Team, assessment: Assessment | None) -> tuple[Button, ...]:
    if assessment is None:
        return ()
    sees = team.share_results
    return (
        Button(label=say.RATE_MINE, intent=ShowPhases(assessment=assessment.id, group=team.id), primary=True),
        Button(label=say.MY_ANSWERS, intent=MyAnswers(assessment=assessment.id, group=team.id)),
        *((Button(label=say.GROUP_RESULTS, intent=GroupResults(assessment=assessment.id, group=team.id, phase=1)),) if sees else ()),
    )


def _lead_buttons(team: Team, assessment: Assessment | None) -> tuple[Button, ...]:
    if assessment is None:
        return (Button(label=say.START_GROUP, intent=StartGroupAssessment(group=team.id), primary=True),)
    results = () if team.share_results else (
        Button(label=say.GROUP_RESULTS, intent=GroupResults(assessment=assessment.id, group=team.id, phase=1)),
    )
    return (
        *results,
        Button(label=say.PARTICIPATION, intent=ShowParticipation(group=team.id)),
        Button(label=say.UNSHARE if team.share_results else say.SHARE, intent=ShareResults(group=team.id, share=not team.share_results)),
        Button(label=say.CLOSE_CYCLE, intent=CloseCycle(assessment=assessment.id, group=team.id)),
    )


def group_card(team: Team, role: Role, assessment: Assessment | None, answered: int, total: int) -> Card:
    """One group: its assessment and the person's progress, with what their role lets them do from here."""
    about = (_assessment_line(assessment), say.GROUP_MY_PROGRESS.format(answered=answered, total=total)) if assessment else (
        say.NO_GROUP_ASSESSMENT,
    )
    choices = (*_member_buttons(team, assessment), *(_lead_buttons(team, assessment) if role == "lead" else ()))
    return Card(
        title=team.name,
        progress=say.GROUP_MEMBERS.format(members=say.counted(len(team.members), say.MEMBERS), leads=say.counted(len(team.leads), say.LEADS)),
        lines=(say.GROUP_ROLE[role], *about, say.GROUP_SHARING[team.share_results]),
        choices=choices,
        actions=(Button(label=say.LEAVE_GROUP, intent=LeaveGroup(group=team.id)),),
        ref=f"group:{team.id}",
    )


def invite_card(team: Team, assessment: Assessment, lead: str, *, late: bool) -> Card:
    """A member's invitation to rate in their own chat; one who joined late is told they can simply catch up."""
    lines = (
        say.INVITE_LINE.format(lead=lead, subject=assessment.scope.subject, cycle=assessment.cycle),
        say.INVITE_PRIVACY.format(min=say.counted(team.min_answers, say.MEMBERS)),
        *((say.INVITE_CATCH_UP,) if late else ()),
    )
    return Card(
        title=shorten(say.INVITE_TITLE.format(name=team.name), 150),
        lines=lines,
        choices=(
            Button(label=say.RATE_MINE, intent=ShowPhases(assessment=assessment.id, group=team.id), primary=True),
            Button(label=say.OPEN_GROUP.format(name=shorten(team.name, 40)), intent=OpenGroup(group=team.id)),
        ),
        ref=f"invite:{assessment.id}",
    )


def status_card(digest: Digest) -> Card:
    """The group at a glance: answers per phase, each phase's level, and its movement since the last cycle."""
    assessment = digest.holdings.assessment
    return Card(
        title=shorten(say.STATUS_TITLE.format(name=digest.team.name), 150),
        lines=(
            say.STATUS_LINE.format(
                subject=assessment.scope.subject, cycle=assessment.cycle, responded=digest.responded, members=digest.members
            ),
            *cycle_moves(digest.cycle_moves, assessment.cycle),
        ),
        facts=tuple(
            Fact(
                label=line.phase.name,
                value=say.STATUS_PHASE.format(
                    complete=line.complete,
                    members=line.members,
                    level=level_label(line.level) + (say.AGREED_SUFFIX if line.agreed else ""),
                    movement=movement(line.previous, line.level),
                ),
            )
            for line in digest.phases
        ),
        ref=f"status:{digest.team.id}",
    )


def _progress_fact(row: MemberProgress, total: int) -> Fact:
    active = say.due_label(row.last_active.date()) if row.last_active else say.PARTICIPATION_NEVER
    phases = ", ".join(p.name for p in row.phases_done) or say.PARTICIPATION_NO_PHASES
    return Fact(
        label=say.PARTICIPATION_MEMBER.format(answered=row.answered, total=total),
        value=say.PARTICIPATION_DETAIL.format(phases=phases, active=active, reach=say.REACH[row.reach]),
        who=row.member.person,
    )


def participation_card(digest: Digest, rows: Sequence[MemberProgress], total: int) -> Card:
    """Completion per phase, then per member (least answered first), with last activity and reachability."""
    listed = rows[:LISTED_MEMBERS]
    more = (say.MORE_PEOPLE.format(count=len(rows) - len(listed)),) if len(rows) > len(listed) else ()
    return Card(
        title=shorten(say.PARTICIPATION_TITLE.format(name=digest.team.name), 150),
        lines=(say.PARTICIPATION_LINE.format(responded=digest.responded, members=digest.members), *more),
        facts=(
            *(
                Fact(label=line.phase.name, value=say.PARTICIPATION_PHASE.format(complete=line.complete, members=line.members))
                for line in digest.phases
            ),
            *(_progress_fact(row, total) for row in listed),
        ),
        actions=(Button(label=say.OPEN_GROUP.format(name=shorten(digest.team.name, 40)), intent=OpenGroup(group=digest.team.id)),),
        ref=f"participation:{digest.team.id}",
    )
