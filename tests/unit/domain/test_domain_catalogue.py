import copy
import itertools
import json
from datetime import date, timedelta
from importlib.resources import files
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from throughgate.domain.catalogue import (
    CadencePhase,
    OwnerRole,
    load_cadence,
    load_programme,
    load_task_templates,
    parse_cadence,
    parse_programme,
    parse_task_templates,
    plan_area_tasks,
    redate,
)
from throughgate.domain.needs import Level, NeedArea


def _shipped(name: str) -> Any:
    return json.loads(files("throughgate.catalogue").joinpath(name).read_text(encoding="utf-8"))


# --- the shipped task catalogue ----------------------------------------------------------------


def test_every_need_area_has_two_to_six_templates() -> None:
    templates = load_task_templates()
    assert list(templates) == list(NeedArea)
    for area, area_templates in templates.items():
        assert 2 <= len(area_templates) <= 6, area


def test_template_keys_are_unique_and_prefixed_by_their_area() -> None:
    all_templates = [t for area_templates in load_task_templates().values() for t in area_templates]
    keys = [t.key for t in all_templates]
    assert len(keys) == len(set(keys))
    for template in all_templates:
        assert template.key.startswith(f"{template.area.value}.")


def test_critical_templates_are_the_release_safety_ones() -> None:
    critical = {t.key for ts in load_task_templates().values() for t in ts if t.critical}
    assert critical == {
        "accommodation.release_day_address",
        "finance_id.apply_for_id",
        "health.release_medication",
        "licence.first_probation_appointment",
        "drugs_alcohol.naloxone",
        "gangs_peers.safety_plan",
    }


def test_template_offsets_fall_between_window_opening_and_handover() -> None:
    settings, handover_day = load_programme(), load_cadence()[-1].until_day
    for template in (t for ts in load_task_templates().values() for t in ts):
        assert -settings.pre_release_window_days <= template.due_offset_days <= handover_day
        assert template.min_level in {Level.LOW, Level.MEDIUM, Level.HIGH}
        assert template.title.strip() == template.title


def test_known_offsets_relative_to_release() -> None:
    by_key = {t.key: t for ts in load_task_templates().values() for t in ts}
    assert by_key["health.gp_registration"].due_offset_days == 7
    assert by_key["licence.first_probation_appointment"].due_offset_days == 0
    assert by_key["accommodation.duty_to_refer"].due_offset_days < 0
    assert by_key["accommodation.duty_to_refer"].owner_role is OwnerRole.COORDINATOR


def test_loaders_are_cached() -> None:
    assert load_task_templates() is load_task_templates()
    assert load_programme() is load_programme()
    assert load_cadence() is load_cadence()


# --- validating task templates -----------------------------------------------------------------


def _template(**overrides: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "key": "health.gp_registration",
        "title": "Register with a GP",
        "due_offset_days": 7,
        "owner_role": "mentor",
        "critical": False,
        "min_level": "low",
    }
    entry.update(overrides)
    return entry


def test_parse_task_templates_builds_typed_templates() -> None:
    parsed = parse_task_templates([_template(_note="comments are ignored")], "t.json")
    (template,) = parsed[NeedArea.HEALTH]
    assert template.area is NeedArea.HEALTH
    assert template.owner_role is OwnerRole.MENTOR
    assert template.min_level is Level.LOW
    assert parsed[NeedArea.LICENCE] == ()


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (_template(key="housing.referral"), r"t\.json: entry 1: unknown area 'housing'"),
        (_template(key="health"), r"entry 1: key 'health' is not of the form"),
        (_template(min_level="severe"), r"entry 1: unknown min_level 'severe'"),
        (_template(min_level="none"), r"entry 1: min_level none"),
        (_template(owner_role="manager"), r"entry 1: unknown owner_role 'manager'"),
        (_template(due_offset_days=True), r"entry 1: due_offset_days must be an integer"),
        (_template(due_offset_days="7"), r"entry 1: due_offset_days must be an integer"),
        (_template(critical="yes"), r"entry 1: critical must be true or false"),
        (_template(title="  "), r"entry 1: title must be a non-empty string"),
        (_template(extra=1), r"entry 1: unknown key\(s\) extra"),
        (_template(key="licence.first_probation_appointment"), r"entry 1: duplicate key"),
        ("not an object", r"entry 1: expected a JSON object"),
    ],
)
def test_parse_task_templates_rejects_a_malformed_entry(bad: object, message: str) -> None:
    good = _template(key="licence.first_probation_appointment", due_offset_days=0)
    with pytest.raises(ValueError, match=message):
        parse_task_templates([good, bad], "t.json")


