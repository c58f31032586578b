"""What a turn does to the tapped card (dialogs/in_place.py): one update where it can, the rest as new messages."""

from __future__ import annotations

from bot.intents import ShowHelp
from bot.views import Button, Card, Notice
from dialogs.flow import FlowResult
from dialogs.in_place import Delivery, delivery

NEXT = Card(title="Any evidence for 1a?", lines=("Note what shows this.",), actions=(Button(label="Skip", intent=ShowHelp()),))
SAME = Card(title="Action for 1a", lines=("Map community networks",), choices=(Button(label="Done", intent=ShowHelp()),))
LATER = Card(title="Something else", lines=("More",))


def test_a_tap_that_records_and_moves_on_turns_the_tapped_card_into_the_next_under_what_was_recorded() -> None:
    result = FlowResult(views=(Notice(text="Saved."), NEXT, LATER), recorded="✓ Your answer: Developing")

    planned = delivery(result, tapped=True)

    assert planned.update == NEXT.model_copy(update={"lines": ("✓ Your answer: Developing", "Saved.", "Note what shows this.")})
    assert planned.sends == (LATER,)
    assert isinstance(planned.update, Card) and planned.update.actions == NEXT.actions


def test_typed_the_same_step_is_one_new_message_with_the_same_header() -> None:
    result = FlowResult(views=(NEXT,), recorded="✓ Evidence saved: two forums")

    assert delivery(result, tapped=False) == Delivery(
        None, (NEXT.model_copy(update={"lines": ("✓ Evidence saved: two forums", "Note what shows this.")}),)
    )


def test_a_tap_that_stays_on_its_card_refreshes_it_with_the_notice_first() -> None:
    result = FlowResult(views=(Notice(text="Action updated."),), replace=SAME)

    planned = delivery(result, tapped=True)

    assert planned == Delivery(SAME.model_copy(update={"lines": ("Action updated.", "Map community networks")}), ())


def test_typed_a_refreshed_card_is_not_sent_and_notices_stay_messages() -> None:
    result = FlowResult(views=(Notice(text="Action updated."),), replace=SAME)

    assert delivery(result, tapped=False) == Delivery(None, (Notice(text="Action updated."),))


def test_a_notice_with_nothing_to_fold_into_is_sent_and_the_card_left_alone() -> None:
    refused = FlowResult(views=(Notice(text="That was already done."),))
    no_next_card = FlowResult(views=(Notice(text="Paused."),), recorded="✓ Your answer: Developing")

    assert delivery(refused, tapped=True) == Delivery(None, (Notice(text="That was already done."),))
    assert delivery(no_next_card, tapped=True) == Delivery(None, (Notice(text="Paused."),))


def test_only_notices_before_the_next_card_become_its_lines() -> None:
    result = FlowResult(views=(NEXT, Notice(text="After")), recorded="✓ Recorded")

    planned = delivery(result, tapped=True)

    assert isinstance(planned.update, Card) and planned.update.lines == ("✓ Recorded", "Note what shows this.")
    assert planned.sends == (Notice(text="After"),)
