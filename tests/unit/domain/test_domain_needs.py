import pytest
from hypothesis import given
from hypothesis import strategies as st

from throughgate.domain.needs import (
    NEED_AREA_NAMES,
    AreaStatus,
    Level,
    NeedArea,
    TaskStatus,
    distance_travelled,
    needs_support,
    parse_need_areas,
)

DESIGN_ORDER = [
    "accommodation",
    "attitudes",
    "family",
    "drugs_alcohol",
    "education_work",
    "finance_id",
    "health",
    "gangs_peers",
    "community_role",
    "licence",
]


def test_need_areas_follow_the_resettlement_passport_order() -> None:
    assert [area.value for area in NeedArea] == DESIGN_ORDER


def test_level_ranks() -> None:
    assert [level.rank for level in Level] == [0, 1, 2, 3, 4]
    assert Level.URGENT.rank > Level.HIGH.rank


def test_needs_support_from_low_upwards() -> None:
    assert [needs_support(level) for level in Level] == [False, True, True, True, True]


def test_area_statuses_are_the_passport_ones() -> None:
    assert {status.value for status in AreaStatus} == {
        "not_started",
        "in_progress",
        "support_required",
        "support_not_required",
        "support_declined",
        "done",
    }


def test_closed_task_statuses() -> None:
    assert {status for status in TaskStatus if status.is_closed} == {
        TaskStatus.DONE,
        TaskStatus.DECLINED,
        TaskStatus.NOT_NEEDED,
    }


def test_distance_travelled_is_entry_minus_exit() -> None:
    assert distance_travelled(Level.URGENT, Level.LOW) == 3
    assert distance_travelled(Level.LOW, Level.HIGH) == -2
    assert distance_travelled(Level.MEDIUM, Level.MEDIUM) == 0


@given(st.sampled_from(Level), st.sampled_from(Level))
def test_distance_travelled_is_antisymmetric(entry: Level, exit: Level) -> None:
    assert distance_travelled(entry, exit) == -distance_travelled(exit, entry)


def test_need_area_names_cover_every_area_in_order() -> None:
    assert list(NEED_AREA_NAMES) == list(NeedArea)


def _areas() -> list[dict[str, str]]:
    return [{"key": key, "name": key.title(), "why": "reason"} for key in DESIGN_ORDER]


def test_parse_need_areas_accepts_the_full_list() -> None:
    assert parse_need_areas(_areas(), "x.json")[NeedArea.HEALTH] == "Health"


def test_parse_need_areas_rejects_wrong_order() -> None:
    raw = _areas()
    raw[0], raw[1] = raw[1], raw[0]
    with pytest.raises(ValueError, match=r"x\.json: entry 0"):
        parse_need_areas(raw, "x.json")


def test_parse_need_areas_rejects_a_missing_area() -> None:
    with pytest.raises(ValueError, match=r"x\.json"):
        parse_need_areas(_areas()[:-1], "x.json")


def test_parse_need_areas_rejects_an_unknown_area() -> None:
    raw = _areas()
    raw[3]["key"] = "housing"
    with pytest.raises(ValueError, match=r"x\.json: entry 3: unknown key 'housing'"):
        parse_need_areas(raw, "x.json")


def test_parse_need_areas_rejects_a_missing_field() -> None:
    raw = _areas()
    del raw[2]["why"]
    with pytest.raises(ValueError, match=r"entry 2: missing key\(s\) why"):
        parse_need_areas(raw, "x.json")
