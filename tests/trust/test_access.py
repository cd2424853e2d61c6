"""Per-record access, for every route of the API and the web handler and every role.

The expectations are written out here from the programme's rules, not read from the code's table:
a mentor sees and changes only the cases assigned to them (anyone else's case answers exactly as an
unknown id does), a manager reads and never writes, only coordinators refer, assign mentors, change
circumstances, close and erase. "Allowed" means the request got past access control: whatever the
case's state then says (200, or a 409 / 422 because the case is not at that step) is not a refusal.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.journey import AREAS, START, Journey, needs
from tests.trust.conftest import HttpResponse, StaffSession
from throughgate_local.api_client import ApiClient
from throughgate_local.mentors import enrolled
from throughgate_local.stack import LocalStack

pytestmark = pytest.mark.trust

COORDINATOR, MANAGER, MENTOR, OTHER_MENTOR = "coordinator", "manager", "mentor", "other_mentor"
EVERYONE = frozenset({COORDINATOR, MANAGER, MENTOR})
STAFF = frozenset({COORDINATOR, MENTOR})
ONLY_COORDINATOR = frozenset({COORDINATOR})
REFUSED = {401, 403, 404}
MENTOR_ID = "mentor-0001"  # the mentor of the case: {mentor} in a route
UNAPPLIED_UPDATE_ID = str(uuid.UUID(int=1))  # past access control, a coordinator's empty post is a 400
STAFF_TARGET = "staff-access-01"  # a manager added in the world, whose record the staff routes change
NEW_STAFF = {
    "username": "staff-access-02",
    "role": "mentor",
    "email": "access@staff.throughgate.example",
    "display_name": "Access Example",
}
TIME_ENTRY_ID = "time-entry-access-1"  # mentor-0001's: the routes below are about their time
TIME_ENTRY = {"on": "2027-02-26", "minutes": 60, "activity": "training", "travel_mode": "none"}
PATHWAY_ID = uuid.UUID(int=2).hex  # a peer-mentor pathway the world holds (written in the fixture)


@dataclass(frozen=True)
class World:
    stack: LocalStack
    case_id: str
    task_key: str
    sessions: dict[str, StaffSession]


def _mentor(mentor_id: str) -> dict[str, object]:
    return {
        "mentor_id": mentor_id,
        "display_name": f"Mentor {mentor_id[-1]}",
        "gender": "male",
        "boroughs": ["Southwark"],
        "capacity": 5,
        "lived_experience": ["accommodation"],
        "linked_areas": [],
    }


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """One case matched to mentor-0001, with tasks planned; mentor-0002 has no case."""
    with LocalStack(START) as stack:
        coordinator = ApiClient(stack, "coordinator-0001", "coordinator")
        for mentor_id in ("mentor-0001", "mentor-0002"):
            assert enrolled(coordinator, _mentor(mentor_id))
        target = {**NEW_STAFF, "username": STAFF_TARGET, "role": "manager"}
        assert coordinator.post("/staff", target).status == 201
        journey = Journey(stack, coordinator, ApiClient(stack, "mentor-0001", "mentor"))
        journey.refer_and_consent(days=30)
        journey.assess_and_match(accommodation="high", health="medium")
        mentor = ApiClient(stack, "mentor-0001", "mentor")
        assert mentor.post("/mentors/mentor-0001/time", TIME_ENTRY, TIME_ENTRY_ID).status == 200
        tasks = journey.view()["tasks"]
        assert tasks, "the plan should have created tasks"
        sessions = {
            COORDINATOR: StaffSession(stack, "coordinator-0001", "coordinator"),
            MANAGER: StaffSession(stack, "manager-0001", "manager"),
            MENTOR: StaffSession(stack, "mentor-0001", "mentor"),
            OTHER_MENTOR: StaffSession(stack, "mentor-0002", "mentor"),
        }
        _a_pathway(journey.case_id)
        yield World(stack, journey.case_id, tasks[0]["task_key"], sessions)


def _a_pathway(case_id: str) -> None:
    """A pathway opened from a closed case, written straight to the table: reaching one through
    the forms would mean closing a case first, twelve check-ins later."""
    from datetime import date

    from throughgate.domain.pathway import ConsentHow, Pathway
    from throughgate.store.pathways import pathway_item

    pathway = Pathway.opened(
        pathway_id=PATHWAY_ID,
        case_id=case_id,
        display_name="Access Pathway",
        consent_on=date(2027, 3, 1),
        consent_how=ConsentHow.PHONE,
        released_on=date(2026, 1, 5),
        now=START,
        by="coordinator:coordinator-0001",
        note="",
    )
    pathway_item(pathway).save()


def _api(session: StaffSession, method: str, path: str, body: object = None) -> HttpResponse:
    return session.api(method, path, None if body is None else json.dumps(body))


# (method, path with {case} and {task}, body, roles allowed; None = not about one case)
CASE_API_ROUTES: list[tuple[str, str, object, frozenset[str]]] = [
    ("GET", "/cases/{case}", None, EVERYONE),
    ("GET", "/cases/{case}/mentor-suggestions", None, ONLY_COORDINATOR),
    ("GET", "/cases/{case}/audit", None, ONLY_COORDINATOR),
    ("GET", "/cases/{case}/export", None, ONLY_COORDINATOR),
    ("POST", "/cases/{case}/consent", {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}, ONLY_COORDINATOR),
    ("POST", "/cases/{case}/assessment", needs(accommodation="high"), ONLY_COORDINATOR),
    ("POST", "/cases/{case}/mentor", {"mentor_id": "mentor-0001"}, ONLY_COORDINATOR),
    ("POST", "/cases/{case}/tasks/{task}", {"status": "in_progress", "note": "Phoned the council"}, STAFF),
    ("POST", "/cases/{case}/readiness", {"accommodation_confirmed": True, "id_ready": True, "medication_ready": True, "probation_appointment_booked": True}, ONLY_COORDINATOR),
    ("POST", "/cases/{case}/release-day", {"met_at_gate": True, "address_confirmed": True, "id_and_bank_card": True, "phone": True, "medication": True, "probation_attended": True, "universal_credit_booked": True, "weekend_food_and_money": True}, STAFF),
    ("POST", "/cases/{case}/check-ins", {"number": 1, "contact_made": True}, STAFF),
    ("POST", "/cases/{case}/handover", {"needs": {}, "exit_levels": dict.fromkeys(AREAS, "low"), "in_work_or_training": True}, ONLY_COORDINATOR),
    ("POST", "/cases/{case}/outcome", {"proven_reoffending": False, "housed": True, "in_work_or_training": True}, ONLY_COORDINATOR),
    ("POST", "/cases/{case}/contacts", {"on": "2027-03-01", "method": "phone", "made": True, "minutes": 10}, STAFF),
    ("POST", "/cases/{case}/appointments", {"kind": "gp", "on": "2027-04-12", "at": "10:30"}, STAFF),
    # No such open escalation: past access control it is a 422, and nothing changes.
    ("POST", "/cases/{case}/escalations", {"cause": "workflow_failed", "note": "Restarted by hand"}, ONLY_COORDINATOR),
    ("POST", "/cases/{case}/circumstances", {"change": {"type": "transferred", "event_id": "evt-access-0001", "prison": "BXI"}}, ONLY_COORDINATOR),
    # The workflow is running: past access control it is a 409, and nothing restarts.
    ("POST", "/cases/{case}/restart", {"restart": True}, ONLY_COORDINATOR),
    # A wrong confirmation: past access control it is a 422, and nothing is erased.
    ("POST", "/cases/{case}/erasure", {"reason": "subject_request", "confirm_case_id": str(uuid.UUID(int=0))}, ONLY_COORDINATOR),
    # The case is open: past access control a pathway is refused (422) until it has closed.
    ("POST", "/cases/{case}/pathway", {"consent_given": True, "consent_on": "2027-03-01", "consent_how": "phone", "display_name": "Sam"}, ONLY_COORDINATOR),
    # To the mentor it has now: past access control it is a 422, and the case stays where it is.
    ("POST", "/cases/{case}/reassign", {"mentor_id": MENTOR_ID, "reason": "Access matrix"}, ONLY_COORDINATOR),
]  # fmt: skip

OTHER_API_ROUTES: list[tuple[str, str, object, frozenset[str]]] = [
    ("POST", "/referrals", None, ONLY_COORDINATOR),  # body filled in per request (a fresh prison number)
    # Mentors' records ({mentor} is mentor-0001: the MENTOR's own, another's for OTHER_MENTOR).
    ("GET", "/mentors", None, frozenset({COORDINATOR, MANAGER})),
    ("GET", "/mentors/{mentor}", None, EVERYONE),
    (
        "PUT",
        "/mentors/{mentor}",
        {
            "display_name": "Mentor 1",
            "gender": "male",
            "boroughs": ["Southwark"],
            "capacity": 5,
            "clearances": [{"prison": "BXI", "expires_on": "2029-01-01"}],
        },
        ONLY_COORDINATOR,
    ),
    (
        "POST",
        "/mentors/{mentor}/checks",
        {"kind": "references", "checked_on": "2027-03-01"},
        ONLY_COORDINATOR,
    ),
    (
        "POST",
        "/mentors/{mentor}/training",
        {"attended_on": "2027-03-01", "title": "Mentor induction", "hours": 6},
        ONLY_COORDINATOR,
    ),
    ("POST", "/case-search", {"text": "example"}, EVERYONE),  # a mentor's covers their caseload only
    ("GET", "/prison-updates/not-applied", None, frozenset({COORDINATOR, MANAGER})),
    ("GET", "/notifications", None, EVERYONE),  # the caller's own only
    ("GET", "/outcomes", None, EVERYONE),  # cohort counts and rates, nobody's details (400 without dates)
    # Staff accounts: coordinators only. The target is deactivated last (its resets then answer 409).
    ("GET", "/staff", None, ONLY_COORDINATOR),
    ("POST", "/staff", NEW_STAFF, ONLY_COORDINATOR),  # the same person again: idempotent
    ("GET", "/staff/{staff}", None, ONLY_COORDINATOR),
    ("POST", "/staff/{staff}/role", {"role": "manager"}, ONLY_COORDINATOR),
    ("POST", "/staff/{staff}/reset-password", None, ONLY_COORDINATOR),
    ("POST", "/staff/{staff}/reset-authenticator", None, ONLY_COORDINATOR),
    ("POST", "/staff/{staff}/deactivate", None, ONLY_COORDINATOR),
    # mentor-0001's time: a mentor reads and records their own only (another mentor's is a 404)
    ("POST", "/mentors/{mentor}/time", TIME_ENTRY, STAFF),
    ("GET", "/mentors/{mentor}/time", None, EVERYONE),
    ("PUT", "/mentors/{mentor}/time/{entry}", TIME_ENTRY, STAFF),  # 409 once the coordinator approved it
    ("POST", "/mentors/{mentor}/time/{entry}/approve", {}, ONLY_COORDINATOR),
    ("POST", "/mentors/{mentor}/time/{entry}/query", {"reason": "Which training?"}, ONLY_COORDINATOR),
    ("POST", "/mentors/{mentor}/time/{entry}/withdraw", {}, STAFF),
    ("GET", "/volunteering", None, frozenset({COORDINATOR, MANAGER})),  # every mentor's month
    ("GET", "/pathways/{pathway}", None, ONLY_COORDINATOR),  # the name the person chose
    # A move refused by its criteria (past access control: 422), so the pathway stays where it is.
    ("POST", "/pathways/{pathway}/moves", {"to": "shadowing", "on": "2027-03-01"}, ONLY_COORDINATOR),
    (
        "POST",
        "/mentors/{mentor}/supervision",
        {"held_on": "2027-03-01", "note": "Access matrix"},
        ONLY_COORDINATOR,
    ),
]

WEB_FORM_PATHS = {
    "consent": ONLY_COORDINATOR,
    "assessment": ONLY_COORDINATOR,
    "mentor": ONLY_COORDINATOR,
    "readiness": ONLY_COORDINATOR,
    "release-day": STAFF,
    "check-in": STAFF,
    "handover": ONLY_COORDINATOR,
    "outcome": ONLY_COORDINATOR,
    "circumstances": ONLY_COORDINATOR,
    "erasure": ONLY_COORDINATOR,
    "restart": ONLY_COORDINATOR,
    "escalations": ONLY_COORDINATOR,
    "contacts": STAFF,
    "appointments": STAFF,
    "pathway/new": ONLY_COORDINATOR,
    "reassign": ONLY_COORDINATOR,
}
CASE_WEB_ROUTES: list[tuple[str, str, frozenset[str]]] = [
    ("GET", "/cases/{case}", EVERYONE),
    ("GET", "/cases/{case}/audit", ONLY_COORDINATOR),
    ("GET", "/cases/{case}/export", ONLY_COORDINATOR),
    ("GET", "/cases/{case}/tasks/{task}", STAFF),
    ("POST", "/cases/{case}/tasks/{task}", STAFF),
    ("GET", "/cases/{case}/release-pack", STAFF),  # printed for the gate: never a manager
    *[(method, f"/cases/{{case}}/{path}", roles) for path, roles in WEB_FORM_PATHS.items() for method in ("GET", "POST")],
]  # fmt: skip
OTHER_WEB_ROUTES: list[tuple[str, str, frozenset[str]]] = [
    ("GET", "/", EVERYONE),
    ("GET", "/cases", EVERYONE),
    ("POST", "/cases", EVERYONE),  # the search form: refused here for want of a CSRF token (400)
    ("GET", "/cases/new", ONLY_COORDINATOR),
    ("POST", "/cases/new", ONLY_COORDINATOR),
    ("GET", "/outcomes", EVERYONE),
    ("GET", "/outcomes.csv", frozenset({COORDINATOR, MANAGER})),
    ("GET", "/prison-updates/not-applied", frozenset({COORDINATOR, MANAGER})),  # managers without numbers
    ("POST", "/prison-updates/not-applied/{update}/dealt-with", ONLY_COORDINATOR),
    ("GET", "/notifications", EVERYONE),  # each person's own
    ("GET", "/mentors/{mentor}/supervision", EVERYONE),  # a mentor their own only; a manager without notes
    ("GET", "/mentors/{mentor}/supervision/new", ONLY_COORDINATOR),
    ("POST", "/mentors/{mentor}/supervision/new", ONLY_COORDINATOR),
    ("POST", "/notifications", EVERYONE),
    ("GET", "/mentors", frozenset({COORDINATOR, MANAGER})),
    ("GET", "/mentor-checks", frozenset({COORDINATOR, MANAGER})),
    ("GET", "/mentors/{mentor}", EVERYONE),  # a mentor their own only
    *[
        (method, f"/mentors/{{mentor}}/{path}", ONLY_COORDINATOR)
        for path in ("profile", "checks/new", "training/new")
        for method in ("GET", "POST")
    ],
    ("GET", "/notifications/settings", EVERYONE),
    ("POST", "/notifications/settings", EVERYONE),
    ("GET", "/outcomes/report", frozenset({COORDINATOR, MANAGER})),
    ("GET", "/outcomes/justice-data-lab", frozenset({COORDINATOR, MANAGER})),
    ("GET", "/pathways", frozenset({COORDINATOR, MANAGER})),  # managers: the counts, no names
    ("GET", "/pathways/{pathway}", ONLY_COORDINATOR),
    ("GET", "/pathways/{pathway}/move", ONLY_COORDINATOR),
    ("POST", "/pathways/{pathway}/move", ONLY_COORDINATOR),  # refused for want of a CSRF token (400)
    ("GET", "/pathways/{pathway}/withdraw", ONLY_COORDINATOR),
    ("POST", "/pathways/{pathway}/withdraw", ONLY_COORDINATOR),
    (
        "POST",
        "/outcomes/justice-data-lab",
        frozenset({COORDINATOR, MANAGER}),
    ),  # refused here for want of a CSRF token (400)
    # Staff pages: coordinators only; a post without its CSRF token is refused past access control.
    ("GET", "/staff", ONLY_COORDINATOR),
    ("GET", "/staff/new", ONLY_COORDINATOR),
    ("POST", "/staff/new", ONLY_COORDINATOR),
    ("GET", "/staff/{staff}", ONLY_COORDINATOR),
    ("POST", "/staff/{staff}/role", ONLY_COORDINATOR),
    ("POST", "/staff/{staff}/reset-password", ONLY_COORDINATOR),
    ("POST", "/staff/{staff}/reset-authenticator", ONLY_COORDINATOR),
    ("GET", "/staff/{staff}/deactivate", ONLY_COORDINATOR),
    ("POST", "/staff/{staff}/deactivate", ONLY_COORDINATOR),
    ("GET", "/mentors/{mentor}/time", EVERYONE),
    ("GET", "/mentors/{mentor}/time/new", STAFF),
    ("POST", "/mentors/{mentor}/time/new", STAFF),
    ("GET", "/mentors/{mentor}/time/{entry}", STAFF),
    ("POST", "/mentors/{mentor}/time/{entry}", STAFF),
    ("GET", "/mentors/{mentor}/time/{entry}/query", ONLY_COORDINATOR),
    ("POST", "/mentors/{mentor}/time/{entry}/approve", ONLY_COORDINATOR),
    ("POST", "/mentors/{mentor}/time/{entry}/query", ONLY_COORDINATOR),
    ("POST", "/mentors/{mentor}/time/{entry}/withdraw", STAFF),
    ("GET", "/volunteering", frozenset({COORDINATOR, MANAGER})),
    ("GET", "/volunteering.csv", frozenset({COORDINATOR, MANAGER})),
]
TIME_DECISIONS = re.compile(
    r"(/time/{entry})/(approve|query|withdraw)$"
)  # one route, `<decision>`, takes them all


def _as_registered(listed: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The matrix's addresses as the handlers register them (a time entry's decisions as one)."""
    return {(m, p if m == "GET" else TIME_DECISIONS.sub(r"\1/<decision>", p)) for m, p in listed}


