"""Text reminders to a client who agreed at consent (issue 16 item 4): the evening before and the
morning of an appointment, to the number given, in plain words; a reply of STOP ends them at once."""

from __future__ import annotations

from datetime import datetime

import pytest

from tests.journey import Journey, referral
from throughgate.domain.schedule import LONDON

pytestmark = pytest.mark.e2e

MOBILE = "07700 900123"  # Ofcom's drama range
E164 = "+447700900123"


def _consent_with_texts(j: Journey, mobile: str = MOBILE) -> None:
    response = j.ok(j.coordinator.post("/referrals", referral(days=30)))
    j.case_id = response.body["case_id"]
    consent = {
        "consent_given": True,
        "lawful_basis": "public_task",
        "data_sharing": True,
        "text_reminders": True,
        "mobile": mobile,
    }
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/consent", consent))


def _appointment(j: Journey, kind: str, on: str, at: str) -> None:
    j.ok(j.mentor.post(f"/cases/{j.case_id}/appointments", {"kind": kind, "on": on, "at": at}))


def test_two_reminders_to_the_clients_number_then_stop_ends_them(journey: Journey) -> None:
    j = journey
    _consent_with_texts(j)
    j.assess_and_match()
    _appointment(j, "mentor_meeting", "2027-03-10", "10:00")
    _appointment(j, "probation", "2027-03-12", "14:30")
    view = j.view()
    assert view["texts"] == "Text reminders to 07700 900123"
    assert [a["what"] for a in view["appointments"]] == [
        "Meeting with the mentor",
        "First probation appointment",
    ]

    j.advance_to(datetime(2027, 3, 9, 17, 59, tzinfo=LONDON))
    assert j.stack.sent_texts() == []
    j.advance_to(datetime(2027, 3, 10, 9, tzinfo=LONDON))
    texts = j.stack.sent_texts()
    assert [(t["to"], t["body"], t["sent_at"]) for t in texts] == [
        (
            E164,
            "Reminder: you are seeing Mentor tomorrow at 10:00. Reply STOP to end these texts.",
            "2027-03-09T18:00:00+00:00",
        ),
        (
            E164,
            "Reminder: you are seeing Mentor today at 10:00. Reply STOP to end these texts.",
            "2027-03-10T08:00:00+00:00",
        ),
    ]

    assert j.stack.reply_text(E164, "Stop") == {"stopped": 1, "unreadable": 0}
    j.advance_to(datetime(2027, 3, 13, 9, tzinfo=LONDON))
    assert len(j.stack.sent_texts()) == 2, "no text after STOP"
    view = j.view()
    assert view["texts"].startswith("The client replied STOP on 10 March 2027")
    assert any(e["kind"] == "texts_stopped" for e in view["timeline"])


def test_no_texts_without_agreement_and_none_after_the_case_ends(journey: Journey) -> None:
    j = journey
    j.refer_and_consent(days=30)  # consent without texts
    j.assess_and_match()
    _appointment(j, "gp", "2027-03-10", "11:00")
    assert j.view()["texts"] is None
    j.advance_to(datetime(2027, 3, 10, 12, tzinfo=LONDON))
    assert j.stack.sent_texts() == []


def test_consent_withdrawn_ends_texts_and_drops_the_number(journey: Journey) -> None:
    j = journey
    _consent_with_texts(j)
    j.assess_and_match()
    _appointment(j, "universal_credit", "2027-03-10", "11:00")
    withdrawn = {"change": {"type": "consent_withdrawn", "event_id": "evt-00000001"}}
    j.ok(j.coordinator.post(f"/cases/{j.case_id}/circumstances", withdrawn))
    j.advance_to(datetime(2027, 3, 10, 12, tzinfo=LONDON))
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
