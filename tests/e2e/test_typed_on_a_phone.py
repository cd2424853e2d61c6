"""What people type on a phone is taken as they mean it: a prison number or prison code in lower case
(or with spaces around it) is the same one, at the referral, in a search and from the prison's feed."""

from __future__ import annotations

import pytest

from tests.journey import Journey, referral

pytestmark = pytest.mark.e2e


def test_a_lower_case_prison_number_and_code_are_the_same_ones(journey: Journey) -> None:
    j = journey
    body = referral(prison_number=" a0001aa ")
    body["prison"] = "bxi"
    answer = j.ok(j.coordinator.post("/referrals", body))
    j.case_id = answer.body["case_id"]
    state = j.view()
    assert (state["client"]["prison_number"], state["prison"]) == ("A0001AA", "BXI")

    # The same client referred again in capitals is the one open case, not a second.
    again = j.coordinator.post("/referrals", referral(submission_id="sub-00000002"))
    assert again.status == 409, again

    consent = {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/consent", consent))
    j.stack.send_prison_event(
        {
            "prison_number": "a0001aa",
            "change": {"type": "transferred", "event_id": "evt-transfer-0001", "prison": "wwi"},
        }
    )
    assert j.stack.deliver_prison_events() == 1
    assert j.view()["prison"] == "WWI"
    assert j.stack.dead_letters() == []
