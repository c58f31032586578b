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
    "actions: list your open actions; team actions: a group's; add action <what>: add one for yourself",
    "assessments: list your assessments, to resume or close one; export: take one away as Word, PDF, Excel or CSV",
    "skip: leave this section for now",
    "back: go to the previous section",
    "stop: pause; nothing you answered is lost",
    "groups: your working groups; group help: what a group can do",
    "reminders: when you hear about your actions; reminders off stops them",
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
PHASE_BUTTON = "{name} · {answered}/{total}"

SECTION_PROGRESS = "{phase} · section {index} of {count} · phase {number} of 7"
SECTION_QUESTION = "Which best describes your work today?"
NOT_SURE = "Not sure"
RECORDED = "Recorded: {rating}"
HISTORY_LINE = "Earlier answers: {answers}. Last changed {day}."
HISTORY_ITEM = "{rating} ({day})"
SKIP = "Skip for now"

EVIDENCE_TITLE = "Any evidence for {section}?"
EVIDENCE_LINE = "Note what shows this, in a line or two, or skip."
EVIDENCE_NOT_SURE_LINE = "Note anything that would help you decide, in a line or two, or skip."
EVIDENCE_KEPT_LINE = "Evidence you gave before, kept unless you replace it: {text}"
KEEP_EVIDENCE = "Keep this evidence"
EVIDENCE_PLACEHOLDER = "For example: minutes of the March community forum"
SAVE_EVIDENCE = "Save evidence"
EVIDENCE_BOX = "Your evidence"
SUBJECT_BOX = "Project or workstream"
RATIONALE_BOX = "Reason"
TEXT_BOX = "Your answer"
SKIP_EVIDENCE = "No evidence now"
EVIDENCE_EMPTY = "The evidence box was empty, so nothing was saved. Type a line or two, or choose No evidence now."
CHANGE_RATING = "Change rating"
STEP_RATED = "✓ Your answer: {rating}"
STEP_EVIDENCE = "✓ Evidence saved: {text}"
STEP_NO_EVIDENCE = "✓ No evidence added"
STEP_EVIDENCE_KEPT = "✓ Evidence kept: {text}"
STEP_CHOSEN = "✓ You chose: {choice}"
STEP_RATE_AGAIN = "↩ Choose again: your answer stays as it is until you do."

IDEAS_TITLE = "Next steps for {section}"
IDEAS_LINE = "Ideas from the {level} level. Choose one to make it an action for you, due in 14 days."
IDEAS_SUSTAIN_LINE = "You are at the top level. Choose one to keep it going as an action, due in 14 days."
IDEAS_START_LINE = "Ideas to get started. Choose one to make it an action for you, due in 14 days."
NEXT_SECTION = "Next section"
ACTION_ADDED = "Added to your actions as a quick win, due {due}: {title} You can change it later."
ACTION_EXISTS = "That idea is already one of your actions."
IDEA_TAKEN = "✓ {title}"

SUMMARY_TITLE = "{phase} phase: summary"
SUMMARY_LINE = "{answered} of {total} sections answered · {evidence} with evidence · {actions}"
NEW_ACTIONS = ("new action", "new actions")
SUMMARY_UNANSWERED = "Not answered yet"
NEXT_PHASE = "Next phase: {name}"
ALL_PHASES = "Choose another phase"
MY_ACTIONS = "My actions"

ACTIONS_TITLE = "Your open actions"
EDIT_ACTION = "Edit {number}"
ACTION_TITLE = "Action for {section}"
ACTION_FACTS = {"due": "Due", "horizon": "Type", "status": "Status"}
HORIZONS = {"quick_win": "Quick win", "long_term": "Long term"}
STATUSES = {"open": "Open", "in_progress": "In progress", "done": "Done", "dropped": "Dropped"}
ACTION_CHANGES = {
    "done": "Mark done",
    "reopen": "Reopen",
    "quick_win": "Make it a quick win",
    "long_term": "Make it long term",
    "later_7": "Due a week later",
    "later_28": "Due 4 weeks later",
    "rename": "Rename",
    "in_progress": "Mark in progress",
    "drop": "Drop it",
}
RENAME_PLACEHOLDER = "A new title for this action"
ACTION_UPDATED = "Action updated."
ACTION_DONE = "Well done: marked as done."
RENAME_EMPTY = "The title box was empty, so the action keeps its title."
NO_ACTIONS = "You have no open actions yet. Choose a next-step idea after rating a section to add one."
ACTION_FACT = "{section} · due {due}"

