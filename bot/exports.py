"""What an export is, before any file format: the request a person makes, and the data every writer lays out.

The request is small and travels on a view, in a signed link or in a Teams file-consent context; the data is
plain dataclasses of text and numbers, so a writer in another process can rebuild it from JSON and needs
nothing else from Reflect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from bot.keys import Platform
from bot.models import Id

ExportFormat = Literal["docx", "csv", "xlsx", "pdf", "html"]
FORMAT_NAMES: dict[ExportFormat, str] = {"docx": "Word", "csv": "CSV", "xlsx": "Excel", "pdf": "PDF", "html": "HTML report"}
MIME_TYPES: dict[ExportFormat, str] = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
}


class ExportRequest(BaseModel):
    """Who asked for which assessment in which format; checked again whenever a file is actually made."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    format: ExportFormat
    platform: Platform
    tenant_id: Id
    space: Id
    """The partition the assessment lives in: the person's own space, or the group's."""
    assessment_id: Id
    user_id: Id
    group: bool = False
    history: bool = False

    @property
    def filename(self) -> str:
        kind = "group" if self.group else "my"
        return f"reflect-{kind}-assessment.{self.format}"


@dataclass(frozen=True)
class SectionResult:
    """One section as exported: its four descriptors and the chosen level, with the group's figures if any."""

    code: str
    title: str
    descriptors: tuple[str, ...]
    """Emerging, Developing, Maturing, Thriving, in that order."""
    chosen: int | None = None
    """The person's rating, or the group's agreed level: the box that is ticked."""
    not_sure: bool = False
    evidence: tuple[str, ...] = ()
    counts: tuple[int, ...] | None = None
    """How many members chose each level (group exports, once enough answered); None when hidden or personal."""
    answered: int = 0
    median: float | None = None
    rationale: str | None = None
    last_cycle: float | None = None

    @property
    def level(self) -> float | None:
        """The section's result: the chosen level, else the group's median."""
        return float(self.chosen) if self.chosen is not None else self.median


@dataclass(frozen=True)
class PhaseResult:
    number: int
    name: str
    sections: tuple[SectionResult, ...]

    @property
    def level(self) -> float | None:
        """The mean of the sections that have a result, so a half-answered phase still shows where it stands."""
        found = [s.level for s in self.sections if s.level is not None]
        return None if not found else round(sum(found) / len(found), 2)

    @property
    def last_level(self) -> float | None:
        found = [s.last_cycle for s in self.sections if s.last_cycle is not None]
        return None if not found else round(sum(found) / len(found), 2)


@dataclass(frozen=True)
class AnswerRow:
    """One answer; in a group export it names no one, only whether its author has left the group."""

    section: str
    phase: str
    rating: str
    evidence: str
    updated: str
    author: str


@dataclass(frozen=True)
class RevisionRow:
    """An earlier version of an answer, exported only on request."""

    section: str
    rating: str
    evidence: str
    at: str
    author: str


@dataclass(frozen=True)
class ActionRow:
    section: str
    title: str
    owner: str
    due: str
    horizon: str
    status: str
    """open, overdue, done or dropped."""


@dataclass(frozen=True)
class ExportData:
    """Everything a file shows, already decided: which boxes are ticked, which figures may be shown."""

    framework: str
    credit: str
    subject: str
    scope: tuple[str, ...]
    cycle: int
    made_on: str
    group: str | None
    min_answers: int
    phases: tuple[PhaseResult, ...]
    actions: tuple[ActionRow, ...] = ()
    answers: tuple[AnswerRow, ...] = ()
    revisions: tuple[RevisionRow, ...] = ()
    history: bool = False

    @property
    def heading(self) -> str:
        return f"{self.group}: {self.subject}" if self.group else self.subject


def header_of(data: ExportData) -> dict[str, Any]:
    """Everything but the long lists, as JSON-ready values; `rebuild` puts the parts back together."""
    return {
        "framework": data.framework, "credit": data.credit, "subject": data.subject, "scope": list(data.scope),
        "cycle": data.cycle, "made_on": data.made_on, "group": data.group, "min_answers": data.min_answers,
        "history": data.history,
        "phases": [
            {"number": p.number, "name": p.name, "sections": [_section_dict(s) for s in p.sections]} for p in data.phases
        ],
    }


def _section_dict(section: SectionResult) -> dict[str, Any]:
    return {name: getattr(section, name) for name in SectionResult.__dataclass_fields__}


def rebuild(
    header: dict[str, Any], actions: list[list[str]], answers: list[list[str]], revisions: list[list[str]]
) -> ExportData:
    """The data again, from `header_of` and the rows as lists of their fields in declaration order."""
    phases = tuple(
        PhaseResult(
            p["number"], p["name"],
            tuple(
                SectionResult(**{
                    **s, "descriptors": tuple(s["descriptors"]), "evidence": tuple(s["evidence"]),
                    "counts": None if s["counts"] is None else tuple(s["counts"]),
                })
                for s in p["sections"]
            ),
        )
        for p in header["phases"]
    )
    return ExportData(
        framework=header["framework"], credit=header["credit"], subject=header["subject"], scope=tuple(header["scope"]),
        cycle=header["cycle"], made_on=header["made_on"], group=header["group"], min_answers=header["min_answers"],
        phases=phases, actions=tuple(ActionRow(*row) for row in actions),
        answers=tuple(AnswerRow(*row) for row in answers), revisions=tuple(RevisionRow(*row) for row in revisions),
        history=header["history"],
    )


def row_fields(row: AnswerRow | RevisionRow | ActionRow) -> list[str]:
    """A row as the list `rebuild` reads back."""
    return [getattr(row, name) for name in type(row).__dataclass_fields__]
