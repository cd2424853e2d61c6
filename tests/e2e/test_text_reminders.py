"""Text reminders to a client who agreed at consent (issue 16 item 4): the evening before and the
morning of an appointment, to the number given, in plain words; a reply of STOP ends them at once.
None reaches a client still in prison."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.journey import Journey, referral
from throughgate.domain.schedule import LONDON

pytestmark = pytest.mark.e2e

MOBILE = "07700 900123"  # Ofcom's drama range
E164 = "+447700900123"


def _consent_with_texts(j: Journey, mobile: str = MOBILE, days: int = 30) -> None:
    response = j.ok(j.coordinator.post("/referrals", referral(days=days)))
    j.case_id = response.body["case_id"]
    consent = {
        "consent_given": True,
        "lawful_basis": "public_task",
        "data_sharing": True,
        "text_reminders": True,
        "mobile": mobile,
    }
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/consent", consent))


def _released_with_texts(j: Journey) -> None:
    """Texts agreed at consent, then through the gate on 11 March 2027 (09:00)."""
    _consent_with_texts(j, days=10)
    j.assess_and_match()
    j.to_readiness()
    j.readiness()
    j.release_day()


def _appointment(j: Journey, kind: str, on: str, at: str) -> None:
    j.ok(j.mentor.post(f"/cases/{j.case_id}/appointments", {"kind": kind, "on": on, "at": at}))


def test_two_reminders_to_the_clients_number_then_stop_ends_them(journey: Journey) -> None:
    j = journey
    _released_with_texts(j)
    _appointment(j, "mentor_meeting", "2027-03-15", "10:00")
    _appointment(j, "probation", "2027-03-17", "14:30")
    view = j.view()
    assert view["texts"] == "Text reminders to 07700 900123"
    assert [a["what"] for a in view["appointments"]] == [
        "Meeting with the mentor",
        "First probation appointment",
    ]

    j.advance_to(datetime(2027, 3, 14, 17, 59, tzinfo=LONDON))
    assert j.stack.sent_texts() == []
    j.advance_to(datetime(2027, 3, 15, 9, tzinfo=LONDON))
    texts = j.stack.sent_texts()
    assert [(t["to"], t["body"], t["sent_at"]) for t in texts] == [
        (
            E164,
            "Reminder: you are seeing Mentor tomorrow at 10:00. Reply STOP to end these texts.",
            "2027-03-14T18:00:00+00:00",
        ),
        (
            E164,
            "Reminder: you are seeing Mentor today at 10:00. Reply STOP to end these texts.",
            "2027-03-15T08:00:00+00:00",
        ),
    ]

    assert j.stack.reply_text(E164, "Stop") == {"stopped": 1, "unreadable": 0}
    j.advance_to(datetime(2027, 3, 18, 9, tzinfo=LONDON))
    assert len(j.stack.sent_texts()) == 2, "no text after STOP"
    view = j.view()
    assert view["texts"].startswith("The client replied STOP on 15 March 2027")
    assert any(e["kind"] == "texts_stopped" for e in view["timeline"])


def test_a_reply_that_starts_with_stop_ends_them(journey: Journey) -> None:
    j = journey
    _released_with_texts(j)
    _appointment(j, "gp", "2027-03-15", "11:00")
    assert j.stack.reply_text(E164, "STOP please") == {"stopped": 1, "unreadable": 0}
    j.advance_to(datetime(2027, 3, 15, 12, tzinfo=LONDON))
    assert j.stack.sent_texts() == []


def test_no_texts_reach_a_client_still_in_prison(journey: Journey) -> None:
    """Recorded before release (the release date is 11 March): a prison visit on the 5th gets none;
    on release day the client is still inside when both fall due (the evening before, 08:00), so
    both are skipped, and the morning's goes once they are out (09:00), the appointment being that
    afternoon; the day after release gets both."""
    j = journey
    _consent_with_texts(j, days=10)
    j.assess_and_match()
    _appointment(j, "mentor_meeting", "2027-03-05", "10:00")
    _appointment(j, "probation", "2027-03-11", "14:30")
    _appointment(j, "probation", "2027-03-12", "14:30")
    assert [a["reminders"] for a in j.view()["appointments"]] == [
        "No text reminder: the client is still in prison",
        "Next text reminder: 10 March 2027 at 6pm",
        "Next text reminder: 11 March 2027 at 6pm",
    ]
    j.to_readiness()
    j.readiness()
    j.release_day()  # 11 March, 09:00
    j.advance_to(datetime(2027, 3, 12, 15, tzinfo=LONDON))
    texts = [(t["body"], t["sent_at"]) for t in j.stack.sent_texts()]
    assert texts[0][0] == "Reminder: you have an appointment today at 14:30. Reply STOP to end these texts."
    assert "2027-03-11T09:00" <= texts[0][1] < "2027-03-11T09:30", "within a run of the sender"
    assert texts[1:] == [
        (
            "Reminder: you have an appointment tomorrow at 14:30. Reply STOP to end these texts.",
            "2027-03-11T18:00:00+00:00",
        ),
        (
            "Reminder: you have an appointment today at 14:30. Reply STOP to end these texts.",
            "2027-03-12T08:00:00+00:00",
        ),
    ]


def test_no_texts_without_agreement_and_none_after_the_case_ends(journey: Journey) -> None:
    j = journey
    j.released()  # consent without texts
    _appointment(j, "gp", "2027-03-15", "11:00")
    assert j.view()["texts"] is None
    j.advance_to(datetime(2027, 3, 15, 12, tzinfo=LONDON))
    assert j.stack.sent_texts() == []


def test_consent_withdrawn_ends_texts_and_drops_the_number(journey: Journey) -> None:
    j = journey
    _released_with_texts(j)
    _appointment(j, "universal_credit", "2027-03-15", "11:00")
    withdrawn = {"change": {"type": "consent_withdrawn", "event_id": "evt-00000001"}}
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/circumstances", withdrawn))
    j.advance_to(datetime(2027, 3, 15, 12, tzinfo=LONDON))
    assert j.stack.sent_texts() == []
    export = j.ok(j.coordinator.get(f"/cases/{j.case_id}/export")).body
    assert E164 not in str(export), "the number goes when consent is withdrawn"


def test_a_number_that_is_not_a_uk_mobile_is_refused_with_the_field(journey: Journey) -> None:
    j = journey
    response = j.ok(j.coordinator.post("/referrals", referral(days=30)))
    consent = {
        "consent_given": True,
        "lawful_basis": "public_task",
        "data_sharing": True,
        "text_reminders": True,
    }
    for body in ({**consent, "mobile": "020 7946 0123"}, consent):
        refused = j.coordinator.post(f"/cases/{response.body['case_id']}/consent", body)
        assert refused.status == 422, refused
        assert refused.body["fields"][0]["field"] == "mobile"
        assert "020" not in str(refused.body)
