"""Honest outcomes on the local stack: the outcome opens 12 months after release and is provisional
until 18; the cohort figures are read by release period from counters kept in each change's own
transaction, which always equal a recount from the cases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from tests.journey import START, Journey, referral
from throughgate.domain.outcomes import recount, release_month
from throughgate_local.api_client import ApiClient
from throughgate_local.stack import LocalStack

OUTCOME = {"proven_reoffending": False, "housed": True, "in_work_or_training": True}


def _figures(client: ApiClient, first: str, last: str) -> dict[str, Any]:
    response = client.get(f"/outcomes?from={first}&to={last}")
    assert response.status == 200, response
    return response.body


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC)


def _disengaged(j: Journey) -> date:
    change = {"change": {"type": "disengaged", "event_id": "evt-dis-0001"}}
    assert j.coordinator.post(f"/cases/{j.case_id}/circumstances", change).status == 200
    return date.fromisoformat(j.view()["first_released_on"])


def test_the_outcome_is_refused_before_12_months_and_provisional_until_18(journey: Journey) -> None:
    j = journey
    j.released()
    released_on = _disengaged(j)

    j.advance_to(_midnight(released_on.replace(year=released_on.year + 1)) - timedelta(hours=1))
    early = j.coordinator.post(f"/cases/{j.case_id}/outcome", OUTCOME)
    assert early.status == 422, early
    assert "opens on" in early.body["message"] and "months after release" in early.body["message"]
    assert j.view()["stage"] == "disengaged", "nothing was saved"
    steps = [(s["title"], s["when"]) for s in j.view()["next_steps"]]
    assert steps == [("12-month outcome", f"Opens on {released_on.day} March 2028")]

    j.advance(hours=2)  # 12 months after release: open, provisional
    assert j.coordinator.post(f"/cases/{j.case_id}/outcome", OUTCOME).status == 200
    month = f"{released_on:%Y-%m}"
    figures = _figures(j.coordinator, f"{month}-01", f"{released_on:%Y-%m}-31")
    assert figures["counts"]["outcomes"] == 1
    assert figures["counts"]["outcomes_final"] == 0
    assert "recorded before 18 months" in figures["provisional"]
    assert figures["rates"]["reoffending"] == {
        "rate": 0.0,
        "low": 0.0,
        "high": figures["rates"]["reoffending"]["high"],
        "count": 0,
        "n": 1,
    }
    assert 0.7 < figures["rates"]["reoffending"]["high"] < 0.8, "0 of 1 is 0% to 79%: nothing to claim"
    assert "Only 1 outcome" in figures["caution"]


def test_an_outcome_18_months_after_release_is_final(journey: Journey) -> None:
    j = journey
    j.released()
    released_on = _disengaged(j)
    j.advance_to(_midnight(released_on) + timedelta(days=550))
    assert (
        j.coordinator.post(f"/cases/{j.case_id}/outcome", {**OUTCOME, "proven_reoffending": True}).status
        == 200
    )
    figures = _figures(j.coordinator, "2027-01-01", "2027-12-31")
    assert (figures["counts"]["outcomes"], figures["counts"]["outcomes_final"]) == (1, 1)
    assert figures["provisional"] is None
    assert figures["rates"]["reoffending"]["count"] == 1
    assert figures["rates"]["reoffending_completers"]["n"] == 0, "disengaged: not a completer"
    assert (
        figures["baseline"]["rate"] == 0.352
        and "Proven reoffending statistics" in figures["baseline"]["source"]
    )


def test_a_cohort_period_holds_the_right_cases_and_a_moved_release_date_moves_its_case(
    journey: Journey,
) -> None:
    j = journey
    j.refer_and_consent(days=20)  # 21 March 2027: the first quarter
    march = j.case_id
    later = j.ok(j.coordinator.post("/referrals", referral("sub-00000002", "A0002AA", days=60))).body[
        "case_id"
    ]
    consent = {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}
    j.ok(j.coordinator.post(f"/cases/{later}/consent", consent))
    j.ok(j.coordinator.post("/referrals", referral("sub-00000003", "A0003AA", days=61)))  # never consents

    q1, q2, q3 = ("2027-01-01", "2027-03-31"), ("2027-04-01", "2027-06-30"), ("2027-07-01", "2027-09-30")
    assert _figures(j.coordinator, *q1)["counts"]["consented"] == 1
    second = _figures(j.coordinator, *q2)["counts"]
    assert (second["referred"], second["consented"]) == (2, 1), "intention to treat counts consents only"

    new_date = (START.date() + timedelta(days=130)).isoformat()  # 9 July 2027
    change = {
        "change": {"type": "release_date_changed", "event_id": "evt-date-0001", "new_release_on": new_date}
    }
    assert j.coordinator.post(f"/cases/{later}/circumstances", change).status == 200
    assert _figures(j.coordinator, *q2)["counts"]["consented"] == 0
    assert _figures(j.coordinator, *q3)["counts"]["consented"] == 1
    assert _figures(j.coordinator, *q1)["counts"]["consented"] == 1, march


def test_bad_dates_are_a_400_in_words(journey: Journey) -> None:
    for query, words in [
        ("", "Give the from date"),
        ("?from=2027-13-01&to=2027-12-31", "must be a date like"),
        ("?from=2027-04-02&to=2027-06-30", "first day of a month"),
        ("?from=2027-04-01&to=2027-06-29", "last day of a month"),
        ("?from=2027-07-01&to=2027-06-30", "on or before"),
    ]:
        response = journey.coordinator.get(f"/outcomes{query}")
        assert response.status == 400, (query, response)
        assert words in response.body["message"]


def test_a_period_the_pages_cannot_read_shows_this_year_and_says_so(journey: Journey) -> None:
    from tests.trust.conftest import StaffSession

    web = StaffSession(journey.stack, "manager-0001", "manager")
    for path in ("/outcomes?period=banana", "/outcomes/report?period=2027-Q5"):
        page = web.web("GET", path)
        assert page.status == 200, (path, page.status)
        assert "There is a problem" in page.body
        assert "Choose a year (like 2027) or a quarter (like 2027-Q2)" in page.body
        assert "Check your answers" not in page.body
    page = web.web("GET", "/outcomes?period=banana")
    assert 'href="#period"' in page.body and 'id="period-error"' in page.body


def test_the_counters_equal_a_recount_after_a_simulated_cohort(stack: LocalStack) -> None:
    """A simulated cohort (release dates moved, recalls, disengagements, outcomes), then two cases
    erased: the counters the changes kept are a recount of every case still held."""
    from throughgate.store.repository import CaseStore
    from throughgate_local.simulation.people import Simulation

    sim = Simulation(stack, 12, seed=5)
    sim.seed_mentors()
    sim.refer_clients(0)
    store = CaseStore()
    sim.run(START + timedelta(days=5))
    waiting = next(c for c in sim.cases if not store.get_case(c).is_released and store.get_case(c).consent)
    later = store.get_case(waiting).release_on + timedelta(days=95)  # into the next quarter
    moved = {
        "change": {
            "type": "release_date_changed",
            "event_id": "evt-test-date",
            "new_release_on": later.isoformat(),
        }
    }
    assert sim.coordinator.post(f"/cases/{waiting}/circumstances", moved).status == 200
    sim.run(START + timedelta(days=120))
    erased = [c for c in sim.cases if c != waiting][:2]
    for case_id in erased:
        response = sim.coordinator.post(
            f"/cases/{case_id}/erasure", {"reason": "subject_request", "confirm_case_id": case_id}
        )
        assert response.status == 200, response
    released = next(
        c for c in sim.cases if c not in erased and store.get_case(c).stage.value == "post_release"
    )
    recall = {"change": {"type": "recalled", "event_id": "evt-test-recall"}}
    assert sim.coordinator.post(f"/cases/{released}/circumstances", recall).status == 200
    sim.run(START + timedelta(days=800))

    held = [store.get_case(case_id) for case_id in sim.cases if case_id not in erased]
    facts = []
    for case in held:
        counted = case.counted
        assert counted is not None, case.case_id
        outcome = store.outcome(case.case_id)
        assert counted.month == release_month(case.first_released_on or case.release_on)
        assert counted.consented == (case.consent is not None)
        assert counted.released == case.is_released
        assert counted.reoffended == (outcome.proven_reoffending if outcome else None)
        facts.append(counted)
    assert store.cohort_counters() == recount(facts)
    totals = recount(facts)
    assert sum(m.get("referred", 0) for m in totals.values()) == 10, "the erased cases count for nothing"
    assert sum(m.get("outcomes", 0) for m in totals.values()) > 0
    assert sum(m.get("recalled", 0) for m in totals.values()) >= 1
