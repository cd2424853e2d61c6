"""Prison updates not applied: a message the feed gives up on reaches the dead-letter queue and the
coordinators' page at its last delivery (not before), in words, with the case where known; a
coordinator marks it dealt with and it goes, its prison number with it, in the audit trail."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from tests.journey import Journey
from throughgate.domain.case_steps import Role
from throughgate.logic.ports import Actor
from throughgate.web import csrf
from throughgate_local.api_client import proxy_event
from throughgate_local.faults import FOREVER, Faults
from throughgate_local.stack import MAX_RECEIVE_COUNT, TABLE, LocalStack

pytestmark = pytest.mark.e2e

COORDINATOR = Actor("coordinator-0001", Role.COORDINATOR)
MANAGER = Actor("manager-0001", Role.MANAGER)
UNKNOWN_NUMBER = "Z9999ZZ"  # synthetic: no case has it
PAGE = "/prison-updates/not-applied"


def _web(stack: LocalStack, actor: Actor, method: str, path: str, post: bool = False) -> dict[str, Any]:
    cookie = csrf.new_cookie_value()
    body = None
    if post:
        token = csrf.token(os.environ["CSRF_SECRET"].encode(), actor.user_id, cookie)
        body = urlencode({"csrf_token": token})
    headers = {"Content-Type": "application/x-www-form-urlencoded", "Cookie": f"{csrf.COOKIE}={cookie}"}
    event = proxy_event(method, path, body, (actor.user_id, actor.role.value), headers=headers)
    response: dict[str, Any] = stack.invoke("Web", event)
    return response


def _text(page: str) -> str:
    main = page.split("<main", 1)[1].split("</main>", 1)[0]
    return " ".join(re.sub(r"<[^>]+>", " ", main).split())


def _updates(actor: Actor = COORDINATOR) -> list[Any]:
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.unapplied import unapplied_updates

    return unapplied_updates(aws_deps(), actor)


def _invalid() -> dict[str, Any]:
    """A valid prison number of a case we hold, but an unknown kind of change: invalid."""
    return {"prison_number": "A0001AA", "change": {"type": "teleported", "event_id": "evt-bad-0001"}}


def _unknown_number() -> dict[str, Any]:
    change = {"type": "transferred", "event_id": "evt-unknown-0001", "prison": "WWI"}
    return {"prison_number": UNKNOWN_NUMBER, "occurred_at": "2027-03-01T10:15:00+00:00", "change": change}


def test_an_update_is_listed_at_its_last_delivery_and_goes_when_dealt_with(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=30)
    j.stack.send_prison_event(_invalid())
    j.stack.send_prison_event(_unknown_number())

    for delivery in range(1, MAX_RECEIVE_COUNT):
        j.stack.deliver_prison_events(rounds=1)
        assert _updates() == [], f"not listed after delivery {delivery}: SQS will try again"
        assert j.stack.dead_letters() == []
    j.stack.deliver_prison_events(rounds=1)
    assert j.stack.deliver_prison_events() == 0, "both moved aside: the queue is empty"
    assert len(j.stack.dead_letters()) == 2

    by_change = {line.update.change_words: line for line in _updates()}
    assert set(by_change) == {"Not readable", "Transferred to another prison"}
    invalid = by_change["Not readable"]
    assert invalid.update.reason_words == "The message was not a valid prison update (fields: change)"
    assert invalid.update.case_id == j.case_id, "its prison number is a case's: the case is named"
    assert invalid.prison_number is None, "a known case is named by the case, not the number"
    unknown = by_change["Transferred to another prison"]
    assert unknown.update.reason_words == "No open case has this prison number"
    assert unknown.update.case_id is None
    assert unknown.prison_number == UNKNOWN_NUMBER, "the coordinator needs it to find the mistake"
    assert unknown.update.occurred_at is not None and unknown.update.occurred_at.year == 2027

    board = _web(j.stack, COORDINATOR, "GET", "/")
    assert "2 prison updates could not be applied" in _text(board["body"])
    page = _web(j.stack, COORDINATOR, "GET", PAGE)
    assert page["statusCode"] == 200
    words = _text(page["body"])
    assert "No open case has this prison number" in words
    assert f"Prison number in the update: {UNKNOWN_NUMBER}" in words
    assert f'href="/cases/{j.case_id}"' in page["body"]
    assert f"Case {j.case_id[:8]}: Testy Example" in words, "by case reference and client name"
    manager_page = _web(j.stack, MANAGER, "GET", PAGE)
    assert manager_page["statusCode"] == 200
    assert UNKNOWN_NUMBER not in manager_page["body"], "managers read the list without prison numbers"
    assert "Mark as dealt with" not in manager_page["body"]

    done = _web(j.stack, COORDINATOR, "POST", f"{PAGE}/{unknown.update.message_id}/dealt-with", post=True)
    assert (done["statusCode"], done["multiValueHeaders"]["Location"]) == (303, [f"{PAGE}?saved=dealt-with"])
    assert [line.update.message_id for line in _updates()] == [invalid.update.message_id]
    assert _raw_item(j.stack, unknown.update.message_id) is None, "gone, its prison number with it"
    again = _web(j.stack, COORDINATOR, "POST", f"{PAGE}/{unknown.update.message_id}/dealt-with", post=True)
    assert again["statusCode"] == 303, "a double click changes nothing more"
    assert "1 prison update could not be applied" in _text(_web(j.stack, COORDINATOR, "GET", "/")["body"])

    _web(j.stack, COORDINATOR, "POST", f"{PAGE}/{invalid.update.message_id}/dealt-with", post=True)
    trail = j.ok(j.coordinator.get(f"/cases/{j.case_id}/audit")).body["entries"]
    assert any(e["action"] == "prison_update dealt_with" for e in trail), "recorded on the case's trail"
    empty = _text(_web(j.stack, COORDINATOR, "GET", PAGE)["body"])
    assert "There are no prison updates waiting" in empty
    assert "could not be applied" not in _text(_web(j.stack, COORDINATOR, "GET", "/")["body"])


def _raw_item(stack: LocalStack, message_id: str) -> dict[str, Any] | None:
    key = {"pk": {"S": f"UNAPPLIED#{message_id}"}, "sk": {"S": "UPDATE"}}
    item: dict[str, Any] | None = stack.client("dynamodb").get_item(TableName=TABLE, Key=key).get("Item")
    return item


def test_an_update_is_kept_once_and_expires_with_the_dead_letter(journey: Journey) -> None:
    from throughgate.adapters.aws import aws_deps
    from throughgate.domain.unapplied import FailedDelivery, NotAppliedBecause
    from throughgate.logic.unapplied import keep_unapplied_update

    j = journey
    failed = FailedDelivery(
        "0b5c7f1e-0000-4000-8000-000000000001",
        json.dumps(_unknown_number()),
        NotAppliedBecause.NO_OPEN_CASE,
        3,
    )
    assert keep_unapplied_update(aws_deps(), failed) is True
    assert keep_unapplied_update(aws_deps(), failed) is False, "the same message id is kept once"
    [line] = _updates()
    item = _raw_item(j.stack, failed.message_id)
    assert item is not None
    expires = int(item["expires_at"]["N"])
    assert expires - int(line.update.received_at.timestamp()) == 14 * 24 * 3600


def test_a_mentor_is_refused_and_an_unknown_id_is_not_found(journey: Journey) -> None:
    j = journey
    mentor = Actor("mentor-0001", Role.MENTOR)
    assert _web(j.stack, mentor, "GET", PAGE)["statusCode"] == 403
    assert (
        _web(j.stack, mentor, "POST", f"{PAGE}/0b5c7f1e-0000-4000-8000-000000000001/dealt-with", post=True)[
            "statusCode"
        ]
        == 403
    )
    assert _web(j.stack, COORDINATOR, "POST", f"{PAGE}/not-an-id/dealt-with", post=True)["statusCode"] == 404
    gone = _web(
        j.stack, COORDINATOR, "POST", f"{PAGE}/0b5c7f1e-0000-4000-8000-000000000009/dealt-with", post=True
    )
    assert gone["statusCode"] == 303, "one dealt with already (or expired) is no longer listed: no error"
    assert (
        _web(j.stack, COORDINATOR, "POST", f"{PAGE}/0b5c7f1e-0000-4000-8000-000000000001/dealt-with")[
            "statusCode"
        ]
        == 400
    ), "no CSRF token: refused"


@pytest.fixture
def faults(stack: LocalStack) -> Iterator[Faults]:
    with Faults(stack.bridge) as injected:
        yield injected


def test_an_update_that_cannot_be_saved_is_listed_with_its_attempts(journey: Journey, faults: Faults) -> None:
    """Every save of a valid update for a case we hold is throttled: the third failure is kept."""
    j = journey
    j.refer_and_consent(days=30)
    faults.throttle(FOREVER, during="PrisonEvents", operations=frozenset({"TransactWriteItems"}))
    j.stack.send_prison_event({**_unknown_number(), "prison_number": "A0001AA"})
    j.stack.deliver_prison_events()
    faults.clear()
    [line] = _updates()
    assert line.update.reason_words == f"Could not be saved after {MAX_RECEIVE_COUNT} attempts"
    assert (line.update.case_id, line.prison_number) == (j.case_id, None)
    assert j.view()["prison"] == "BXI", "not applied"


def test_an_update_that_cannot_be_kept_still_goes_to_the_dead_letter_queue(
    journey: Journey, faults: Faults
) -> None:
    """Keeping it is a second write that may fail too: the batch reports the message's own failure,
    as before, and logs the keeping's error by type only."""
    from throughgate.handlers.prison_events import logger as feed_log

    j = journey
    faults.throttle(FOREVER, during="PrisonEvents", operations=frozenset({"PutItem"}))
    j.stack.send_prison_event(_unknown_number())
    lines = io.StringIO()
    stream = feed_log.registered_handler.setStream(lines)
    try:
        j.stack.delivery_errors.clear()
        j.stack.deliver_prison_events()
    finally:
        feed_log.registered_handler.setStream(stream)
        faults.clear()
    assert [len(answer["batchItemFailures"]) for answer in j.stack.delivery_errors] == [1] * MAX_RECEIVE_COUNT
    assert len(j.stack.dead_letters()) == 1
    assert _updates() == []
    [not_kept] = [line for line in lines.getvalue().splitlines() if "not kept for the coordinators" in line]
    assert json.loads(not_kept)["error"] == "PutError"
    assert UNKNOWN_NUMBER not in lines.getvalue()
