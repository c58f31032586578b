"""The bundled framework is complete and within limits, and every broken file gets a precise one-line error."""

from __future__ import annotations

import copy
import json
import tomllib
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from bot.framework import (
    ACTIVITY_MAX,
    DESCRIPTOR_MAX,
    PHASE_NAMES,
    PURPOSE_MAX,
    SUMMARY_MAX,
    TITLE_MAX,
    WHY_MAX,
    Framework,
    FrameworkError,
    Level,
    load_framework,
)

PUBLISHED = {
    "1b": "Reviewing evidence",
    "1d": "Skills and capacity",
    "4a": "Reaching under-served people and communities",
    "4c": "Defining scope",
    "5a": "Methods, tools, and skills",
    "5c": "Inclusion",
    "7a": "Planning evaluation",
    "7b": "Choosing what to measure",
}
DRAFTED = ("1a", "1c", "2a", "2b", "2c", "3a", "3b", "3c", "4b", "5b", "6a", "6b", "6c", "7c")

LEVEL_KEYS = ("emerging", "developing", "maturing", "thriving")
Data = dict[str, Any]


@pytest.fixture(scope="module")
def framework() -> Framework:
    return load_framework()


def bundled_data() -> Data:
    """A fresh, mutable copy of the bundled file, so each broken variant starts from valid data."""
    return tomllib.loads(files("framework_data").joinpath("framework.toml").read_text(encoding="utf-8"))


def to_toml(data: Data) -> str:
    """Write the framework's shape back out as TOML (strings via JSON escapes, which TOML accepts)."""
    lines: list[str] = []

    def is_tables(value: object) -> bool:
        return isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)

    def emit(table: Data, prefix: str) -> None:
        for key, value in table.items():
            if not isinstance(value, dict) and not is_tables(value):
                lines.append(f"{key} = {json.dumps(value)}")
        for key, value in table.items():
            name = f"{prefix}.{key}" if prefix else key
            if isinstance(value, dict):
                lines.append(f"[{name}]")
                emit(value, name)
            elif is_tables(value):
                for item in value:
                    lines.append(f"[[{name}]]")
                    emit(item, name)

    emit(data, "")
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, data: Data) -> Path:
    path = tmp_path / "framework.toml"
    path.write_text(to_toml(data), encoding="utf-8")
    return path


def error_for(path: Path) -> str:
    with pytest.raises(FrameworkError) as caught:
        load_framework(path)
    message = str(caught.value)
    assert "\n" not in message, "errors must be one line"
    assert str(path) in message
    return message


def minimal_data() -> Data:
    """The smallest valid framework: seven phases of one section each."""
    level = {"descriptor": "Work at this level.", "activities": ["Do one thing.", "Do another thing."]}
    return {
        "schema_version": 1,
        "title": "Our framework",
        "source": "Our organisation (2025)",
        "phases": [
            {
                "number": number,
                "name": name,
                "purpose": f"Why {name} matters.",
                "sections": [
                    {
                        "code": f"{number}a",
                        "title": f"{name} basics",
                        "provenance": "drafted",
                        "summary": "What this section covers.",
                        "why": "Why it matters for fairness.",
                        "levels": {key: copy.deepcopy(level) for key in LEVEL_KEYS},
                    }
                ],
            }
            for number, name in enumerate(PHASE_NAMES, start=1)
        ],
    }


# --- the bundled framework -------------------------------------------------------------


def test_bundled_file_round_trips_through_the_test_writer(tmp_path: Path, framework: Framework) -> None:
    assert load_framework(write(tmp_path, bundled_data())) == framework


def test_phases_are_the_seven_in_loop_order(framework: Framework) -> None:
    assert [(phase.number, phase.name) for phase in framework.phases] == list(enumerate(PHASE_NAMES, start=1))
    assert all(phase.purpose and len(phase.purpose) <= PURPOSE_MAX for phase in framework.phases)


def test_there_are_22_sections_with_codes_in_order(framework: Framework) -> None:
    codes = [section.code for section in framework.sections]
    assert len(codes) == 22
    assert codes == sorted(codes)
    assert {code[0] for code in codes} == {str(number) for number in range(1, 8)}


def test_published_sections_keep_their_exact_codes_and_titles(framework: Framework) -> None:
    published = {section.code: section.title for section in framework.sections if section.provenance == "published"}
    assert published == PUBLISHED


