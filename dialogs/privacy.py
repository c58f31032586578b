"""Personal data: `my data` sends a person everything Reflect holds about them; `forget me` erases it, once confirmed.

Both answer only in the person's personal chat, so nothing about them appears in a channel. The erasure runs from a
button with a one-time nonce, so a confirmation delivered twice erases once and the second hears it was done.
Diagram: privacy.mmd.
"""

from __future__ import annotations

from bot import messages as say
from bot.conversation_refs import personal_space
from bot.intents import ForgetMe
from bot.services import forget, personal_data
from bot.views import DataFile, Notice
from dialogs.flow import FlowContext, FlowResult, leads_to
from dialogs.privacy_cards import forget_card


def _personal_only(ctx: FlowContext) -> FlowResult | None:
    """A refusal for a channel or group chat, where the answer would be seen by others."""
    if ctx.team != personal_space(ctx.team.tenant, ctx.user_id):
        return FlowResult(views=(Notice(text=say.PRIVATE_CHAT_ONLY),))
    return None


@leads_to()
async def my_data(ctx: FlowContext) -> FlowResult:
    """`my data`: two files, JSON and CSV, made now from the store."""
    refused = _personal_only(ctx)
    if refused is not None:
        return refused
    record = await personal_data.collect(ctx.store, ctx.team.tenant, ctx.user_id, ctx.now)
    when = ctx.now.strftime("%d %b %Y %H:%M UTC")
    stamp = ctx.now.strftime("%Y%m%d-%H%M")
    files = (
        DataFile(
            name=f"reflect-my-data-{stamp}.json", media_type="application/json", text=personal_data.as_json(record),
            caption=say.MY_DATA_JSON.format(when=when), kind="my_data_json",
        ),
        DataFile(
            name=f"reflect-my-data-{stamp}.csv", media_type="text/csv", text=personal_data.as_csv(record),
            caption=say.MY_DATA_CSV.format(when=when), kind="my_data_csv",
        ),
    )
    return FlowResult(views=(Notice(text=say.MY_DATA_SENT),), files=files)


@leads_to(forget_card)
async def ask_to_forget(ctx: FlowContext) -> FlowResult:
    """`forget me`: what it will do, and a button to confirm."""
    return _personal_only(ctx) or FlowResult(views=(forget_card(),))


@leads_to()
async def forget_me(ctx: FlowContext, intent: ForgetMe) -> FlowResult:
    """The confirmation: erase, report the counts, and keep nothing of this conversation afterwards."""
    refused = _personal_only(ctx)
    if refused is not None:
        return refused
    done = await forget.forget(ctx.store, ctx.team.tenant, ctx.user_id, ctx.now)
    report = say.FORGOTTEN.format(
        removed=say.counted(done.removed, say.FORGOTTEN_ITEMS),
        anonymised=say.counted(done.anonymised, say.FORGOTTEN_ANSWERS),
        groups=say.counted(done.groups, say.FORGOTTEN_GROUPS),
        reassigned=say.counted(done.reassigned, say.FORGOTTEN_ACTIONS),
        unowned=say.counted(done.unowned, say.FORGOTTEN_ACTIONS),
        jobs=say.counted(done.jobs, say.FORGOTTEN_JOBS),
    )
    return FlowResult(views=(Notice(text=report),), forgotten=True)
