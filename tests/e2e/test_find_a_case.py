"""Find a case (issue 13 item 2): `POST /case-search` on the local stack, through the API handler.

Referrals are found again by part of a surname (any case), a prison number or a case reference;
the filters work and combine; a mentor finds only their own caseload; erasure takes a case out of
search and its search items out of the table; and the DynamoDB requests of one page of results do
not grow with the number of cases held."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import boto3

from tests.journey import START, Journey, referral
from throughgate_local.api_client import ApiClient
from throughgate_local.stack import TABLE, LocalStack


def _refer(journey: Journey, n: int, given: str, family: str, days: int = 30) -> str:
    body = referral(f"sub-find-{n:06d}", f"F{n:04d}FC", days)
    body["client"] |= {"given_name": given, "family_name": family}
    response = journey.ok(journey.coordinator.post("/referrals", body))
    return str(response.body["case_id"])


def _find(client: ApiClient, **query: Any) -> dict[str, Any]:
    response = client.post("/case-search", query)
    assert response.status == 200, response
    return response.body


def _ids(client: ApiClient, **query: Any) -> list[str]:
    return [row["case_id"] for row in _find(client, **query)["cases"]]


def _search_items(stack: LocalStack, case_id: str) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb", region_name="eu-west-2").Table(TABLE)
    items = table.scan()["Items"]  # the test looks at the whole table; the product never scans
    return [i for i in items if str(i["pk"]).startswith("SEARCH#") and i["sk"] == f"CASE#{case_id}"]


def test_a_referral_is_found_by_part_of_a_name_a_prison_number_or_its_reference(journey: Journey) -> None:
    coordinator = journey.coordinator
    wanted = _refer(journey, 1, "Orla", "Quennell-Bright", days=40)
    quentin = _refer(journey, 2, "Quentin", "Example", days=20)
    _refer(journey, 3, "Testy", "Example", days=30)

    assert _ids(coordinator, text="quen") == [quentin, wanted]  # a given or a family name
    assert _ids(coordinator, text="QUENNELL") == [wanted]
    assert _ids(coordinator, text="bri") == [wanted]  # the second part of a double-barrelled name
    assert _ids(coordinator, text="orla quen") == [wanted]
    assert _ids(coordinator, text="f0001fc") == [wanted]
    assert _ids(coordinator, text="F0001") == [wanted]
    assert _ids(coordinator, text=wanted[:8].upper()) == [wanted]
    assert _ids(coordinator, text=wanted) == [wanted]
    assert _ids(coordinator, text="zz") == []

    found = _find(coordinator, text="example")
    assert [row["name"] for row in found["cases"]] == ["Quentin Example", "Testy Example"]  # by release date
    row = _find(coordinator, text="bright")["cases"][0]
    assert row == {
        "case_id": wanted,
        "name": "Orla Quennell-Bright",
        "prison_number": "F0001FC",
        "stage": "referred",
        "release_on": (START.date() + timedelta(days=40)).isoformat(),
        "mentor_id": None,
    }
    assert found["next_page"] is None


def test_a_text_that_cannot_be_searched_and_bad_filters_name_the_field(journey: Journey) -> None:
    for body, field in [
        ({"text": "e"}, "text"),
        ({"stage": "somewhere"}, "stage"),
        ({"released_from": "2027-05-02", "released_to": "2027-05-01"}, "released_to"),
        ({"page": 0}, "page"),
        ({"text": "ab", "colour": "crimson"}, "body"),  # an unknown field is not named back
    ]:
        response = journey.coordinator.post("/case-search", body)
        assert response.status == 422, (body, response)
        assert [f["field"] for f in response.body["fields"]] == [field]
        assert "crimson" not in str(response.body) and "somewhere" not in str(response.body)


def test_filters_work_and_combine(journey: Journey) -> None:
    coordinator = journey.coordinator
    journey.refer_and_consent(days=60)  # Testy Example, matched below, released in 60 days
    journey.assess_and_match()
    matched = journey.case_id
    early = _refer(journey, 11, "Ada", "Early", days=15)
    late = _refer(journey, 12, "Ada", "Late", days=90)

    everyone = _ids(coordinator)
    assert everyone == [early, matched, late]  # the active cases, by release date
    assert _ids(coordinator, stage="referred") == [early, late]
    assert _ids(coordinator, mentor_id="mentor-0001") == [matched]
    window = {
        "released_from": (START.date() + timedelta(days=10)).isoformat(),
        "released_to": (START.date() + timedelta(days=70)).isoformat(),
    }
    assert _ids(coordinator, **window) == [early, matched]
    assert _ids(coordinator, stage="referred", **window) == [early]
    assert _ids(coordinator, text="ada", **window) == [early]
    assert _ids(coordinator, text="ada", mentor_id="mentor-0001") == []
    assert _ids(coordinator, needs_attention=True) == []


def test_needs_attention_lists_cases_with_an_open_escalation(journey: Journey) -> None:
    coordinator = journey.coordinator
    journey.refer_and_consent(days=30)
    journey.assess_and_match()
    journey.to_readiness()
    journey.readiness(accommodation=False)  # no accommodation confirmed: an escalation
    quiet = _refer(journey, 21, "Ada", "Quiet", days=45)
    flagged = _ids(coordinator, needs_attention=True)
    assert flagged == [journey.case_id]
    assert quiet not in flagged
    assert _ids(coordinator, needs_attention=True, text="testy") == [journey.case_id]
    assert _ids(coordinator, needs_attention=True, text="quiet") == []


def test_a_mentor_finds_only_their_own_caseload(journey: Journey) -> None:
    journey.refer_and_consent(days=30)
    journey.assess_and_match()
    theirs = journey.case_id
    _refer(journey, 31, "Testy", "Elsewhere", days=20)
    mentor, other = journey.mentor, ApiClient(journey.stack, "mentor-0002", "mentor")

    assert _ids(mentor) == [theirs]
    assert _ids(mentor, text="testy") == [theirs]  # the unassigned Testy is not theirs
    assert _ids(mentor, mentor_id="mentor-0002") == []
    assert _ids(other) == [] and _ids(other, text="testy") == [] and _ids(other, text=theirs[:8]) == []
    assert _ids(other, mentor_id="mentor-0001") == []
    manager = ApiClient(journey.stack, "manager-0001", "manager")
    assert len(_ids(manager, text="testy")) == 2


def test_erasure_takes_the_case_out_of_search(journey: Journey) -> None:
    gone = _refer(journey, 41, "Erin", "Erasable", days=30)
    kept = _refer(journey, 42, "Erin", "Kept", days=31)
    assert len(_search_items(journey.stack, gone)) > 10
    assert _ids(journey.coordinator, text="erin") == [gone, kept]

    body = {"reason": "subject_request", "confirm_case_id": gone}
    journey.ok(journey.coordinator.post(f"/cases/{gone}/erasure", body))

    assert _ids(journey.coordinator, text="erin") == [kept]
    assert _ids(journey.coordinator, text="erasable") == []
    assert _ids(journey.coordinator, text=gone[:8]) == []
    assert _search_items(journey.stack, gone) == []
    assert _search_items(journey.stack, kept) != []


def test_the_requests_for_a_page_do_not_grow_with_the_cases_held(journey: Journey) -> None:
    stack, coordinator = journey.stack, journey.coordinator
    queries = [{"text": "needle"}, {"text": "F0101FC"}, {}, {"stage": "referred"}, {"needs_attention": True}]

    def cost() -> list[Counter[str]]:
        counts = []
        for query in queries:
            before = Counter(stack.dynamodb_calls.calls)
            _find(coordinator, **query)
            counts.append(Counter(stack.dynamodb_calls.calls) - before)
        return counts

    _refer(journey, 101, "Nell", "Needleman", days=30)
    for n in range(102, 111):
        _refer(journey, n, "Testy", f"Example{'abcdefghij'[n % 10]}", days=20 + n % 50)
    with_10 = cost()
    for n in range(111, 141):
        _refer(journey, n, "Testy", f"Example{'abcdefghij'[n % 10]}", days=20 + n % 50)
    assert with_10 == cost()
    assert all(c["Scan"] == 0 for c in with_10)
    # GetItem: the caller's staff record (a deactivated person's API calls are refused).
    assert with_10[0] == Counter({"GetItem": 1, "Query": 1, "BatchGetItem": 1})


def test_a_text_matching_more_cases_than_the_limit_asks_for_more_of_the_name(journey: Journey) -> None:
    from throughgate.domain.catalogue import load_programme

    stack, coordinator = journey.stack, journey.coordinator
    limit = load_programme().search_match_limit
    for n in range(limit + 1):
        _refer(journey, 200 + n, "Testy", f"Temple{'abcdefghij'[n % 10]}", days=20 + n % 50)
    before = Counter(stack.dynamodb_calls.calls)
    refused = coordinator.post("/case-search", {"text": "te"})
    assert refused.status == 422, refused
    assert refused.body["fields"] == [
        {
            "field": "text",
            "message": f"More than {limit} cases match: enter more of the name, or the prison number",
        }
    ]
    caller = Counter({"GetItem": 1})  # the caller's staff record, not a case
    assert Counter(stack.dynamodb_calls.calls) - before == caller + Counter({"Query": 1}), "no case was read"
    found = coordinator.post("/case-search", {"text": "templea"}).body["cases"]
    assert found and all(case["name"].endswith("Templea") for case in found)