def _registered(app: object) -> set[tuple[str, str]]:
    routes = app._static_routes + app._dynamic_routes  # type: ignore[attr-defined]
    return {
        (
            route.method,
            route.path.replace("<case_id>", "{case}")
            .replace("<task_key>", "{task}")
            .replace("<message_id>", "{update}")
            .replace("<username>", "{staff}")
            .replace("<mentor_id>", "{mentor}")
            .replace("<entry_id>", "{entry}")
            .replace("<pathway_id>", "{pathway}"),
        )
        for route in routes
    }


def _unaudited_words(routes: set[tuple[str, str]]) -> set[str]:
    """Fixed words in case addresses that the audit trail would record as `{other}`."""
    from throughgate.handlers.auditing import ROUTE_WORDS

    words = {part for _m, path in routes for part in path.split("/")[3:] if path.startswith("/cases/{case}/")}
    return {w for w in words if not w.startswith(("<", "{")) and w not in ROUTE_WORDS}


def test_every_api_route_is_in_the_matrix(world: World) -> None:
    from throughgate.domain.case_steps import CASE_STEPS
    from throughgate.handlers import api  # reads its settings at import: after the stack is up

    listed = {(m, p) for m, p, _b, _r in CASE_API_ROUTES + OTHER_API_ROUTES}
    steps = {("POST", f"/cases/{{case}}/{s.api_address}") for s in CASE_STEPS if not s.per_task}
    assert steps <= listed, "every case step's API address is in the matrix"
    assert _registered(api.app) == _as_registered(listed - steps) | {("POST", "/cases/{case}/<path>")}
    assert _unaudited_words(listed) == set()


