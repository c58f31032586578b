"""Every sentence Reflect says to a person, in one place, so tone and wording stay consistent."""

from __future__ import annotations

from datetime import date

WELCOME_TITLE = "Welcome to Reflect"
WELCOME = (
    "Reflect helps your team look honestly at how you engage people and communities to tackle health "
    "inequalities, one short section at a time.",
    "Rate where you are, note any evidence, and turn the next step into an action.",
)
HELP_TITLE = "What you can type"
HELP_LINES = (
    "start: begin a new assessment",
    "resume: carry on where you left off",
    "status: see progress for each phase",
    "phase <name or number>: jump to a phase, for example 'phase 4' or 'phase prepare'",
    "actions: list your open actions",
    "skip: leave this section for now",
    "back: go to the previous section",
    "stop: pause; nothing you answered is lost",
    "help: show this list",
)
UNKNOWN_TEXT = "Sorry, I didn't catch that. Here is what you can type."

SCOPE_SUBJECT_TITLE = "What are you assessing?"
SCOPE_SUBJECT_LINE = "Type the name of a project or workstream, or choose the whole system."
SCOPE_SUBJECT_PLACEHOLDER = "For example: Diabetes prevention in Northtown"
WHOLE_SYSTEM = "Whole system"
SCOPE_FOCUS_TITLE = "Is this strategic or operational work?"
SCOPE_FOOTPRINT_TITLE = "Is it at system or place level?"
SCOPE_STANCE_TITLE = "Are you looking back or planning ahead?"
SCOPE_LABELS = {
    "strategic": "Strategic",
    "operational": "Operational",
    "system": "System",
    "place": "Place",
    "looking_back": "Looking back at past work",
    "planning_ahead": "Planning new work",
}
SCOPE_STEP = "Set-up · step {step} of 4"
SUBJECT_EMPTY = "Please type a name for what you are assessing, or choose the whole system."

PHASES_TITLE = "Choose a phase"
PHASES_LINE = "The phases form a loop, so you can begin anywhere. The numbers show sections you have answered."
PHASE_BUTTON = "{number} {name} · {answered}/{total}"

SECTION_PROGRESS = "{phase} · section {index} of {count} · phase {number} of 7"
SECTION_QUESTION = "Which best describes your work today?"
NOT_SURE = "Not sure"
RECORDED = "Recorded: {rating}"
SKIP = "Skip for now"

EVIDENCE_TITLE = "Any evidence for {section}?"
EVIDENCE_LINE = "You chose {rating}. Note what shows this, in a line or two, or skip."
EVIDENCE_PLACEHOLDER = "For example: minutes of the March community forum"
SAVE_EVIDENCE = "Save evidence"
SKIP_EVIDENCE = "No evidence now"
EVIDENCE_SAVED = "Evidence saved."
EVIDENCE_EMPTY = "The evidence box was empty, so nothing was saved. Type a line or two, or choose No evidence now."
EVIDENCE_RECORDED = "Evidence: {text}"
NO_EVIDENCE_RECORDED = "No evidence added."
CHOSEN = "You chose: {choice}"

IDEAS_TITLE = "Next steps for {section}"
IDEAS_LINE = "Ideas from the {level} level. Tap one to make it an action for you, due in 14 days."
IDEAS_SUSTAIN_LINE = "You are at the top level. Tap one to keep it going as an action, due in 14 days."
IDEAS_START_LINE = "Ideas to get started. Tap one to make it an action for you, due in 14 days."
NEXT_SECTION = "Next section"
ACTION_ADDED = "Added to your actions: {title} (quick win, due {due}). You can change it later."
ACTION_EXISTS = "That idea is already one of your actions."
IDEA_TAKEN = "✓ {title}"

SUMMARY_TITLE = "{phase} phase: summary"
SUMMARY_LINE = "{answered} of {total} sections answered · {evidence} with evidence · {actions} new actions"
SUMMARY_UNANSWERED = "Not answered yet"
NEXT_PHASE = "Next phase: {name}"
ALL_PHASES = "Choose another phase"
MY_ACTIONS = "My actions"

ACTIONS_TITLE = "Your open actions"
EDIT_ACTION = "Edit {number}"
ACTION_TITLE = "Action for {section}"
ACTION_FACTS = {"due": "Due", "horizon": "Type", "status": "Status"}
HORIZONS = {"quick_win": "Quick win", "long_term": "Long term"}
STATUSES = {"open": "Open", "done": "Done", "dropped": "Dropped"}
ACTION_CHANGES = {
    "done": "Mark done",
    "reopen": "Reopen",
    "quick_win": "Make it a quick win",
    "long_term": "Make it long term",
    "later_7": "Due a week later",
    "later_28": "Due 4 weeks later",
    "rename": "Rename",
}
RENAME_PLACEHOLDER = "A new title for this action"
ACTION_UPDATED = "Action updated."
ACTION_DONE = "Well done: marked as done."
RENAME_EMPTY = "The title box was empty, so the action keeps its title."
NO_ACTIONS = "You have no open actions yet. Tap a next-step idea after rating a section to add one."
ACTION_FACT = "{section} · due {due}"

HOME_TITLE = "Reflect"
HOME_INTRO = "Your assessments and open actions. Sections answered are shown for each phase."
HOME_EMPTY = "You have no assessments yet. Start one to reflect on a project or the whole system."
HOME_ASSESSMENT = "{subject} (cycle {cycle}, {stance}): {progress}"
HOME_ACTIONS_NONE = "No open actions."

START = "Start an assessment"
RESUME = "Resume"
HELP = "Help"
NOTHING_TO_RESUME = "There is nothing to resume yet, so let's start one."
PAUSED = "Paused. Your answers are saved; type resume whenever you are ready."

NOT_FOUND_ACTION = "I can't find that action among yours, so nothing was changed."
NOT_FOUND = "I can't find that assessment for you. It may belong to someone else. Type start to begin your own."
BAD_INPUT = "Sorry, I couldn't read that. Nothing was changed."
TEXT_REQUIRED = "Please type something here first."
TOO_LONG = "That is longer than I can keep ({limit} characters at most). Nothing was saved; please shorten it."
TURN_FAILED = "Sorry, something went wrong on my side. Please try that again in a moment."
SAVE_FAILED = "Sorry, I couldn't save that just now, so nothing was changed. Please try again."
UNKNOWN_PHASE = "There is no phase called '{name}'. Try a number from 1 to 7, or a name such as Prepare."
NO_ASSESSMENT = "You don't have an assessment open. Type start to begin one."


def due_label(day: date) -> str:
    return f"{day.day} {day:%b %Y}"