ASSESSMENTS_TITLE = "Your assessments"
ASSESSMENTS_LINE = "Choose one to carry on with it. Closing one keeps its answers; you can reopen it here."
ASSESSMENTS_NONE = "You have no assessments yet. Start one to reflect on a project or the whole system."
ASSESSMENT_ITEM = "{number}. {about}"
ASSESSMENT_ABOUT = "{subject} · {scope} · cycle {cycle} · {answered} of {total} sections answered{closed}"
ASSESSMENT_CLOSED_MARK = " · closed"
CURRENT_ASSESSMENT = "Now assessing: {about}"
SCOPE_FOCUS = {"strategic": "strategic", "operational": "operational"}
SCOPE_FOOTPRINT = {"system": "system level", "place": "place level"}
SCOPE_STANCE = {"looking_back": "looking back", "planning_ahead": "planning ahead"}
RESUME_NUMBER = "Resume {number}"
CLOSE_NUMBER = "Close {number}"
REOPEN_NUMBER = "Reopen {number}"
MY_ASSESSMENTS = "My assessments"
ASSESSMENT_CLOSED = "Closed {subject}. Its answers are kept, and you can reopen it from My assessments."
ASSESSMENT_REOPENED = "Reopened {subject}."
GROUP_ASSESSMENT_NOT_YOURS = "A working group's assessment is closed by a lead with close cycle, so nothing was changed."

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
ALREADY_DONE = "That was already done, so I left it as it is."
TEXT_REQUIRED = "Please type something here first."
TOO_LONG = "That is longer than I can keep ({limit} characters at most). Nothing was saved; please shorten it."
TURN_FAILED = "Sorry, something went wrong on my side. Please try that again in a moment."
SAVE_FAILED = "Sorry, I couldn't save that just now, so nothing was changed. Please try again."
UNKNOWN_PHASE = "There is no phase called '{name}'. Try a number from 1 to 7, or a name such as Prepare."
NO_ASSESSMENT = "You don't have an assessment open. Type start to begin one."
CARD_ACTION_UNSUPPORTED = "This card is from an older version of Reflect. Type menu to carry on; nothing was changed."