def test_every_web_route_is_in_the_matrix(world: World) -> None:
    """The case forms share one pair of routes; the matrix lists each form by its path."""
    from throughgate.domain.case_steps import CASE_STEPS
    from throughgate.handlers import web

    assert set(WEB_FORM_PATHS) == {s.path for s in CASE_STEPS if not s.per_task}
    forms = {(m, f"/cases/{{case}}/{path}") for path in WEB_FORM_PATHS for m in ("GET", "POST")}
    listed = {(m, p) for m, p, _r in CASE_WEB_ROUTES + OTHER_WEB_ROUTES} - forms
    assert _unaudited_words(listed | forms) == set()
    assert _registered(web.app) == _as_registered(listed) | {
        ("GET", "/cases/{case}/<path>"),
        ("POST", "/cases/{case}/<path>"),
        # The pathway form's address has two words after the case id: its own pair of routes.
        ("GET", "/cases/{case}/pathway/new"),
        ("POST", "/cases/{case}/pathway/new"),
    }


def _expect(response: HttpResponse, role: str, allowed: frozenset[str], route: str) -> None:
    # Another mentor's case or record answers as an unknown one would.
    if role == OTHER_MENTOR and ("{case}" in route or "{mentor}" in route) and not route.endswith("/audit"):
        assert response.status == 404, (role, route, response.status, response.body[:200])
    elif (MENTOR if role == OTHER_MENTOR else role) in allowed:
        assert response.status not in REFUSED, (role, route, response.status, response.body[:200])
    else:
        assert response.status == 403, (role, route, response.status, response.body[:200])


