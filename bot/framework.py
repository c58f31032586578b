"""The engagement framework as typed data, and a loader that explains every mistake in one line.

The bundled framework lives in `framework_data/framework.toml`; an organisation can point
FRAMEWORK_PATH at its own copy, so every rule here is written for a person editing TOML by hand.
"""

from __future__ import annotations

import tomllib
from difflib import get_close_matches
from enum import IntEnum
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path
from string import ascii_lowercase
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, model_validator
from pydantic_core import ErrorDetails, PydanticCustomError

from bot.errors import FrameworkError

SCHEMA_VERSION = 1
PHASE_NAMES: tuple[str, ...] = ("Check", "Challenge", "Plan", "Prepare", "Engage", "Involve", "Evaluate")
MIN_ACTIVITIES = 2
MAX_ACTIVITIES = 4
TITLE_MAX = 80
SOURCE_MAX = 200
PURPOSE_MAX = 200
SUMMARY_MAX = 240
WHY_MAX = 300
DESCRIPTOR_MAX = 90
ACTIVITY_MAX = 160
# Error types raised by this module: their messages already say everything, so no input is appended.
_OWN_ERRORS = frozenset({
    "blank_text", "text_too_long", "activity_count", "unknown_level", "missing_level",
    "no_sections", "section_code", "schema_version", "framework_structure",
})
# Pydantic's type errors in the words of TOML, which is all a framework author sees.
_PLAIN_TYPE_ERRORS = {
    "tuple_type": "should be a list in [brackets]",
    "dict_type": "should be a table",
    "model_type": "should be a table",
    "string_type": "should be text in quotes",
    "int_type": "should be a whole number",
    "int_parsing": "should be a whole number",
    "int_from_float": "should be a whole number",
}


class Level(IntEnum):
    """Maturity levels as ordered numbers, so 'the level above' is simple arithmetic."""

    EMERGING = 1
    DEVELOPING = 2
    MATURING = 3
    THRIVING = 4

    @property
    def label(self) -> str:
        """The display name, so no caller has to title-case enum names itself."""
        return self.name.capitalize()


_LEVEL_KEYS = {level.name.lower(): level for level in Level}


def _bounded(limit: int) -> AfterValidator:
    """Texts end up on phone screens and rating buttons, so both blank and overlong ones are rejected."""

    def check(value: str) -> str:
        text = value.strip()
        if not text:
            raise PydanticCustomError("blank_text", "is empty")
        if len(text) > limit:
            raise PydanticCustomError(
                "text_too_long",
                "is too long: {length} characters, the limit is {limit}",
                {"length": len(text), "limit": limit},
            )
        return text

    return AfterValidator(check)


def _activity_count(activities: tuple[str, ...]) -> tuple[str, ...]:
    """Activities become suggested actions: one is no choice, and more than four swamps a phone screen."""
    if not MIN_ACTIVITIES <= len(activities) <= MAX_ACTIVITIES:
        raise PydanticCustomError(
            "activity_count",
            "has {count} {noun}; each level needs {low} to {high}",
            {
                "count": len(activities),
                "noun": "activity" if len(activities) == 1 else "activities",
                "low": MIN_ACTIVITIES,
                "high": MAX_ACTIVITIES,
            },
        )
    return activities


def _level_key(value: object) -> object:
    """TOML tables use lowercase level names, so a typo there gets a message listing the real ones."""
    if not isinstance(value, str):
        return value
    if value not in _LEVEL_KEYS:
        raise PydanticCustomError(
            "unknown_level",
            "unknown level name '{name}'; use emerging, developing, maturing or thriving",
            {"name": value},
        )
    return _LEVEL_KEYS[value]


def _all_levels(levels: dict[Level, LevelText]) -> dict[Level, LevelText]:
    """Every rating button needs text behind it; levels are kept in rising order for display."""
    missing = [level.name.lower() for level in Level if level not in levels]
    if missing:
        raise PydanticCustomError(
            "missing_level",
            "missing {noun} {names}; every section needs emerging, developing, maturing and thriving",
            {"noun": "level" if len(missing) == 1 else "levels", "names": ", ".join(f"'{name}'" for name in missing)},
        )
    return {level: levels[level] for level in Level}


