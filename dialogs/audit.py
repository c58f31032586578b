"""The audit trail, for a group's leads: who changed a rating, an agreed level, an action or a setting, and when.

Typed as `audit` (or `audit 3` for an older page) in the group's channel or conversation; the card's buttons page
through it. Members who are not leads are refused before anything is read. Diagram: audit.mmd.
"""

from __future__ import annotations

from bot.intents import ShowAudit
from bot.services import audit, groups
from dialogs.flow import FlowContext, FlowResult, leads_to
from dialogs.audit_cards import AUDIT_PAGE_SIZE, audit_card
from dialogs.where import here


async def _page(ctx: FlowContext, number: int) -> FlowResult:
    space, team = await here(ctx)
    groups.require_lead(team, ctx.user_id)
    entries, shown, pages = await audit.page(ctx.store, space, number, AUDIT_PAGE_SIZE)
    return FlowResult(views=(audit_card(team, entries, shown, pages),))


@leads_to(audit_card)
async def show_audit(ctx: FlowContext) -> FlowResult:
    """`audit`: the newest page."""
    return await _page(ctx, 1)


@leads_to(audit_card)
async def audit_page(ctx: FlowContext, text: str) -> FlowResult:
    """`audit <page>`; anything but a page number shows the newest."""
    word = text.strip()
    return await _page(ctx, int(word) if word.isdigit() and len(word) <= 5 else 1)


@leads_to(audit_card)
async def audit_button(ctx: FlowContext, intent: ShowAudit) -> FlowResult:
    """The trail card's Older and Newer buttons."""
    return await _page(ctx, intent.page)