@pytest.mark.parametrize("role", [COORDINATOR, MANAGER, MENTOR, OTHER_MENTOR])
def test_api_routes_for_each_role(world: World, role: str) -> None:
    session = world.sessions[role]
    for method, route, body, allowed in CASE_API_ROUTES:
        path = route.format(case=world.case_id, task=world.task_key)
        _expect(_api(session, method, path, body), role, allowed, route)
    for method, route, listed_body, allowed in OTHER_API_ROUTES:
        body = listed_body
        if route == "/referrals":
            body = {
                "submission_id": f"sub-{uuid.uuid4().hex[:12]}",
                "client": {
                    "given_name": "Access",
                    "family_name": "Example",
                    "date_of_birth": "1991-02-03",
                    "prison_number": f"A{uuid.uuid4().int % 10000:04d}BC",
                    "gender": "female",
                    "borough": "Lambeth",
                },
                "release_on": "2027-05-01",
                "prison": "BXI",
            }
        path = route.format(staff=STAFF_TARGET, mentor=MENTOR_ID, entry=TIME_ENTRY_ID, pathway=PATHWAY_ID)
        _expect(_api(session, method, path, body), role, allowed, route)


@pytest.mark.parametrize("role", [COORDINATOR, MANAGER, MENTOR, OTHER_MENTOR])
def test_web_routes_for_each_role(world: World, role: str) -> None:
    session = world.sessions[role]
    for method, route, allowed in CASE_WEB_ROUTES + OTHER_WEB_ROUTES:
        path = route.format(
            case=world.case_id,
            task=world.task_key,
            update=UNAPPLIED_UPDATE_ID,
            staff=STAFF_TARGET,
            mentor=MENTOR_ID,
            entry=TIME_ENTRY_ID,
            pathway=PATHWAY_ID,
        )
        # A post with no fields: past access control the form itself answers (CSRF refusal or errors).
        response = session.web(method, path, body="" if method == "POST" else None)
        _expect(response, role, allowed, route)


