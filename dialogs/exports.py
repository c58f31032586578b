"""Exports: `export` offers the formats; `export word` (pdf, html, xlsx, csv; add `history` for earlier versions, or
`mine` for your own assessment in a group's conversation) makes the file, which the channel delivers.

In a group's channel, or a chat following a group, the export is the group's: for leads, and for members once a
lead shares the results. Anywhere else it is the person's own current assessment. Diagram: exports.mmd.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot import messages as say
from bot.conversation_refs import personal_space
from bot.errors import NotFound
from bot.exports import ExportFormat, ExportRequest
from bot.intents import ExportFile
from bot.keys import TeamKey
from bot.models import Assessment, Team
from bot.services import assessments, exports, shared
from bot.views import FileOffer, Notice
from dialogs.exports_cards import export_card
from dialogs.flow import FlowContext, FlowResult, leads_to
from dialogs.where import here

TYPED_FORMATS: dict[str, ExportFormat] = {
    "word": "docx", "docx": "docx", "pdf": "pdf", "report": "pdf", "html": "html", "excel": "xlsx", "xlsx": "xlsx",
    "csv": "csv",
}
HISTORY_WORDS = frozenset({"history", "revisions"})
MINE_WORDS = frozenset({"mine", "my", "own"})


@dataclass(frozen=True)
class Target:
    """The assessment an export is of, where it lives, and the group when it is a group's."""

    space: TeamKey
    assessment: Assessment
    team: Team | None


async def _target(ctx: FlowContext, *, mine: bool = False) -> Target:
    if not mine and (ctx.group is not None or ctx.in_channel):
        space, team = await here(ctx)
        exports.may_export(team, ctx.user_id)
        return Target(space, await shared.require_current(ctx.store, space, team), team)
    for space in dict.fromkeys((ctx.team, personal_space(ctx.team.tenant, ctx.user_id))):
        found = await _own(ctx, space)
        if found is not None:
            return Target(space, found, None)
    raise NotFound(say.EXPORT_NOTHING)


async def _own(ctx: FlowContext, space: TeamKey) -> Assessment | None:
    """The person's own assessment in this space: the one the conversation is on, else their newest; asked for in a
    channel, the person's own space is looked in too."""
    if space == ctx.team and ctx.state.assessment_id is not None and ctx.state.group_id is None:
        current = await ctx.store.get(space, Assessment, ctx.state.assessment_id)
        if current is not None and current.owner_id == ctx.user_id and not current.shared:
            return current
    newest = [a for a in await assessments.newest(ctx.store, space, ctx.user_id, 5) if not a.shared]
    return newest[0] if newest else None


def _offer(ctx: FlowContext, target: Target, fmt: ExportFormat, history: bool) -> FlowResult:
    request = ExportRequest(
        format=fmt, platform=ctx.team.tenant.platform, tenant_id=ctx.team.tenant.tenant_id,
        space=target.space.team_id, assessment_id=target.assessment.id, user_id=ctx.user_id,
        group=target.team is not None, history=history,
    )
    shared = target.team is not None and target.team.share_results
    offer = FileOffer(request=request, subject=target.assessment.scope.subject, shared_where_asked=shared)
    return FlowResult(views=(offer,))


@leads_to(export_card)
async def export_menu(ctx: FlowContext) -> FlowResult:
    """`export`: the formats, for the assessment an export here would be of."""
    target = await _target(ctx)
    group = None if target.team is None else (target.space.team_id, target.team.name)
    return FlowResult(views=(export_card(target.assessment.scope.subject, group),))


@leads_to()
async def export_typed(ctx: FlowContext, text: str) -> FlowResult:
    """`export word`, `export csv history`, `export pdf mine`."""
    words = text.casefold().split()
    formats = [TYPED_FORMATS[word] for word in words if word in TYPED_FORMATS]
    unknown = [word for word in words if word not in TYPED_FORMATS and word not in HISTORY_WORDS | MINE_WORDS]
    if len(formats) != 1 or unknown:
        return FlowResult(views=(Notice(text=say.EXPORT_HOW),))
    target = await _target(ctx, mine=bool(MINE_WORDS.intersection(words)))
    return _offer(ctx, target, formats[0], bool(HISTORY_WORDS.intersection(words)))


@leads_to()
async def export_button(ctx: FlowContext, intent: ExportFile) -> FlowResult:
    """A format tapped on the export card: the group's export if the card named a group, else the person's own."""
    target = await _target(ctx, mine=intent.group is None)
    return _offer(ctx, target, intent.format, intent.history)