def test_every_other_section_is_marked_drafted(framework: Framework) -> None:
    drafted = tuple(section.code for section in framework.sections if section.provenance == "drafted")
    assert drafted == DRAFTED


def test_every_section_has_four_levels_in_order_with_two_to_four_activities(framework: Framework) -> None:
    for section in framework.sections:
        assert list(section.levels) == list(Level), section.code
        for text in section.levels.values():
            assert 2 <= len(text.activities) <= 4, section.code


def test_all_texts_are_within_limits_and_not_blank(framework: Framework) -> None:
    for section in framework.sections:
        for text, limit in ((section.title, TITLE_MAX), (section.summary, SUMMARY_MAX), (section.why, WHY_MAX)):
            assert text.strip() and len(text) <= limit, (section.code, text)
        for level in section.levels.values():
            assert level.descriptor.strip() and len(level.descriptor) <= DESCRIPTOR_MAX, (section.code, level)
            for activity in level.activities:
                assert activity.strip() and len(activity) <= ACTIVITY_MAX, (section.code, activity)


def test_activities_read_as_actions_not_descriptions(framework: Framework) -> None:
    """Activities become suggested actions, so none should describe the team ('We ...')."""
    for section in framework.sections:
        for level in section.levels.values():
            for activity in level.activities:
                assert activity[0].isupper() and not activity.startswith(("We ", "Our ")), (section.code, activity)


def test_descriptors_differ_between_levels(framework: Framework) -> None:
    for section in framework.sections:
        assert len({level.descriptor for level in section.levels.values()}) == 4, section.code


def test_level_labels_and_order() -> None:
    assert [level.label for level in Level] == ["Emerging", "Developing", "Maturing", "Thriving"]
    assert Level.EMERGING < Level.THRIVING


def test_next_steps_are_the_activities_of_the_level_above(framework: Framework) -> None:
    section = framework.section("4c")
    assert section.next_steps(Level.EMERGING) == section.level(Level.DEVELOPING).activities
    assert section.next_steps(Level.MATURING) == section.level(Level.THRIVING).activities


def test_next_steps_when_unsure_start_at_emerging(framework: Framework) -> None:
    section = framework.section("2b")
    assert section.next_steps(None) == section.level(Level.EMERGING).activities


def test_next_steps_at_thriving_are_about_sustaining_thriving(framework: Framework) -> None:
    section = framework.section("7c")
    assert section.next_steps(Level.THRIVING) == section.level(Level.THRIVING).activities


def test_phase_lookup_by_number_and_by_name_ignoring_case(framework: Framework) -> None:
    assert framework.phase(4).name == "Prepare"
    assert framework.phase("involve").number == 6
    assert framework.phase(" EVALUATE ").number == 7
    with pytest.raises(KeyError):
        framework.phase(8)
    with pytest.raises(KeyError):
        framework.phase("Reflect")


def test_next_phase_loops_from_evaluate_back_to_check(framework: Framework) -> None:
    assert framework.next_phase(framework.phase("Check")).name == "Challenge"
    assert framework.next_phase(framework.phase(7)).name == "Check"


def test_section_lookup_and_phase_of(framework: Framework) -> None:
    assert framework.section("5a").title == "Methods, tools, and skills"
    assert framework.section("5A").code == "5a"
    assert framework.phase_of("6b").name == "Involve"
    with pytest.raises(KeyError, match="8a"):
        framework.section("8a")
    with pytest.raises(KeyError, match="9z"):
        framework.phase_of("9z")


def test_custom_minimal_file_loads(tmp_path: Path) -> None:
    loaded = load_framework(write(tmp_path, minimal_data()))
    assert [section.code for section in loaded.sections] == [f"{n}a" for n in range(1, 8)]
    assert loaded.section("3a").next_steps(Level.DEVELOPING) == ("Do one thing.", "Do another thing.")


# --- loader errors ---------------------------------------------------------------------


def test_missing_file(tmp_path: Path) -> None:
    assert "not found" in error_for(tmp_path / "absent.toml")


def test_unreadable_path(tmp_path: Path) -> None:
    assert "cannot read" in error_for(tmp_path)


def test_file_that_is_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "framework.toml"
    path.write_bytes(b'title = "\xff"\n')
    assert "UTF-8" in error_for(path)


