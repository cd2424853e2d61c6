"""A case driven through the real ASL on the local stack, one form at a time, via the API handler.

Helpers shared by the e2e, trust and bench code; the fixtures that hand them out are in tests/conftest.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from throughgate.domain.needs import AreaStatus, NeedArea
from throughgate_local.api_client import ApiClient, ApiResponse
from throughgate_local.mentors import enrolled
from throughgate_local.stack import SCHEDULE_GROUP, LocalStack

START = datetime(2027, 3, 1, 9, tzinfo=UTC)  # a Monday
AREAS = tuple(area.value for area in NeedArea)


def referral(
    submission_id: str = "sub-00000001", prison_number: str = "A0001AA", days: int = 30
) -> dict[str, Any]:
    return {
        "submission_id": submission_id,
        "client": {
            "given_name": "Testy",
            "family_name": "Example",
            "date_of_birth": "1990-05-17",
            "prison_number": prison_number,
            "gender": "male",
            "borough": "Southwark",
        },
        "release_on": (START.date() + timedelta(days=days)).isoformat(),
        "prison": "BXI",
    }


def needs(**levels: str) -> dict[str, Any]:
    return {"needs": {area: {"level": levels.get(area, "none")} for area in AREAS}}


@dataclass
class Journey:
    stack: LocalStack
    coordinator: ApiClient
    mentor: ApiClient
    case_id: str = ""
    history: list[ApiResponse] = field(default_factory=list)

    def ok(self, response: ApiResponse) -> ApiResponse:
        assert response.status in (200, 201), response
        self.history.append(response)
        return response

    def view(self) -> dict[str, Any]:
        return self.ok(self.coordinator.get(f"/cases/{self.case_id}")).body

    def advance_to(self, moment: datetime) -> None:
        self.stack.clock.advance_to(moment)
        self.stack.clock.settle()

    def advance(self, **delta: float) -> None:
        self.advance_to(self.stack.clock.now() + timedelta(**delta))

    def release_on(self) -> date:
        return date.fromisoformat(self.view()["release_on"])

    # -- steps -------------------------------------------------------------------------------------
    def refer_and_consent(self, days: int = 30, **body: Any) -> None:
        response = self.ok(self.coordinator.post("/referrals", {**referral(days=days), **body}))
        self.case_id = response.body["case_id"]
        consent = {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}
        self.ok(self.coordinator.post(f"/cases/{self.case_id}/consent", consent))

    def assess_and_match(self, **levels: str) -> None:
        self.ok(self.coordinator.post(f"/cases/{self.case_id}/assessment", needs(**levels)))
        self.ok(self.coordinator.post(f"/cases/{self.case_id}/mentor", {"mentor_id": "mentor-0001"}))

    def to_readiness(self) -> None:
        release = self.release_on()
        self.advance_to(
            datetime.combine(release - timedelta(days=3), datetime.min.time(), UTC) + timedelta(hours=9)
        )

    def readiness(self, accommodation: bool = True) -> None:
        body = {
            "accommodation_confirmed": accommodation,
            "id_ready": True,
            "medication_ready": True,
            "probation_appointment_booked": True,
        }
        self.ok(self.coordinator.post(f"/cases/{self.case_id}/readiness", body))

    def release_day(self, met: bool = True, address: bool = True, **answers: Any) -> None:
        """The checklist at the gate; not met, it says what happened (the model requires it)."""
        self.advance_to(datetime.combine(self.release_on(), datetime.min.time(), UTC) + timedelta(hours=9))
        body = {
            "met_at_gate": met,
            "address_confirmed": address,
            "id_and_bank_card": True,
            "phone": True,
            "medication": True,
            "probation_attended": True,
            "universal_credit_booked": True,
            "weekend_food_and_money": True,
            **({} if met else {"not_met_reason": "went_with_family"}),
            **answers,
        }
        self.ok(self.mentor.post(f"/cases/{self.case_id}/release-day", body))

    def released(self, days: int = 10, **levels: str) -> None:
        """Referral to release day, every form in order: a client out of prison with a mentor."""
        self.refer_and_consent(days=days)
        self.assess_and_match(**levels)
        self.to_readiness()
        self.readiness()
        self.release_day()

    def check_ins(self, count: int | None = None) -> int:
        """Advance to each check-in as it falls due and complete it; returns how many were done."""
        done = 0
        while count is None or done < count:
            state = self.view()
            if state["waiting_for"] != "check_in":
                self.advance(days=1)
                state = self.view()
                if state["waiting_for"] != "check_in":
                    if state["stage"] != "post_release":
                        return done
                    continue
            body = {"number": state["check_in_number"], "contact_made": True}
            self.ok(self.mentor.post(f"/cases/{self.case_id}/check-ins", body))
            done += 1
        return done

    def handover(self, **answers: Any) -> ApiResponse:
        state = self.view()
        handed = {
            n["area"]: {"outcome": "referred", "service": "Community service", "referral_state": "accepted"}
            for n in state["needs"]
            if AreaStatus(n["status"]).is_open
        }
        body = {
            "needs": handed,
            "exit_levels": dict.fromkeys(AREAS, "low"),
            "in_work_or_training": True,
            **answers,
        }
        return self.ok(self.coordinator.post(f"/cases/{self.case_id}/handover", body))

    # -- what the workflow is doing ----------------------------------------------------------------
    def executions(self) -> dict[str, str]:
        return {e["name"]: e["status"] for e in self.stack.executions() if e["name"].startswith(self.case_id)}


def new_journey(stack: LocalStack) -> Journey:
    """A coordinator, and one mentor with capacity, on a started stack."""
    coordinator = ApiClient(stack, "coordinator-0001", "coordinator")
    mentor_body = {
        "mentor_id": "mentor-0001",
        "display_name": "Mentor One",
        "gender": "male",
        "boroughs": ["Southwark"],
        "capacity": 5,
        "lived_experience": ["accommodation", "drugs_alcohol"],
        "linked_areas": [],
    }
    assert enrolled(coordinator, mentor_body)
    return Journey(stack, coordinator, ApiClient(stack, "mentor-0001", "mentor"))


def schedules(stack: LocalStack) -> dict[str, str]:
    """The one-time schedules in the stack's group: name -> expression (`at(...)`)."""
    scheduler = stack.client("scheduler")
    found = scheduler.list_schedules(GroupName=SCHEDULE_GROUP)["Schedules"]
    return {
        s["Name"]: scheduler.get_schedule(Name=s["Name"], GroupName=SCHEDULE_GROUP)["ScheduleExpression"]
        for s in found
    }
