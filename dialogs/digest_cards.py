"""Cards for a group's digest: a short headline for the channel, three thread replies, and the leads' private list.

Each card stays short enough for a phone and far inside Teams' and Slack's message limits, however big the group:
long lists stop at a fixed count and say how many more there are.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot import messages as say
from bot.intents import OpenGroup, ShowParticipation
from bot.models import Member
from bot.services.digest import Attention, Digest
from bot.views import Button, Card, Fact
from dialogs.cards import bar, cycle_moves, level_label, movement, shorten

LISTED_ITEMS = 10
LISTED_NON_RESPONDERS = 40


def _more(shown: int, total: int) -> tuple[str, ...]:
    return (say.ATTENTION_MORE.format(count=total - shown),) if total > shown else ()


def _attention_summary(digest: Digest) -> str:
    kinds = [item.kind for item in digest.attention]
    if not kinds:
        return say.DIGEST_ALL_CLEAR
    return say.DIGEST_ATTENTION.format(
        overdue=kinds.count("overdue"), stalled=kinds.count("stalled"), discuss=kinds.count("disagreement")
    )


def headline_card(digest: Digest, why: str, *, asked: bool, updated: str | None = None) -> Card:
    """The channel message: participation first, what needs attention, the suggested focus, and why it was sent."""
    title = (say.DIGEST_TITLE_ASKED if asked else say.DIGEST_TITLE).format(name=digest.team.name)
    focus = () if digest.focus is None else (
        say.DIGEST_FOCUS[digest.focus.reason].format(phase=digest.focus.phase.name),
    )
    return Card(
        title=shorten(title, 150),
        lines=(
            say.DIGEST_PARTICIPATION.format(responded=digest.responded, members=digest.members),
            _attention_summary(digest),
            *focus,
            why,
            *((say.DIGEST_UPDATED.format(time=updated),) if updated else ()),
        ),
        facts=tuple(
            Fact(label=line.phase.name, value=say.DIGEST_PHASE.format(complete=line.complete, members=line.members))
            for line in digest.phases
        ),
        ref=f"digest:{digest.team.id}",
    )


def _attention_fact(item: Attention) -> Fact:
    if item.kind == "disagreement":
        return Fact(label=say.ATTENTION_DISCUSS.format(section=item.section), value=say.ATTENTION_DISCUSS_VALUE)
    due = say.due_label(item.due) if item.due else ""
    label = (say.ATTENTION_OVERDUE if item.kind == "overdue" else say.ATTENTION_STALLED).format(section=item.section, due=due)
    return Fact(label=shorten(label), value=shorten(item.title, 300), who=item.owner.person if item.owner else None)


def attention_card(digest: Digest) -> Card:
    """Overdue actions first, then stalled ones and sections to discuss; action owners are @mentioned."""
    listed = digest.attention[:LISTED_ITEMS]
    return Card(
        title=say.ATTENTION_TITLE,
        lines=(() if listed else (say.ATTENTION_NONE,)) + _more(len(listed), len(digest.attention)),
        facts=tuple(_attention_fact(item) for item in listed),
        ref=f"digest-attention:{digest.team.id}",
        notify=True,
    )


def progress_card(digest: Digest) -> Card:
    """A bar per phase for the share answered, with the group's level (agreed or median) and its movement."""
    return Card(
        title=say.PROGRESS_TITLE,
        lines=(say.PROGRESS_LINE, *cycle_moves(digest.cycle_moves, digest.holdings.assessment.cycle)),
        facts=tuple(
            Fact(
                label=line.phase.name,
                value=say.PROGRESS_VALUE.format(
                    bar=bar(line.share),
                    percent=round(line.share * 100),
                    level=level_label(line.level) + (say.AGREED_SUFFIX if line.agreed else ""),
                    movement=movement(line.previous, line.level),
                ),
            )
            for line in digest.phases
        ),
        ref=f"digest-progress:{digest.team.id}",
    )


def _level_change(code: str, before: float | None, after: float) -> Fact:
    value = say.CHANGES_LEVEL_NEW.format(after=level_label(after)) if before is None else say.CHANGES_LEVEL_VALUE.format(
        before=level_label(before), after=level_label(after)
    )
    return Fact(label=say.CHANGES_LEVEL.format(section=code), value=value)


def changes_card(digest: Digest, *, first: bool) -> Card:
    """New and changed answers, actions done, levels that moved, and quick wins completed in the period."""
    changes = digest.changes
    moved = changes.levels[:LISTED_ITEMS]
    wins = digest.quick_wins[:LISTED_ITEMS]
    return Card(
        title=say.CHANGES_TITLE_FIRST if first else say.CHANGES_TITLE,
        lines=(
            say.CHANGES_LINE.format(
                new=say.counted(changes.new_answers, say.NEW_ANSWERS),
                changed=changes.changed_answers,
                done=say.counted(changes.actions_done, say.ACTIONS),
            ),
            *(() if moved else (say.CHANGES_NO_LEVELS,)),
            *_more(len(moved), len(changes.levels)),
            say.QUICK_WINS_LINE.format(count=len(digest.quick_wins)),
            *_more(len(wins), len(digest.quick_wins)),
        ),
        facts=(
            *(_level_change(code, before, after) for code, before, after in moved),
            *(Fact(label=say.QUICK_WIN.format(section=a.section), value=shorten(a.title, 300)) for a in wins),
        ),
        ref=f"digest-changes:{digest.team.id}",
    )


def thread_cards(digest: Digest, *, first: bool) -> Sequence[Card]:
    """The replies under the headline, always the same three, so each can be updated in place."""
    return (attention_card(digest), progress_card(digest), changes_card(digest, first=first))


def _joined(member: Member) -> str:
    return say.JOINED.format(day=say.due_label(member.joined_at.date())) if member.joined_at else say.JOINED_UNKNOWN


def non_responders_card(digest: Digest) -> Card:
    """For leads only, in their own chat: who has not answered anything yet, never shown in the channel."""
    people = digest.non_responders
    listed = people[:LISTED_NON_RESPONDERS]
    cycle = digest.holdings.assessment.cycle
    intro = say.NON_RESPONDERS_LINE.format(count=len(people), members=digest.members, cycle=cycle) if people else (
        say.NON_RESPONDERS_NONE.format(name=digest.team.name, cycle=cycle)
    )
    return Card(
        title=shorten(say.NON_RESPONDERS_TITLE.format(name=digest.team.name), 150),
        lines=(intro, *_more(len(listed), len(people))),
        facts=tuple(Fact(label=say.NON_RESPONDER, value=_joined(m), who=m.person) for m in listed),
        choices=(
            Button(label=say.PARTICIPATION, intent=ShowParticipation(group=digest.team.id), primary=True),
            Button(label=shorten(say.OPEN_GROUP.format(name=digest.team.name)), intent=OpenGroup(group=digest.team.id)),
        ),
        ref=f"digest-leads:{digest.team.id}",
    )