def _section_code(code: str) -> str:
    """Codes are what people type and what answers are stored under, so they keep one strict shape."""
    if len(code) != 2 or code[0] not in "123456789" or code[1] not in ascii_lowercase:
        raise PydanticCustomError(
            "section_code",
            "'{code}' should be the phase number and one lowercase letter, like '2b'",
            {"code": code},
        )
    return code


def _not_empty(sections: tuple[Section, ...]) -> tuple[Section, ...]:
    """A phase with nothing to assess would leave a silent gap in the loop."""
    if not sections:
        raise PydanticCustomError("no_sections", "has no sections; each phase needs at least one")
    return sections


def _supported_schema(version: int) -> int:
    """A file written for another format version would be misread, so it is refused outright."""
    if version != SCHEMA_VERSION:
        raise PydanticCustomError(
            "schema_version",
            "is {version}, but this version of Reflect reads schema_version {supported}",
            {"version": version, "supported": SCHEMA_VERSION},
        )
    return version


Title = Annotated[str, _bounded(TITLE_MAX)]
Activity = Annotated[str, _bounded(ACTIVITY_MAX)]
LevelKey = Annotated[Level, BeforeValidator(_level_key)]


class _Frozen(BaseModel):
    """Framework data never changes after loading, and an unknown key is almost always a typo."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class LevelText(_Frozen):
    """What work looks like at one maturity level: a button label and the activities behind it."""

    descriptor: Annotated[str, _bounded(DESCRIPTOR_MAX)]
    activities: Annotated[tuple[Activity, ...], AfterValidator(_activity_count)]


class Section(_Frozen):
    """One lettered part of a phase: the unit people rate themselves on and take actions from."""

    code: Annotated[str, AfterValidator(_section_code)]
    title: Title
    provenance: Literal["published", "drafted"]
    summary: Annotated[str, _bounded(SUMMARY_MAX)]
    why: Annotated[str, _bounded(WHY_MAX)]
    levels: Annotated[dict[LevelKey, LevelText], AfterValidator(_all_levels)]

    def level(self, level: Level) -> LevelText:
        """Direct access for cards that show one level's text."""
        return self.levels[level]

    def next_steps(self, current: Level | None) -> tuple[str, ...]:
        """The level above is the natural next step; unsure starts at the beginning, the top means sustain."""
        if current is None:
            return self.levels[Level.EMERGING].activities
        return self.levels[Level(min(current + 1, Level.THRIVING))].activities


class Phase(_Frozen):
    """One step of the loop, holding its sections in order."""

    number: int
    name: str
    purpose: Annotated[str, _bounded(PURPOSE_MAX)]
    sections: Annotated[tuple[Section, ...], AfterValidator(_not_empty), Field(validate_default=True)] = ()


class Framework(_Frozen):
    """The whole loop: checked on load so that the rest of the bot can trust codes, order and levels."""

    schema_version: Annotated[int, AfterValidator(_supported_schema)]
    title: Title
    source: Annotated[str, _bounded(SOURCE_MAX)]
    phases: tuple[Phase, ...]

    @model_validator(mode="after")
    def _check_loop(self) -> Framework:
        """Cross-checks no single field can make: loop order, unique codes, codes that match their phase."""
        _check_phase_order(self.phases)
        _check_unique_codes(self.phases)
        for phase in self.phases:
            _check_section_codes(phase)
        return self

    @property
    def sections(self) -> tuple[Section, ...]:
        """All sections in loop order, for overviews and progress counts."""
        return tuple(section for phase in self.phases for section in phase.sections)

    def section(self, code: str) -> Section:
        """Look a section up by the code people type, forgiving case and spaces."""
        wanted = code.strip().lower()
        for section in self.sections:
            if section.code == wanted:
                return section
        raise KeyError(code)

    def phase(self, key: int | str) -> Phase:
        """Look a phase up by number or name, as people write either."""
        wanted = str(key).strip().casefold()
        for phase in self.phases:
            if wanted in (str(phase.number), phase.name.casefold()):
                return phase
        raise KeyError(key)

    def phase_of(self, section_code: str) -> Phase:
        """The phase a section belongs to, for headings and 'back to phase' buttons."""
        wanted = section_code.strip().lower()
        for phase in self.phases:
            if any(section.code == wanted for section in phase.sections):
                return phase
        raise KeyError(section_code)

    def next_phase(self, phase: Phase) -> Phase:
        """The framework is a loop, so Evaluate leads back to Check."""
        return self.phases[phase.number % len(self.phases)]