def test_parse_task_templates_rejects_a_missing_key() -> None:
    entry = _template()
    del entry["owner_role"]
    with pytest.raises(ValueError, match=r"t\.json: entry 0: missing key\(s\) owner_role"):
        parse_task_templates([entry], "t.json")


def test_parse_task_templates_needs_a_list() -> None:
    with pytest.raises(ValueError, match=r"t\.json: expected a JSON array"):
        parse_task_templates({"health": []}, "t.json")


# --- programme settings ------------------------------------------------------------------------


def test_shipped_programme_settings_cite_their_source() -> None:
    load_programme()
    assert "_source" in _shipped("programme.json")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"release_day_hour_utc": 24}, r"p\.json: release_day_hour_utc must be between 0 and 23"),
        ({"reoffending_baseline": "national"}, r"reoffending_baseline must name a baseline in baselines"),
        ({"reoffending_baseline": 0.37}, r"reoffending_baseline must be a non-empty string"),
        ({"outcome_opens_months": 19}, r"outcome_opens_months must not be after outcome_follow_up_months"),
        ({"client_min_age_years": -1}, r"client_min_age_years must be between 0"),
        ({"client_min_age_years": 100}, r"client_min_age_years must be below client_max_age_years"),
        ({"handover_day": 84}, r"unknown key\(s\) handover_day"),
        ({"friday_weekend_gap_hours": 72}, r"unknown key\(s\) friday_weekend_gap_hours"),
        ({"check_in_chase_after_hours": 72}, r"check_in_chase_after_hours must be below"),
        ({"critical_task_escalate_after_days": 8}, r"critical_task_escalate_after_days"),
        ({"readiness_review_days_before_release": 84}, r"readiness review"),
        ({"surprise": 1}, r"unknown key\(s\) surprise"),
    ],
)
def test_parse_programme_rejects_bad_settings(change: dict[str, object], message: str) -> None:
    raw = copy.deepcopy(_shipped("programme.json"))
    raw.update(change)
    with pytest.raises(ValueError, match=message):
        parse_programme(raw, "p.json")


def test_parse_programme_rejects_a_missing_setting() -> None:
    raw = copy.deepcopy(_shipped("programme.json"))
    del raw["client_max_age_years"]
    with pytest.raises(ValueError, match=r"p\.json: missing key\(s\) client_max_age_years"):
        parse_programme(raw, "p.json")


# --- cadence -----------------------------------------------------------------------------------


def test_shipped_cadence_ends_at_handover() -> None:
    phases = load_cadence()
    assert phases == (CadencePhase(3, 1), CadencePhase(42, 7), CadencePhase(84, 14))


