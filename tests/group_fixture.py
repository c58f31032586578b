"""One working group's answers, agreed levels and actions, with every digest figure worked out by hand beside it.

Members A (lead), B, C, D and E are current; F has left. Today is Monday 23 November 2026 in London, and the
last digest went out on 16 November at 09:00 UTC.

    section  A   B   C   D         F (former)  agreed     figures
    1a       1   2   4   not sure  2                      5 answered: E1 D2 M0 T1 N1, median 2, range 1-4: discuss
    1b       2   3                                        2 answered: below 3, no figures
    1c       3   3   3                                    median 3 (A's changed from 2 after the last digest)
    1d       1   2   2                         Maturing   agreed 3 (median 2)
    4a       2   1   2                                    median 2; all three answered after the last digest

Check:   A and B answered all four sections: 2 of 5 complete; 12 of 20 answers (60 %); level median(2, 3, 3) = 3.
Prepare: nobody complete; 3 of 15 answers (20 %); level 2.
Focus:   Challenge: the first of the phases with no level, all equally unanswered.
Actions: B's due 10 Nov, A's due 20 Nov, F's due 21 Nov (all open: overdue, in that order); C's untouched since
         1 Oct, due 10 Dec (stalled); D's quick win done 22 Nov (counted); A's long-term done 1 Nov (before the period).
Changes: 3 new answers, 1 changed; 1c 2 -> 3, 1d new 3, 4a new 2 (1a still 2); last cycle 1a 1, 1c 3, 4a 2.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.framework import Level
from bot.models import (
    NOT_SURE,
    Action,
    Agreement,
    Assessment,
    Member,
    Rating,
    Response,
    Revision,
    Scope,
    Team,
)
from tests import harness

NOW = harness.NOW
"""The digest's "now": the same instant the app harness's clock starts at."""
TODAY = date(2026, 11, 23)
SINCE = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
BEFORE = datetime(2026, 11, 10, 12, 0, tzinfo=UTC)
AFTER = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
ASSESSMENT_ID = "a-fixture0000000001"
BASELINE = {"1a": 2.0, "1c": 2.0}
LAST_CYCLE = {"1a": 1.0, "1c": 3.0, "4a": 2.0}

MEMBERS = (
    Member(user_id="A", role="lead", name="Asha"),
    Member(user_id="B", name="Ben"),
    Member(user_id="C", name="Cara"),
    Member(user_id="D", name="Dev"),
    Member(user_id="E", name="Eve"),
)
FORMER = (Member(user_id="F", name="Finn", left_at=AFTER),)
TEAM = Team(id="G-fixture", name="Equity forum", members=MEMBERS, former=FORMER)
SCOPE = Scope(subject="Community voice", focus="strategic", footprint="place", stance="looking_back")
ASSESSMENT = Assessment(id=ASSESSMENT_ID, owner_id="A", scope=SCOPE, created_at=BEFORE, shared=True)

_RATINGS: dict[str, dict[str, Rating]] = {
    "1a": {"A": Level.EMERGING, "B": Level.DEVELOPING, "C": Level.THRIVING, "D": NOT_SURE, "F": Level.DEVELOPING},
    "1b": {"A": Level.DEVELOPING, "B": Level.MATURING},
    "1c": {"A": Level.MATURING, "B": Level.MATURING, "C": Level.MATURING},
    "1d": {"A": Level.EMERGING, "B": Level.DEVELOPING, "C": Level.DEVELOPING},
    "4a": {"A": Level.DEVELOPING, "B": Level.EMERGING, "C": Level.DEVELOPING},
}
_EVIDENCE = {("1a", "B"): "Forum minutes, October", ("1a", "F"): "Survey of carers"}


def _response(section: str, author: str, rating: Rating) -> Response:
    created = AFTER if section == "4a" else BEFORE
    response = Response(
        assessment_id=ASSESSMENT_ID, section=section, author_id=author, rating=rating,
        evidence=_EVIDENCE.get((section, author)), created_at=created, updated_at=created,
    )
    if (section, author) == ("1c", "A"):
        earlier = Revision(rating=Level.DEVELOPING, evidence=None, at=BEFORE)
        return response.model_copy(update={"updated_at": AFTER, "history": (earlier,)})
    return response


RESPONSES = [_response(section, author, rating) for section, by in _RATINGS.items() for author, rating in by.items()]
AGREEMENTS = {
    "1d": Agreement(assessment_id=ASSESSMENT_ID, section="1d", level=Level.MATURING, rationale="Plan signed off", by="A", at=AFTER)
}


def _action(number: int, owner: str, due: date, **changes: object) -> Action:
    values: dict[str, object] = {
        "id": f"act-{number}", "assessment_id": ASSESSMENT_ID, "section": "1a", "title": f"Action {number}",
        "owner_id": owner, "due": due, "created_at": BEFORE, "updated_at": BEFORE, **changes,
    }
    return Action.model_validate(values)


ACTIONS = [
    _action(1, "A", date(2026, 11, 20)),
    _action(2, "B", date(2026, 11, 10)),
    _action(3, "C", date(2026, 12, 10), updated_at=datetime(2026, 10, 1, tzinfo=UTC), created_at=datetime(2026, 10, 1, tzinfo=UTC)),
    _action(4, "D", date(2026, 11, 30), status="done", updated_at=datetime(2026, 11, 22, tzinfo=UTC)),
    _action(
        5, "A", date(2026, 12, 30), status="done", horizon="long_term",
        created_at=datetime(2026, 10, 1, tzinfo=UTC), updated_at=datetime(2026, 11, 1, tzinfo=UTC),
    ),
    _action(6, "F", date(2026, 11, 21)),
]