def test_toml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "framework.toml"
    path.write_text('schema_version = 1\ntitle = "unclosed\n', encoding="utf-8")
    message = error_for(path)
    assert "invalid TOML" in message
    assert "line 2" in message and "column" in message


def section_of(data: Data, code: str) -> Data:
    """The raw section with this code, so a test can break it in place."""
    number = int(code[0])
    return next(section for section in data["phases"][number - 1]["sections"] if section["code"] == code)


def drop_level(data: Data) -> None:
    del section_of(data, "2b")["levels"]["thriving"]


def misspell_level(data: Data) -> None:
    levels = section_of(data, "2b")["levels"]
    levels["maturring"] = levels.pop("maturing")


def one_activity(data: Data) -> None:
    section_of(data, "2b")["levels"]["maturing"]["activities"] = ["Do just one thing."]


def five_activities(data: Data) -> None:
    section_of(data, "2b")["levels"]["maturing"]["activities"] = [f"Do thing {n}." for n in range(5)]


def blank_summary(data: Data) -> None:
    section_of(data, "2b")["summary"] = "   "


def long_descriptor(data: Data) -> None:
    section_of(data, "2b")["levels"]["maturing"]["descriptor"] = "x" * (DESCRIPTOR_MAX + 1)


def long_activity(data: Data) -> None:
    section_of(data, "2b")["levels"]["maturing"]["activities"][1] = "y" * (ACTIVITY_MAX + 1)


def long_purpose(data: Data) -> None:
    data["phases"][1]["purpose"] = "z" * (PURPOSE_MAX + 1)


def duplicate_across_phases(data: Data) -> None:
    section_of(data, "5b")["code"] = "2b"


def duplicate_within_phase(data: Data) -> None:
    section_of(data, "2c")["code"] = "2b"


def wrong_phase_prefix(data: Data) -> None:
    section_of(data, "2b")["code"] = "9b"


def letters_out_of_order(data: Data) -> None:
    section_of(data, "2b")["code"] = "2d"


def malformed_code(data: Data) -> None:
    section_of(data, "2b")["code"] = "2B"


def swap_plan_and_prepare(data: Data) -> None:
    phases = data["phases"]
    phases[2], phases[3] = phases[3], phases[2]


def drop_involve(data: Data) -> None:
    del data["phases"][5]


def misspell_phase(data: Data) -> None:
    data["phases"][1]["name"] = "Chalenge"


def misnumber_phase(data: Data) -> None:
    data["phases"][2]["number"] = 9


def extra_phase(data: Data) -> None:
    data["phases"].append({**copy.deepcopy(data["phases"][0]), "number": 8, "name": "Reflect"})


def empty_phase(data: Data) -> None:
    data["phases"][2]["sections"] = []


def sectionless_phase(data: Data) -> None:
    del data["phases"][2]["sections"]


def future_schema(data: Data) -> None:
    data["schema_version"] = 2


def typo_in_section_key(data: Data) -> None:
    section = section_of(data, "2b")
    section["sumary"] = section.pop("summary")


def typo_in_level_key(data: Data) -> None:
    level = section_of(data, "2b")["levels"]["maturing"]
    level["activites"] = level.pop("activities")


def typo_in_phase_key(data: Data) -> None:
    data["phases"][1]["purpse"] = data["phases"][1].pop("purpose")


def typo_at_top_level(data: Data) -> None:
    data["titel"] = data.pop("title")


def unknown_provenance(data: Data) -> None:
    section_of(data, "2b")["provenance"] = "draft"


def missing_why(data: Data) -> None:
    del section_of(data, "2b")["why"]


def stray_key(data: Data) -> None:
    section_of(data, "2b")["notes"] = "An extra key the format does not have."


def activities_as_text(data: Data) -> None:
    section_of(data, "2b")["levels"]["maturing"]["activities"] = "Do everything at once."


def descriptor_as_number(data: Data) -> None:
    section_of(data, "2b")["levels"]["maturing"]["descriptor"] = 3


def unnumbered_phase(data: Data) -> None:
    del data["phases"][1]["number"]