def due_label(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def day_in_words(day: date) -> str:
    """A date spelled out with its weekday, so a date input that posted the day before is noticed."""
    return f"{day:%A} {day.day} {day:%B %Y}"


def counted(number: int, forms: tuple[str, str]) -> str:
    """'1 new action', '2 new actions': a count with the noun form that agrees with it."""
    return f"{number} {forms[0] if number == 1 else forms[1]}"


def sentence(text: str) -> str:
    """Typed text ended with a full stop unless it already ends a sentence, so nothing reads 'pay..' or 'pay. (…'."""
    stripped = text.rstrip()
    return stripped if stripped.endswith((".", "!", "?", "…")) else f"{stripped}."


# -- working groups -------------------------------------------------------------------------------------------------

GROUP_HELP_LINES = (
    "In a group's channel (mention me first in Teams):",
    "link this channel: make this channel a working group, with you as its lead",
    "add @name …, add lead @name …, add everyone: leads add members or leads",
    "remove @name …: leads remove members; leave: leave the group",
    "start group assessment: a lead starts the group's shared assessment",
    "status, group, results, participation: how the group is doing",
    "digest: post the digest now; digest monday 09:00 or digest off: leads change or stop the weekly digest",
    "close cycle: a lead closes this cycle and starts the next",
    "team actions: everyone's actions in the group; leads can change any of them",
    "rename group <name>: a lead renames the group",
    "set zone, set nation, set quiet, set minimum: a lead changes the group's time zone, bank holidays, quiet hours, or answers needed before figures show",
    "check-in, check-in phase 4, check-in by friday: a lead asks everyone how their quick wins are going; check-in extend, close or cancel",
    "audit: leads see who changed ratings, agreed levels, actions and settings, and when",
    "In your personal chat: my data sends everything I hold about you; forget me erases it",
)
DEFAULT_GROUP_NAME = "Working group"
NOT_A_MEMBER = "That belongs to a working group you are not a member of, so nothing was changed."
NOT_A_GROUP = "This channel is not linked to a working group yet. A lead can type: link this channel"
NOT_IN_A_GROUP_HERE = "Type that in your group's channel, or type groups here to choose one of your groups."
LEADS_ONLY = "Only the group's leads can do that, so nothing was changed."
LAST_LEAD = "A group needs a lead: add another lead first, then try again."
LINK_IN_CHANNEL = "Type link this channel in the channel you want to link, mentioning me there."
LINKED = "This channel is now linked to the working group {name}. You are its lead."
RELINKED = "The working group {name} now posts in this channel."
RENAMED = "The group is now called {name}."
RENAME_HOW = "Type rename group followed by the new name, for example: rename group Diabetes forum"
ADD_HOW = "Mention the people to add, for example: add @Sam @Priya, or add lead @Sam, or add everyone."
ADDED = "Added {count} to {name}. They will get a message from me when there is something to rate."
ADDED_NONE = "Everyone you mentioned was already in {name}."
ROSTER_UNAVAILABLE = "I couldn't read this channel's member list just now, so nobody was added. Please try again."
REMOVE_HOW = "Mention the people to remove, for example: remove @Sam"
REMOVED = "Removed {count} from {name}. Their answers stay, marked as a former member's."
LEFT = "You have left {name}. Your answers stay with the group, marked as a former member's."
GROUP_ASSESSMENT_RUNNING = "The group's assessment is still open. A lead can close its cycle to start the next one."
GROUP_STARTING = "Setting up {name}'s shared assessment. Everyone in the group will rate it in their own chat with me."
NO_GROUP_ASSESSMENT = "The group has no assessment yet. A lead can type: start group assessment"
CYCLE_ALREADY_MOVED = "That cycle has already been closed or replaced, so nothing was changed."
CYCLE_CLOSED = "That cycle of the group's assessment is closed, so answers can no longer change. Open the group to rate the current one."
CYCLE_CLOSED_NOTICE = "Cycle {old} is closed and cycle {new} has started with the same scope. Earlier answers are shown as people rate again."
GROUPS_TITLE = "Your working groups"
GROUPS_NONE = "You are not in any working group yet. A lead adds you from the group's channel."
OPEN_GROUP = "Open {name}"
GROUP_ROLE = {"lead": "You are a lead of this group.", "member": "You are a member of this group."}
GROUP_MEMBERS = "{members} · {leads}"
MEMBERS = ("member", "members")
LEADS = ("lead", "leads")
GROUP_ASSESSMENT = "Assessing: {subject} (cycle {cycle}, {stance})"
GROUP_MY_PROGRESS = "You have answered {answered} of {total} sections."
GROUP_SHARING = {True: "Members can see the group's results.", False: "Only leads can see the group's results so far."}
RATE_MINE = "Rate sections"
MY_ANSWERS = "My answers"
GROUP_RESULTS = "Group results"
PARTICIPATION = "Participation"
SHARE = "Share results"
UNSHARE = "Stop sharing"
CLOSE_CYCLE = "Close cycle"
START_GROUP = "Start group assessment"
LEAVE_GROUP = "Leave group"
SHARED_NOW = "Members of {name} can now see the group's results."
UNSHARED_NOW = "Only leads of {name} can see the group's results now."
RESULTS_HIDDEN = "The group's results are shared with members once a lead allows it. Your own answers are under My answers."
INVITE_TITLE = "{name}: your view is wanted"
INVITE_LINE = "{lead} started a shared assessment of {subject} (cycle {cycle}). Rate each section here, in your own time."
INVITE_PRIVACY = "The group sees figures for a section only once at least {min} have answered it."
INVITE_CATCH_UP = "You joined after it started: the others' progress does not hold you back, and your answers count the same."
MY_ANSWERS_TITLE = "Your answers · {subject}, cycle {cycle}"
MY_ANSWERS_LINE = "{answered} of {total} sections answered."

RESULTS_TITLE = "{phase}: group results"
RESULTS_LINE = "Cycle {cycle} · figures appear for a section once {min} have answered it."
RESULTS_SECTION = "{code} {title}"
RESULTS_TOO_FEW = "{answered} answered so far; figures appear at {min}."
RESULTS_SPREAD = "Emerging {e} · Developing {d} · Maturing {m} · Thriving {t} · Not sure {n}"
RESULTS_MEDIAN = "Median {median} · range {low} to {high}"
RESULTS_NO_LEVELS = "Everyone who answered chose not sure."
RESULTS_FORMER = "Includes {count} from former members."
ANSWERS = ("answer", "answers")
RESULTS_DISAGREE = "⚑ Ratings are two or more levels apart: worth discussing."
RESULTS_AGREED = "Agreed: {level}. {rationale}"
RESULTS_LAST_CYCLE = "Last cycle: {level}"
RESULTS_NOTE = "• {text}"
RESULTS_NOTE_FORMER = "• {text} (former member)"
RESULTS_MORE_NOTES = "… and {count} more."
NOTES = ("note", "notes")
AGREE_BUTTON = "Agree {code}"
AGREE_TITLE = "Agree a level for {section}"
AGREE_LINE = "Choose the level the group agrees on; the spread of ratings stays beside it."
RATIONALE_TITLE = "Why {level} for {code}?"
RATIONALE_LINE = "In one line, why the group agrees on {level}."
RATIONALE_PLACEHOLDER = "For example: two forums held, but no one from the most affected groups yet"
RATIONALE_SAVE = "Record agreed level"
RATIONALE_EMPTY = "Please give a one-line reason for the agreed level; nothing was recorded yet."
AGREED = "Recorded: the group agrees on {level} for {code}."
BETWEEN = "between {low} and {high}"

PARTICIPATION_TITLE = "Participation · {name}"
PARTICIPATION_LINE = "{responded} of {members} members have answered something. Least answered first."
PARTICIPATION_PHASE = "{complete} of {members} complete"
PARTICIPATION_MEMBER = "{answered} of {total} sections"
PARTICIPATION_DETAIL = "Phases done: {phases} · last active {active} · {reach}"
PARTICIPATION_NO_PHASES = "none"
PARTICIPATION_NEVER = "never"
REACH = {"reachable": "reachable", "unreachable": "not reachable", "unknown": "not yet messaged"}
MORE_PEOPLE = "… and {count} more."

STATUS_TITLE = "{name} · status"
STATUS_LINE = "{subject}, cycle {cycle} · {responded} of {members} members have answered."
STATUS_PHASE = "{complete} of {members} · {level}{movement}"
MOVEMENT = " ({before} → {after})"
CYCLE_MOVES = "Moved since cycle {cycle}: {moves}"
CYCLE_MOVE = "{code} {before} → {after}"
CYCLE_MOVES_MORE = "and {count} more"
RESULTS_LAST_CYCLE_MOVED = "Last cycle: {before} → now {after}"
NO_LEVEL = "no group level yet"
AGREED_SUFFIX = " (agreed)"

SCHEDULE_HOW = "Type digest followed by a day and a time, for example: digest monday 09:00; or digest off."
SCHEDULE_SET = "The weekly digest now goes out on {day}s at {time} ({zone}), skipping quiet hours, weekends and bank holidays."
SCHEDULE_OFF = "The weekly digest is stopped. A lead can type digest monday 09:00 to start it again."
DIGEST_COMING = "Posting the digest in the group's channel now."
DIGEST_NO_CHANNEL = "The group has no linked channel to post in. A lead can type link this channel there."
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

DIGEST_TITLE = "{name} · weekly digest"
DIGEST_TITLE_ASKED = "{name} · digest"
DIGEST_PARTICIPATION = "{responded} of {members} members have answered so far."
DIGEST_ATTENTION = "Needs attention: {overdue} overdue, {stalled} stalled, {discuss} to discuss. Details in the thread."
DIGEST_ALL_CLEAR = "Nothing overdue or stuck."
DIGEST_FOCUS = {
    "least_answered": "Suggested focus: {phase}, the least answered phase.",
    "lowest": "Suggested focus: {phase}, the phase with the lowest level.",
}
DIGEST_WHY_WEEKLY = "Sent because this group gets a digest every {day} at {time}. A lead can change it (digest friday 14:00) or stop it (digest off)."
DIGEST_WHY_ASKED = "Sent because someone typed digest. A lead can change the weekly digest (digest friday 14:00) or stop it (digest off)."
DIGEST_UPDATED = "Updated {time} as new answers came in."
DIGEST_PHASE = "{complete} of {members} done"
ATTENTION_TITLE = "Needs attention"
ATTENTION_NONE = "Nothing is overdue, stalled or waiting for a discussion."
ATTENTION_OVERDUE = "Overdue · {section} · due {due}"
ATTENTION_STALLED = "Stalled · {section} · due {due}"
ATTENTION_DISCUSS = "To discuss · {section}"
ATTENTION_DISCUSS_VALUE = "Ratings are two or more levels apart and no level is agreed yet."
ATTENTION_MORE = "… and {count} more."
PROGRESS_TITLE = "Progress by phase"
PROGRESS_LINE = "Bars show the share of sections answered by current members."
PROGRESS_VALUE = "{bar} {percent}% · {level}{movement}"
CHANGES_TITLE = "Since the last digest"
CHANGES_TITLE_FIRST = "Since the assessment started"
CHANGES_LINE = "{new} · {changed} changed · {done} done"
NEW_ANSWERS = ("new answer", "new answers")
ACTIONS = ("action", "actions")
CHANGES_LEVEL = "{section}"
CHANGES_LEVEL_VALUE = "{before} → {after}"
CHANGES_LEVEL_NEW = "new: {after}"
CHANGES_NO_LEVELS = "No group level has changed."
QUICK_WINS_LINE = "Quick wins done: {count}"
QUICK_WIN = "Quick win · {section}"
NON_RESPONDERS_TITLE = "{name}: not answered yet"
NON_RESPONDERS_LINE = "Only leads get this list. {count} of {members} members have not answered anything in cycle {cycle}."
NON_RESPONDERS_NONE = "Everyone in {name} has answered something in cycle {cycle}."
NON_RESPONDER = "Not answered yet"
LAST_CYCLE_RATING = "Last cycle you chose: {rating}"
LAST_CYCLE_EVIDENCE = "Your evidence then: {text}"
JOINED = "joined {day}"
JOINED_UNKNOWN = "a member"
A_LEAD = "A lead"
SETTINGS_HOW = (
    "Leads can type: set zone Europe/London, set nation scotland (england, wales, scotland or northern_ireland), "
    "set quiet 20:00-08:00, set minimum 3 (answers before a section's figures show), or set closed 2026-12-24 "
    "(an extra day with no reminders or digests; set open 2026-12-24 undoes it)."
)
SETTING_CHANGED = "Done: {what} is now {value} for {name}."
SETTING_NAMES = {"zone": "the time zone", "nation": "the nation for bank holidays", "quiet": "quiet hours", "minimum": "the minimum number of answers", "closed": "a closed day", "open": "a working day"}

# -- quick-win check-ins --------------------------------------------------------------------------------------------

CHECKIN_HOW = (
    "Leads can type: check-in (closes at the end of the second working day), check-in phase 4, check-in by friday, "
    "check-in extend, check-in close or check-in cancel."
)
CHECKIN_NOT_FOUND = "I can't find that check-in in this group, so nothing was changed."
CHECKIN_NO_ASSESSMENT = "This group has no assessment yet. A lead can type start group assessment first."
CHECKIN_ALREADY_OPEN = "A check-in is already open in this group. A lead can extend, close or cancel it."
CHECKIN_NOT_DRAFT = "That check-in has already been started or cancelled, so nothing was changed."
CHECKIN_NOT_OPEN = "That check-in is no longer open, so nothing was changed."
CHECKIN_EXTEND_EARLIER = "The new deadline must be later than the current one, so nothing was changed."
CHECKIN_NOT_ASKED = "You were not asked in that check-in, so nothing was changed."
CHECKIN_NOTE_FIRST = "Choose Done, Progressing or Stuck for that quick win first, then add your note."
CHECKIN_QUICK_WIN_TAKEN = "You already have that quick win, so nothing was added."
CHECKIN_NO_LEAD_GROUP = "Only a group's leads can start a check-in, and you lead no group here."
CHECKIN_WHICH_GROUP = "Which group should I check in with?"
CHECKIN_PREVIEW_TITLE = "Check-in for {name}"
CHECKIN_PREVIEW_WHO = (
    "To be asked in a direct message, in each person's own working hours ({zone} where their time zone is not known):"
    " {members}, {names}."
)
CHECKIN_PREVIEW_MORE = "{names} and {more} more"
CHECKIN_PREVIEW_PHASE = "About their open quick wins in {phase}."
CHECKIN_PREVIEW_ALL = "About their open quick wins."
CHECKIN_PREVIEW_DEADLINE = "Closes {when}. Answers can change until then."
CHECKIN_PREVIEW_NUDGES = (
    "Light: one nudge halfway, to people who have not answered. Active: also one on the closing day. "
    "Nobody gets two messages within 24 hours."
)
CHECKIN_START_LIGHT = "Start · light nudges"
CHECKIN_START_ACTIVE = "Start · active nudges"
CHECKIN_CANCEL = "Cancel check-in"
CHECKIN_EXTEND = "Extend a day"
CHECKIN_STARTED = "Check-in started: asking {members}. It closes {when}; the summary goes to the group's channel."
CHECKIN_CANCELLED = "The check-in is cancelled. Nobody else will be asked or nudged."
CHECKIN_EXTENDED = "The check-in now closes {when}."
CHECKIN_CLOSING = "Closing the check-in now; the summary goes to the group's channel."
CHECKIN_STATUS_TITLE = "Check-in for {name}: open"
CHECKIN_STATUS_LINE = "{responded} of {asked} members have answered; it closes {when}."
CHECKIN_STATUS_AWAY = "Away"
CHECKIN_STATUS_UNREACHABLE = "Could not be reached"
CHECKIN_NONE_OPEN = "No check-in is open in this group. A lead can type check-in to start one."
CHECKIN_ASK_TITLE = "{name}: quick-win check-in"
CHECKIN_ASK_INTRO = "{lead} asked how your quick wins are going. Choose one answer for each; you can change them until {when}."
CHECKIN_ASK_LATE = "This check-in has closed, but answers still count and show as late."
CHECKIN_NUDGE_HALFWAY = "A reminder: the check-in is halfway to its deadline."
CHECKIN_NUDGE_CLOSING = "The check-in closes today."
CHECKIN_NUDGE_SNOOZED = "You asked me to remind you today."
CHECKIN_ITEM = "{number} · {title} · due {due}"
CHECKIN_ITEM_ANSWER = "{number} · {title} · due {due} · your answer: {answer}"
CHECKIN_ITEM_NOTE = " ({note})"
CHECKIN_MORE_WINS = "You have {more} as well; answer these first."
MORE_QUICK_WINS = ("more open quick win", "more open quick wins")
CHECKIN_ANSWERS = {"done": "Done", "progressing": "Progressing", "stuck": "Stuck"}
CHECKIN_BUTTON = "{number} {answer}"
CHECKIN_NOTE_PLACEHOLDER = "A one-line note on {title}, if you want to add one"
CHECKIN_NOTE_SAVE = "Save note"
CHECKIN_NEW_QUESTION = "You have no open quick wins. What is one quick win you could do in the next fortnight?"
CHECKIN_NEW_PLACEHOLDER = "For example: ask the carers' forum to review our leaflet"
CHECKIN_NEW_SAVE = "Save quick win"
CHECKIN_NEW_SAVED = "Your quick win: {title}, due {due}. Type a new one to change it."
CHECKIN_SNOOZE = "Snooze until tomorrow"
CHECKIN_AWAY = "I'm away"
CHECKIN_STOP = "Away or not for you this time? Choose I'm away and I won't ask again in this check-in. Check-ins happen only when a lead starts one."
CHECKIN_AWAY_DONE = "You're marked as away for this check-in. I won't nudge you about it again."
CHECKIN_SNOOZED = "I'll remind you {when}, unless you answer first."
CHECKIN_SNOOZED_PAST = "The check-in closes before then, so I won't remind you again. You can still answer on the card."
CHECKIN_SUMMARY_TITLE = "{name} · check-in results"
CHECKIN_SUMMARY_RESPONDED = "{responded} of {asked} members responded."
CHECKIN_SUMMARY_AWAY = " {away} away."
CHECKIN_SUMMARY_PHASE = "Quick wins in {phase}."
CHECKIN_SUMMARY_NOTHING = "No quick-win answers yet."
CHECKIN_SUMMARY_NEW = "New quick win"
CHECKIN_SUMMARY_LATE = " (late)"
CHECKIN_SUMMARY_UPDATED = "Updated {time} with late answers."
CHECKIN_SUMMARY_MORE = "… and {count} more."
CHECKIN_SUMMARY_WHY = "Posted because a lead started a check-in. Check-ins happen only when a lead types check-in."
CHECKIN_LEADS_TITLE = "{name}: check-in, who did not answer"
CHECKIN_LEADS_LINE = "Only leads get this list. {count} of {asked} members did not answer."
CHECKIN_LEADS_NONE = "Everyone asked in {name}'s check-in answered, was away, or could not be reached."
CHECKIN_LEADS_WHY = "You get this because you lead the group. It comes only after a check-in a lead started."
CHECKIN_NO_ANSWER = "No answer"
CHECKIN_ASKED_ON = "asked {when}"
NO_SUCH_CHOICE = "There is no choice {number} on the last card, so nothing was saved. Type {numbers}, or a choice's name."
NUMBERS = {1: "1"}
NUMBER_RANGE = "a number from 1 to {count}"
NO_CHOICES = "The last card has no numbered choices, so nothing was saved. Type help to see what you can type."

SLACK_CONTINUED_IN_DM = "I have answered in our direct message, so you can carry on there."

# -- actions: owners, due dates, lists ------------------------------------------------------------------------------

ACTION_ITEM = "{number}. {section}due {due} · {status}"
ACTION_ITEM_OWNER = "{number}. {section}due {due} · {status} · {owner}"
ACTION_NO_SECTION = "No section"
ITEM_BUTTONS = {
    "done": "Done",
    "in_progress": "Started",
    "later_7": "Snooze",
    "due": "Due date",
    "owner": "Reassign",
    "drop": "Drop",
    "open": "Details",
    "reopen": "Reopen",
}
MY_DONE_TITLE = "Your done and dropped actions"
TEAM_ACTIONS_TITLE = "{name}: actions"
TEAM_DONE_TITLE = "{name}: done and dropped actions"
SHOW_DONE = "Show done"
SHOW_OPEN = "Show open"
TEAM_ACTIONS = "Team actions"
NO_DONE_ACTIONS = "Nothing is done or dropped yet."
NO_TEAM_ACTIONS = "This group has no open actions yet."
MORE_ACTIONS = "Showing {shown} of {total}."
TEAM_ACTIONS_ONLY_IN_GROUP = "team actions lists a working group's actions: type it in the group's channel, or open the group first."
ACTION_FACTS_MORE = {"owner": "Owner", "note": "Note"}
ACTION_DROPPED = "Dropped. Reopen it from your done list if you need it again."
ACTION_STARTED = "Marked as in progress."
ACTION_REOPENED = "Reopened: it is back in your open actions."
CHANGE_DUE = "Due date"
REASSIGN = "Reassign"
ADD_NOTE = "Save note"
NOTE_PLACEHOLDER = "A short note, for example what is blocking it"
NOTE_SAVED = "Note saved."
ACTION_NOT_ALLOWED = (
    "Only the action's owner, the person who added it or a group lead can change it, so I left it as it is."
)
DUE_TITLE = "New due date for: {title}"
DUE_LINE = "Currently due {due}. Pick a date, or choose one of the quick picks."
DUE_LABEL = "Due date"
DUE_SET = "Save date"
DUE_REQUIRED = "Please pick a date first."
DUE_PICKS = {"1w": "In 1 week", "2w": "In 2 weeks", "month_end": "End of month"}
DUE_CHANGED = "Now due {day}. If that is not the day you picked, choose Due date again."
DUE_PAST = "{day} has already passed, so the due date stays {due}. Please pick today or a later day."
DUE_TOO_FAR = "That is more than {years} years away, so the due date stays {due}. Please pick an earlier day."
DUE_MISSING = "No date came with that, so the due date stays {due}. Pick a date, or choose a quick pick."
OWNER_TITLE = "Who should own: {title}"
OWNER_LINE = "Owned by {owner} now. Pick anyone in your organisation the bot can reach; they get a message with the action."
OWNER_LINE_HERE = "Owned by {owner} now. Pick someone in this conversation; they get a message with the action."
OWNER_LABEL = "New owner"
OWNER_SET = "Assign"
OWNER_REQUIRED = "Please pick a person first."
OWNER_MISSING = "No person came with that, so the owner stays {owner}. Pick someone, then choose Assign."
OWNER_NOT_FOUND = (
    "I can't reach that person, so the owner stays {owner}. They need Reflect in a team they belong to, "
    "or pick someone in this conversation."
)
OWNER_UNCHANGED = "{owner} already owns it, so nothing changed."
OWNER_CHANGED = "{owner} now owns it. I'll send them a message with the action."
SOMEONE = "someone"
ASSIGNED_TITLE = "A new action for you"
ASSIGNED_LINE = "{by} gave you this action: {title}"
ASSIGNED_LATE = "This comes a little late: it was assigned outside working hours."
ASSIGNED_STOP = "Done, Snooze and Drop work from here. Not yours? Reassign it, and I won't message you about it again."
ADD_ACTION_HOW = "Type add action followed by what needs doing, for example: add action Book the community venue"
ACTION_ADDED_TYPED = "Added to your actions: {title} (quick win, due {due}). Use the buttons to change the date or the owner."
ACTION_HISTORY_SHOWN = 3
ACTION_HISTORY_WHAT = {
    "created": "added",
    "status": "marked {status}",
    "horizon": "made {horizon}",
    "due": "due date set to {due}",
    "owner": "given to a new owner",
    "title": "renamed",
    "note": "note written",
}
ACTION_HISTORY_BY = {"owner": "by the owner", "creator": "by whoever added it", "other": "by someone else"}
ACTION_HISTORY_LINE = "{what}, {by}"
ACTION_TITLE_PLAIN = "Action"
NOTE = "Note"
NOTE_TITLE = "A note on: {title}"
OWNER_ME = "Me"
OWNER_UNREACHABLE = " (I can't reach them until they write to Reflect)"

# Personal data, erasure and the audit trail (dialogs/privacy.py, dialogs/audit.py)
PRIVATE_CHAT_ONLY = "Type that in your personal chat with me, so nobody else sees the answer."
MY_DATA_SENT = "Here is everything Reflect holds about you in this organisation, as JSON and as a spreadsheet (CSV)."
MY_DATA_JSON = "Your data in Reflect (JSON), made {when}."
MY_DATA_CSV = "Your data in Reflect (CSV, one row per stored value), made {when}."
FORGET_TITLE = "Forget me?"
FORGET_LINES = (
    "Your own assessments, answers, actions and settings with me will be deleted.",
    "In working groups your ratings stay, as a former member's with no name and no evidence text, so the group's history still adds up. Your actions there pass to a lead.",
    "Reminders and digests addressed to you stop. This cannot be undone.",
)
FORGET_YES = "Yes, forget me"
FORGET_NO = "Keep my data"
FORGOTTEN = (
    "Done. I deleted {removed} of yours, kept {anonymised} as a former member's in {groups}, "
    "passed {reassigned} to a lead and left {unowned} without an owner, and stopped {jobs}. "
    "If you write to me again, I will start afresh."
)
FORGOTTEN_ITEMS = ("item", "items")
FORGOTTEN_ANSWERS = ("group answer", "group answers")
FORGOTTEN_GROUPS = ("group", "groups")
FORGOTTEN_ACTIONS = ("action", "actions")
FORGOTTEN_JOBS = ("scheduled message", "scheduled messages")
AUDIT_TITLE = "Audit trail: {name}"
AUDIT_PAGE = "Page {page} of {pages}, newest first. Who changed what and when; what people wrote is never copied here."
AUDIT_NONE = "Nothing has been changed in this group yet."
AUDIT_OLDER = "Older"
AUDIT_NEWER = "Newer"
AUDIT_WHAT = {
    "rating": "rating · {subject}",
    "agreed_level": "agreed level · {subject}",
    "action": "action · {subject}",
    "group_setting": "settings · {subject}",
}
AUDIT_FORMER = "a former member"
FILE_DECLINED = "No problem, I did not send the file. Type my data whenever you want it."
FILE_UPLOAD_FAILED = "Sorry, I could not put the file in your OneDrive. Please type my data to try again."

# -- reminders ------------------------------------------------------------------------------------------------------

REMINDER_TITLES = {
    "before": "Coming up: an action due {due}",
    "due": "Due today: one of your actions",
    "overdue": "Overdue since {due}: one of your actions",
}
REMINDER_LATE = "This reminder comes later than planned: Reflect was not running at its time."
REMINDER_BUTTONS = {"done": "Done", "later_7": "Snooze a week", "update": "Update"}
REMINDER_HOW_TO_STOP = "To stop reminders, type: reminders off. To change when they come, type: reminders 3 days."
REMINDER_OUTCOME_TITLE = "Action {status}"
REMINDER_OUTCOME_LINE = "Closed on {day}. No more reminders for it."
REMINDER_UNREACHABLE_TITLE = "Reflect cannot reach the owner of an action"
REMINDER_UNREACHABLE_LINE = (
    "A reminder could not be delivered to {owner}: they may have blocked Reflect or not have it installed. Reflect "
    "will try again once they write to it. You may want to check the action with them."
)
REMINDER_OWNER_UNKNOWN = "its owner"
REMINDERS_TITLE = "Your reminders"
REMINDERS_ON = "On: {lead} working days before an action is due, on the due date, and weekly while overdue, at 09:00 your time."
REMINDERS_OFF = "Off: you get no reminders about your actions."
REMINDERS_FROM_TEAM = "This is your team's default; your own choice would outrank it."
REMINDERS_ZONE = "Your time zone: {zone}"
REMINDERS_HOW = (
    "Type: reminders off, reminders on, reminders 3 days (1 to 10 working days ahead), or reminders default. "
    "Leads can set their team's default in its channel: reminders team 3 days, or reminders team off."
)
REMINDERS_CHANGED = "Done: reminders are now {what}."
REMINDERS_TEAM_CHANGED = "Done: {name}'s default is now {what}. Anyone's own choice still outranks it."
REMINDERS_WHAT_ON = "on, {lead} working days ahead"
REMINDERS_WHAT_OFF = "off"
REMINDERS_WHAT_DEFAULT = "your team's default"
REMINDERS_NOT_UNDERSTOOD = "I did not catch that. " + REMINDERS_HOW
REMINDERS_TEAM_LEADS_ONLY = "Only a lead of this working group can set its default for reminders."

EXPORT_TITLE = "Take your assessment with you"
EXPORT_LINE = "Choose a format. Word is laid out like the framework's tick-box edition; the PDF report has charts."
EXPORT_GROUP_LINE = "This exports {name}'s assessment: the group's spread, agreed levels and actions, naming no one's answers."
EXPORT_BUTTONS = {"docx": "Word", "pdf": "PDF report", "xlsx": "Excel", "csv": "CSV", "html": "HTML report"}
EXPORT_HISTORY_BUTTON = "Excel with history"
EXPORT_HOW = (
    "Type export word, export pdf, export html, export xlsx or export csv (add 'history' for earlier versions of "
    "answers)."
)
EXPORT_NOTHING = "You have no assessment to export yet. Type start to begin one."
EXPORT_LEADS_ONLY = (
    "The group's export is for its leads until a lead shares the group's results with members. "
    "Your own answers are under My answers."
)
EXPORT_PRIVATE_ONLY = (
    "I send files only in a private chat, so nobody else can open them. In your chat with me, type group to "
    "choose this group, then export again."
)
EXPORT_CONSOLE = "Your {format} export is ready to send, but files can only be delivered in Teams or Slack."
EXPORT_PDF_MISSING = (
    "PDF and HTML reports are not installed on this Reflect server, so I couldn't make one. Word, Excel and CSV work; "
    "your administrator can add PDFs by installing reflect-bot[pdf]."
)
EXPORT_FAILED = "Sorry, I couldn't make that file just now. Nothing was changed; please try again in a minute."
EXPORT_SLACK_COMMENT = "Here is your {format} export of {subject}."
EXPORT_SENT_PRIVATELY = (
    "I've sent the file to you in a direct message: the group's results aren't shared with all its members yet."
)
EXPORT_LINK_TITLE = "Your {format} export is ready"
EXPORT_LINK_LINE = "The download link works once, for the next 10 minutes, and only for you. Don't forward it."
EXPORT_LINK_BUTTON = "Download"
EXPORT_CONSENT_LINE = "Or accept the file below to save it to your OneDrive."
EXPORT_CONSENT_DESCRIPTION = "Reflect {format} export of {subject}"
EXPORT_CONSENT_DECLINED = "No problem, I won't save the file. The download link still works for 10 minutes."
EXPORT_CONSENT_REFUSED = "That file offer was not made for you, or has expired, so nothing was saved."
EXPORT_CONSENT_SAVED = "Saved to your OneDrive."
EXPORT_CREDIT = (
    "Based on the framework '{title}' by the {source}. Descriptors are Reflect's own paraphrase, not the "
    "publication's wording."
)
EXPORT_YOU = "you"
EXPORT_MEMBER = "member"
EXPORT_FORMER = "former member"