def test_each_person_reads_only_their_own_notifications(world: World) -> None:
    """The case's gates were notified to the coordinators and its mentor: the API answers each
    caller with their own, and nothing of this case to another mentor or a manager."""
    world.stack.read_outbox()  # the stream delivers what is pending
    roles = (COORDINATOR, MANAGER, MENTOR, OTHER_MENTOR)
    own = {role: world.sessions[role].api("GET", "/notifications").json()["notifications"] for role in roles}
    assert own[COORDINATOR], "the coordinators were told the case's gates opened"
    assert own[OTHER_MENTOR] == [] and own[MANAGER] == [], "nothing of a case not theirs"
    assert [n["kind"] for n in own[MENTOR]] == ["assigned"], "matched with the client; no gate of theirs yet"
    assert all(n["link"].startswith(f"/cases/{world.case_id}") for n in own[COORDINATOR])
    for note in own[MENTOR] + own[COORDINATOR]:
        assert set(note) == {
            "kind",
            "subject",
            "body",
            "link",
            "sent_at",
            "read",
            "case_id",
            "step_taken",
            "closed_to_reader",
        }


def test_someone_elses_case_answers_exactly_as_an_unknown_id(world: World) -> None:
    """Guessing ids tells a mentor nothing: the same status and the same words, id aside."""
    probe = world.sessions[OTHER_MENTOR]
    unknown = str(uuid.uuid4())
    for route in ("/cases/{case}", "/cases/{case}/tasks/{task}"):
        theirs = probe.api("GET", route.format(case=world.case_id, task=world.task_key))
        nothing = probe.api("GET", route.format(case=unknown, task=world.task_key))
        assert theirs.status == nothing.status == 404
        assert theirs.body.replace(world.case_id, "ID") == nothing.body.replace(unknown, "ID")
    page = probe.web("GET", f"/cases/{world.case_id}")
    blank = probe.web("GET", f"/cases/{unknown}")
    assert page.status == blank.status == 404
    assert page.body.replace(world.case_id, "ID") == blank.body.replace(unknown, "ID")