def _phase_label(phase: Phase) -> str:
    return f"phase {phase.number} ({phase.name})"


def _structure_error(problem: str) -> PydanticCustomError:
    """Whole-file checks carry their own location, so the message is passed through as it is."""
    return PydanticCustomError("framework_structure", "{problem}", {"problem": problem})


def _check_phase_order(phases: tuple[Phase, ...]) -> None:
    """Reflect walks the loop by position, so the seven phases must be there, named and numbered in order."""
    names = [phase.name for phase in phases]
    loop = ", ".join(PHASE_NAMES)
    for number, expected in enumerate(PHASE_NAMES, start=1):
        if number > len(phases):
            raise _structure_error(f"phase {number} ({expected}) is missing; the loop needs all 7 phases: {loop}")
        phase = phases[number - 1]
        if phase.name != expected:
            if expected in names:
                raise _structure_error(
                    f"phase '{phase.name}' is out of order: position {number} in the loop should be {expected} "
                    f"(the order is {loop})"
                )
            raise _structure_error(
                f"phase {number} ({expected}) is missing: found '{phase.name}' in its place (the order is {loop})"
            )
        if phase.number != number:
            raise _structure_error(f"the {expected} phase has number {phase.number}; it should be {number}")
    if len(phases) > len(PHASE_NAMES):
        extra = phases[len(PHASE_NAMES)]
        raise _structure_error(
            f"unexpected extra phase {extra.number} ({extra.name}); the loop has exactly 7 phases: {loop}"
        )


def _check_unique_codes(phases: tuple[Phase, ...]) -> None:
    """Answers and actions are stored by section code, so two sections sharing one would mix them up."""
    seen: dict[str, Phase] = {}
    for phase in phases:
        for section in phase.sections:
            if section.code in seen:
                first = seen[section.code]
                earlier = "earlier in this phase" if first is phase else f"in {_phase_label(first)}"
                raise _structure_error(
                    f"{_phase_label(phase)}, section {section.code}: duplicate section code, already used {earlier}"
                )
            seen[section.code] = phase


def _check_section_codes(phase: Phase) -> None:
    """Codes must read naturally (2a, 2b, 2c…) so people can find and type them."""
    for index, section in enumerate(phase.sections):
        where = f"{_phase_label(phase)}, section {section.code}"
        if section.code[0] != str(phase.number):
            raise _structure_error(f"{where}: section code does not start with the phase number {phase.number}")
        expected = f"{phase.number}{ascii_lowercase[index]}"
        if section.code != expected:
            raise _structure_error(
                f"{where}: section letters must run a, b, c… in order, so this section should be {expected}"
            )


def _item(node: object, key: str, index: int) -> object:
    """Step into the raw TOML data, tolerating whatever shape a broken file has."""
    items = node.get(key) if isinstance(node, dict) else None
    return items[index] if isinstance(items, list) and 0 <= index < len(items) else None


def _phase_words(node: object, index: int) -> str:
    """Name a phase the way its author wrote it, falling back to its position in the file."""
    number = node.get("number") if isinstance(node, dict) else None
    name = node.get("name") if isinstance(node, dict) else None
    if isinstance(number, int):
        return f"phase {number} ({name})" if isinstance(name, str) else f"phase {number}"
    return f"phase {name}" if isinstance(name, str) else f"[[phases]] entry {index + 1}"