BROKEN: list[tuple[Callable[[Data], None], tuple[str, ...]]] = [
    (drop_level, ("phase 2 (Challenge), section 2b", "missing level 'thriving'")),
    (misspell_level, ("section 2b", "level 'maturring'", "unknown level name")),
    (one_activity, ("section 2b", "level 'maturing'", "has 1 activity", "2 to 4")),
    (five_activities, ("section 2b", "level 'maturing'", "has 5 activities")),
    (blank_summary, ("section 2b", "summary", "empty")),
    (long_descriptor, ("section 2b", "level 'maturing'", "descriptor", "too long", f"{DESCRIPTOR_MAX + 1}")),
    (long_activity, ("section 2b", "level 'maturing'", "activity 2", "too long")),
    (long_purpose, ("phase 2 (Challenge)", "purpose", "too long")),
    (duplicate_across_phases, ("phase 5 (Engage), section 2b", "duplicate", "phase 2 (Challenge)")),
    (duplicate_within_phase, ("phase 2 (Challenge), section 2b", "duplicate", "earlier in this phase")),
    (wrong_phase_prefix, ("phase 2 (Challenge), section 9b", "does not start with the phase number 2")),
    (letters_out_of_order, ("phase 2 (Challenge), section 2d", "in order", "should be 2b")),
    (malformed_code, ("phase 2 (Challenge)", "2B", "lowercase letter")),
    (swap_plan_and_prepare, ("Prepare", "out of order", "should be Plan")),
    (drop_involve, ("phase 6 (Involve)", "missing")),
    (misspell_phase, ("phase 2 (Challenge)", "missing", "Chalenge")),
    (misnumber_phase, ("Plan phase", "number 9", "should be 3")),
    (extra_phase, ("phase 8 (Reflect)", "extra", "exactly 7")),
    (empty_phase, ("phase 3 (Plan)", "no sections")),
    (sectionless_phase, ("phase 3 (Plan)", "no sections")),
    (future_schema, ("schema_version", "is 2", "reads schema_version 1")),
    (typo_in_section_key, ("section 2b", "unknown key 'sumary'", "did you mean 'summary'")),
    (typo_in_level_key, ("section 2b", "level 'maturing'", "unknown key 'activites'")),
    (typo_in_phase_key, ("phase 2 (Challenge)", "unknown key 'purpse'")),
    (typo_at_top_level, ("unknown key 'titel'",)),
    (unknown_provenance, ("section 2b", "provenance", "'draft'")),
    (missing_why, ("section 2b", "missing required key 'why'")),
    (stray_key, ("section 2b", "unknown key 'notes'", "spelling")),
    (activities_as_text, ("section 2b", "level 'maturing', activities", "should be a list")),
    (descriptor_as_number, ("section 2b", "level 'maturing', descriptor", "should be text", "not 3")),
    (unnumbered_phase, ("phase Challenge", "missing required key 'number'")),
]


@pytest.mark.parametrize(("breakage", "expected"), BROKEN, ids=[breakage.__name__ for breakage, _ in BROKEN])
def test_broken_file_names_path_place_and_problem(
    tmp_path: Path, breakage: Callable[[Data], None], expected: tuple[str, ...]
) -> None:
    data = bundled_data()
    breakage(data)
    message = error_for(write(tmp_path, data))
    for fragment in expected:
        assert fragment in message, f"{fragment!r} not in {message!r}"


def test_several_problems_are_counted(tmp_path: Path) -> None:
    data = bundled_data()
    blank_summary(data)
    long_descriptor(data)
    assert "(and 1 more problem)" in error_for(write(tmp_path, data))


def test_bundled_file_can_be_edited_as_text(tmp_path: Path) -> None:
    """Authors edit the TOML by hand, so a hand-made typo in the real file gets the same precise message."""
    text = files("framework_data").joinpath("framework.toml").read_text(encoding="utf-8")
    path = tmp_path / "framework.toml"
    path.write_text(text.replace('code = "4c"', 'code = "4d"', 1), encoding="utf-8")
    message = error_for(path)
    assert "phase 4 (Prepare), section 4d" in message and "should be 4c" in message


def test_documented_example_section_is_valid(tmp_path: Path) -> None:
    """The format doc's example is one phase of a file: it all passes, and only the other phases are missing."""
    doc = (Path(__file__).parents[1] / "docs" / "framework-format.md").read_text(encoding="utf-8")
    example = doc.split("```toml\n", 1)[1].split("```", 1)[0]
    path = tmp_path / "framework.toml"
    path.write_text(example, encoding="utf-8")
    assert "phase 2 (Challenge) is missing; the loop needs all 7 phases" in error_for(path)