@pytest.mark.parametrize(
    ("phases", "message"),
    [
        ([], r"c\.json: needs at least one phase"),
        ([{"until_day": 3, "every_days": 1}, {"until_day": 3, "every_days": 1}], r"phases entry 1"),
        ([{"until_day": 10, "every_days": 7}], r"phases entry 0: until_day must be a multiple"),
        ([{"until_day": 7, "every_days": 0}], r"phases entry 0: every_days must be between 1"),
        ([{"until_day": 7}], r"phases entry 0: missing key\(s\) every_days"),
    ],
)
def test_parse_cadence_rejects_bad_phases(phases: list[object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_cadence({"phases": phases}, "c.json")


# --- planning ----------------------------------------------------------------------------------


def test_no_tasks_without_a_need() -> None:
    assert all(plan_area_tasks(area, Level.NONE, date(2026, 12, 4)) == [] for area in NeedArea)


def test_planned_tasks_follow_their_templates() -> None:
    release_on = date(2026, 12, 4)
    templates = {t.key: t for t in load_task_templates()[NeedArea.ACCOMMODATION]}
    planned = plan_area_tasks(NeedArea.ACCOMMODATION, Level.LOW, release_on)
    assert {task.template_key for task in planned} == {
        key for key, t in templates.items() if t.min_level is Level.LOW
    }
    for task in planned:
        template = templates[task.template_key]
        assert task.due_on == release_on + timedelta(days=template.due_offset_days)
        assert (task.title, task.owner_role, task.critical) == (
            template.title,
            template.owner_role,
            template.critical,
        )
    assert [task.due_on for task in planned] == sorted(task.due_on for task in planned)


@given(st.sampled_from(NeedArea))
def test_a_higher_level_never_plans_fewer_tasks(area: NeedArea) -> None:
    release_on = date(2026, 12, 4)
    planned = [{t.template_key for t in plan_area_tasks(area, level, release_on)} for level in Level]
    for lower, higher in itertools.pairwise(planned):
        assert lower <= higher
    assert planned[-1] == {t.key for t in load_task_templates()[area]}


@given(st.integers(-400, 400), st.dates(date(2000, 1, 1), date(2090, 12, 31)))
def test_redate_moves_by_the_offset(offset: int, release_on: date) -> None:
    due = redate(offset, release_on)
    assert (due - release_on).days == offset


def test_tasks_planned_on_short_notice_are_due_from_today_one_a_day_and_before_release() -> None:
    release_on = date(2027, 6, 18)
    today = release_on - timedelta(days=10)
    on_time = plan_area_tasks(NeedArea.FINANCE_ID, Level.URGENT, release_on)
    late = [t.template_key for t in on_time if t.due_on < today]
    assert len(late) >= 3, "the catalogue plans some finance tasks more than 10 days ahead"
    planned = {
        t.template_key: t.due_on
        for t in plan_area_tasks(NeedArea.FINANCE_ID, Level.URGENT, release_on, today)
    }
    assert [planned[key] for key in late] == [today + timedelta(days=n) for n in range(len(late))]
    assert all(due >= today for due in planned.values()), "nothing is born overdue"
    kept = {t.template_key: t.due_on for t in on_time if t.due_on >= today}
    assert {key: planned[key] for key in kept} == kept, "tasks still ahead keep their dates"


def test_on_the_eve_of_release_every_late_task_is_due_today() -> None:
    release_on = date(2027, 6, 18)
    today = release_on - timedelta(days=1)
    planned = plan_area_tasks(NeedArea.ACCOMMODATION, Level.URGENT, release_on, today)
    assert {t.due_on for t in planned if t.due_on < release_on} == {today}


def test_programme_metrics_load_and_count_what_their_event_records() -> None:
    from datetime import UTC, datetime

    from throughgate.domain.case import TimelineEvent
    from throughgate.domain.programme_metrics import counted, load_programme_metrics

    assert [m.metric for m in load_programme_metrics()] == [
        "Referrals",
        "ReleasesMetAtTheGate",
        "Escalations",
    ]
    at = datetime(2027, 3, 1, tzinfo=UTC)
    met = TimelineEvent(at, "released", "mentor-0001", {"not_done": ""})
    not_met = TimelineEvent(at, "released", "mentor-0001", {"not_met_reason": "went_with_family"})
    escalated = TimelineEvent(at, "escalated", "system", {"reason": "no_accommodation"})
    assert counted([met, not_met, escalated]) == ["ReleasesMetAtTheGate", "Escalations"]


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"metric": "case-123", "event": "referred", "unless_detail": "", "title": "t"}, "CamelCase"),
        ({"metric": "Referrals", "event": "referred", "title": "t"}, "missing key"),
        ({"metric": "Referrals", "event": "referred", "unless_detail": None, "title": "t"}, "string"),
    ],
)
def test_a_bad_programme_metric_is_refused_at_load(entry: dict[str, object], message: str) -> None:
    from throughgate.domain.programme_metrics import parse_programme_metrics

    with pytest.raises(ValueError, match=message):
        parse_programme_metrics([entry], "programme_metrics.json")


def test_the_mentor_checks_catalogue_loads_and_refuses_mistakes() -> None:
    from throughgate.domain.catalogue import (
        load_mentor_checks,
        load_prisons,
        parse_mentor_checks,
        prison_name,
    )

    catalogue = load_mentor_checks()
    assert [k.key for k in catalogue.required] == [
        "criminal_records",
        "references",
        "code_of_conduct",
        "safeguarding",
        "mentor_training",
    ]
    assert dict(catalogue.kind("criminal_records").levels)["enhanced_barred"] == "Enhanced with barred lists"  # type: ignore[union-attr]
    assert catalogue.due_within_days == 30
    kind = {"key": "a", "name": "A", "required": True, "valid_days": None, "levels": {}}
    with pytest.raises(ValueError, match="duplicate key 'a'"):
        parse_mentor_checks({"kinds": [kind, kind], "due_within_days": 30, "training_titles": []}, "m.json")
    with pytest.raises(ValueError, match="valid_days must be an integer"):
        parse_mentor_checks(
            {"kinds": [{**kind, "valid_days": "1y"}], "due_within_days": 30, "training_titles": []}, "m.json"
        )
    assert prison_name("BXI") == "HMP Brixton"
    assert prison_name("ZZI") == "ZZI"  # unknown: shown as the code
    assert {"BXI", "WWI", "PVI", "TSI", "ISI", "WSI", "BMI", "HMI"} <= load_prisons().keys()