def _section_words(node: object, index: int) -> str:
    """Name a section by its code, falling back to its position within the phase."""
    code = node.get("code") if isinstance(node, dict) else None
    return f"section {code}" if isinstance(code, str) and code else f"[[phases.sections]] entry {index + 1}"


def _location(loc: tuple[int | str, ...], data: dict[str, Any]) -> str:
    """Turn pydantic's index path into the phase, section and level words a framework author recognises."""
    parts: list[str] = []
    node: object = data
    steps = list(loc)
    while steps:
        step = steps.pop(0)
        index = steps[0] if steps else None
        if step in ("phases", "sections", "activities") and isinstance(index, int):
            del steps[0]
            if step == "phases":
                node = _item(node, "phases", index)
                parts.append(_phase_words(node, index))
            elif step == "sections":
                node = _item(node, "sections", index)
                parts.append(_section_words(node, index))
            else:
                parts.append(f"activity {index + 1}")
        elif step == "levels" and index is not None:
            del steps[0]
            parts.append(f"level '{index}'")
            if steps and steps[0] == "[key]":
                del steps[0]
        else:
            parts.append(str(step))
    return ", ".join(parts)


def _problem(error: ErrorDetails, guesses: list[str]) -> tuple[tuple[int | str, ...], str]:
    """Phrase one pydantic error for a person editing TOML, and say which table it belongs to."""
    loc, kind, message = error["loc"], error["type"], error["msg"]
    if kind == "missing":
        return loc[:-1], f"missing required key '{loc[-1]}'"
    if kind == "extra_forbidden":
        hint = f"did you mean '{guesses[0]}'?" if guesses else "check the spelling"
        return loc[:-1], f"unknown key '{loc[-1]}' ({hint})"
    problem = _PLAIN_TYPE_ERRORS.get(kind) or message[:1].lower() + message[1:]
    given = error.get("input")
    if kind not in _OWN_ERRORS and isinstance(given, str | int | float | bool):
        problem += f", not {given!r}"
    return loc, problem


def _explain(source: object, error: ValidationError, data: dict[str, Any]) -> str:
    """One line for the first problem (and how many more there are), as the brief for a fix."""
    errors = error.errors()
    first = errors[0]
    guesses: list[str] = []
    counted = 1
    if first["type"] == "missing":
        # A misspelt key shows up as a missing key plus an unknown one in the same table: report it as one typo.
        table = first["loc"][:-1]
        strays = [other for other in errors if other["type"] == "extra_forbidden" and other["loc"][:-1] == table]
        if strays:
            guesses = get_close_matches(str(strays[0]["loc"][-1]), [str(first["loc"][-1])], n=1, cutoff=0.5)
            first, counted = strays[0], 2 if guesses else 1
    loc, problem = _problem(first, guesses)
    where = _location(loc, data)
    line = f"{source}: {where}: {problem}" if where else f"{source}: {problem}"
    more = len(errors) - counted
    if more > 0:
        line += f" (and {more} more problem{'s' if more > 1 else ''})"
    return line


def load_framework(path: Path | None = None) -> Framework:
    """Read and check a framework file, so a bad FRAMEWORK_PATH fails at start-up with a clear reason."""
    source: Traversable = path if path is not None else files("framework_data").joinpath("framework.toml")
    try:
        text = source.read_bytes().decode("utf-8")
    except FileNotFoundError:
        raise FrameworkError(f"{source}: file not found") from None
    except UnicodeDecodeError as exc:
        raise FrameworkError(f"{source}: not UTF-8 text (bad byte at position {exc.start})") from None
    except OSError as exc:
        raise FrameworkError(f"{source}: cannot read the file ({exc.strerror or exc})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FrameworkError(f"{source}: invalid TOML: {exc}") from None
    try:
        return Framework.model_validate(data)
    except ValidationError as exc:
        raise FrameworkError(_explain(source, exc, data)) from None