def test_a_mentor_reads_and_works_their_own_case(world: World) -> None:
    mentor = world.sessions[MENTOR]
    view = mentor.api("GET", f"/cases/{world.case_id}")
    assert view.status == 200 and view.json()["mentor_id"] == "mentor-0001"
    update = _api(mentor, "POST", f"/cases/{world.case_id}/tasks/{world.task_key}", {"status": "in_progress"})
    assert update.status == 200 and update.json()["status"] == "in_progress"


def test_dashboards_show_a_mentor_only_their_caseload(world: World) -> None:
    assert world.case_id[:8] in world.sessions[MENTOR].web("GET", "/").body
    assert world.case_id[:8] not in world.sessions[OTHER_MENTOR].web("GET", "/").body


def test_a_manager_changes_nothing(world: World) -> None:
    manager = world.sessions[MANAGER]
    before = manager.api("GET", f"/cases/{world.case_id}").json()
    for method, route, body, _allowed in CASE_API_ROUTES:
        if method == "POST":
            response = _api(manager, method, route.format(case=world.case_id, task=world.task_key), body)
            assert response.status == 403
    assert manager.api("GET", f"/cases/{world.case_id}").json() == before
    # Nor is offered a link to a step they may not take: the tasks are listed, not linked.
    page = manager.web("GET", f"/cases/{world.case_id}")
    assert page.status == 200 and "/tasks/" not in page.body
    assert (
        f"/cases/{world.case_id}/tasks/" in world.sessions[MENTOR].web("GET", f"/cases/{world.case_id}").body
    )


@pytest.fixture
def case_reads(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How often the store is asked for each case."""
    from throughgate.store.repository import CaseStore

    reads: Counter[str] = Counter()
    original = CaseStore.get_case

    def get_case(store: CaseStore, case_id: str) -> Any:
        reads[case_id] += 1
        return original(store, case_id)

    monkeypatch.setattr(CaseStore, "get_case", get_case)
    return reads


def test_a_form_reads_its_case_once_for_the_check_and_the_logic(
    world: World, case_reads: Counter[str]
) -> None:
    """The handler's access check, made before the body is read, hands its read to the logic's own
    check: one read per form. Refused or not at that step, the logic still ran its check."""
    task = f"/cases/{world.case_id}/tasks/{world.task_key}"
    saved = _api(world.sessions[MENTOR], "POST", task, {"status": "in_progress", "note": "Phoned again"})
    assert saved.status == 200
    assert case_reads[world.case_id] == 1

    consent = {
        "consent_given": "yes",
        "lawful_basis": "public_task",
        "data_sharing": "yes",
        "step": "confirm",
    }
    again = world.sessions[COORDINATOR].web("POST", f"/cases/{world.case_id}/consent", consent)
    assert again.status == 409, "past access control the logic answers: consent was given long ago"
    assert case_reads[world.case_id] == 2

    theirs = _api(world.sessions[OTHER_MENTOR], "POST", task, {"status": "done"})
    assert theirs.status == 404
    assert case_reads[world.case_id] == 3, "refused at the handler's check, which read it once"


def test_another_mentors_record_answers_exactly_as_an_unknown_one(world: World) -> None:
    """A mentor sees their own record only: another's, read or written, is an unknown id's answer."""
    probe = world.sessions[OTHER_MENTOR]
    for method, route, body in (
        ("GET", "/mentors/{id}", None),
        ("POST", "/mentors/{id}/checks", {"kind": "references", "checked_on": "2027-03-01"}),
    ):
        theirs = _api(probe, method, route.format(id="mentor-0001"), body)
        nothing = _api(probe, method, route.format(id="mentor-9999"), body)
        assert theirs.status == nothing.status == 404
        assert theirs.body == nothing.body
    page = probe.web("GET", "/mentors/mentor-0001")
    blank = probe.web("GET", "/mentors/mentor-9999")
    assert page.status == blank.status == 404
    assert page.body == blank.body
    assert probe.web("GET", "/mentors/mentor-0002").status == 200  # their own
