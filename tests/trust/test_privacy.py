"""Privacy (issue 5, item 4): no personal value outside the places personal data is meant to live.

One client, with distinctive synthetic sentinels for a name, a date of birth, a prison number, an
address and free-text notes, goes through every handler and workflow path once (module-scoped): the
API and the web forms (with CSRF), hostile and invalid input carrying the sentinels, the prison
events feed (valid, malformed, unknown prison number), changes of circumstance, the sweep, a
transient fault (retried) and a lasting one (caught), the 18-month outcome, the subject access
export and erasure. Everything the system emits along the way is captured, then scanned:

- every log line: the powertools loggers' JSON output, anything printed (an EMF metrics blob would
  be), and every Python `logging` record of the product (any level) or a library (WARNING and up);
- every Lambda error payload (what the Lambda runtime logs for an unhandled exception);
- every API and web response that is not a page of the case (errors, redirects, headers, POST
  answers); a web form shown again keeps what was typed in its own fields and nowhere else;
- every Step Functions execution: its input, output and whole history;
- every notification: as delivered, each e-mail sent (SES), each person's in-app item; every text
  sent to the client (its own number aside); every schedule's input, and the prison events
  dead-letter queue;
- the prison updates not applied (kept for the coordinators): their items, the page that lists them
  for a coordinator and for a manager, and what is left once dealt with;
- every item of the case table outside its personal attributes (the case's `client`, a need's
  `notes`, a task's update notes), idempotency markers (`DEDUP#`) included, and the audit table;
- every domain exception message.

The export must hold the sentinels (they really went in) and erasure must leave only the audit stub.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from boto3.dynamodb.types import TypeDeserializer

from tests.trust.conftest import HttpResponse, StaffSession
from throughgate.domain import errors
from throughgate.domain.catalogue import load_programme
from throughgate.domain.needs import AreaStatus, NeedArea
from throughgate.manifest import FUNCTIONS
from throughgate.schemas import ReleaseDayIn
from throughgate_local.api_client import ApiClient, ApiResponse
from throughgate_local.faults import Faults
from throughgate_local.mentors import enrolled
from throughgate_local.stack import AUDIT_TABLE, SCHEDULE_GROUP, TABLE, LocalStack

pytestmark = pytest.mark.trust

START = datetime(2027, 3, 1, 9, tzinfo=UTC)  # a Monday
AREAS = tuple(area.value for area in NeedArea)
FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"


# -- the sentinels ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Sentinel:
    label: str
    value: str
    needles: tuple[str, ...]  # lower case: how the value may show up, whatever the rendering


def _text(label: str, value: str, stem: str) -> Sentinel:
    return Sentinel(label, value, (stem.lower(),))


GIVEN = _text("given name", "Zqxgiven", "Zqxgiven")
FAMILY = _text("family name", "Zqxfamily", "Zqxfamily")
BIRTH = date(1987, 6, 5)
DATE_OF_BIRTH = Sentinel(
    "date of birth",
    BIRTH.isoformat(),
    ("1987-06-05", "05/06/1987", "5/6/1987", "5 june 1987", "05 june 1987", "june 5, 1987", "19870605"),
)
PRISON_NUMBER = Sentinel("prison number", "Z9876ZZ", ("z9876zz",))
UNKNOWN_PRISON_NUMBER = Sentinel("unknown prison number", "Z9875ZY", ("z9875zy",))
ADDRESS = _text("address", "12 Zqxlane Street", "Zqxlane")
ASSESSMENT_NOTE = _text(
    "assessment note", "Zqxnoteassess: sofa surfing with a cousin in Peckham", "Zqxnoteassess"
)
TASK_NOTE = _text("task note", "Zqxnotetask: birth certificate applied for, call back Friday", "Zqxnotetask")
WEB_TASK_NOTE = _text("web task note", "Zqxnotewebtask: housing officer visit booked", "Zqxnotewebtask")
READINESS_NOTE = _text(
    "readiness note", "Zqxnoteready: hostel bed confirmed for the first night", "Zqxnoteready"
)
CHECK_IN_NOTE = _text(
    "check-in note", "Zqxnotecheckin: low mood, talked about his daughter", "Zqxnotecheckin"
)
RELEASE_NOTE = _text("release-day note", "Zqxnoterelease: waited at the gate an hour", "Zqxnoterelease")
NOT_MET_NOTE = _text("not-met details", "Zqxnotenotmet: went to his aunt in Croydon", "Zqxnotenotmet")
OVERRIDE_NOTE = _text("override reason", "Zqxnoteoverride: knows the family", "Zqxnoteoverride")
RESOLUTION_NOTE = _text("resolution note", "Zqxnoteresolved: restarted after the call", "Zqxnoteresolved")
CONTACT_NOTE = _text("contact note", "Zqxnotecontact: worried about the hostel", "Zqxnotecontact")
WEB_CONTACT_NOTE = _text("web contact note", "Zqxnotewebcontact: met at the cafe", "Zqxnotewebcontact")
SUPERVISION_NOTE = _text(
    "supervision note", "Zqxnotesupervise: struggling after a client's recall", "Zqxnotesupervise"
)
WEB_SUPERVISION_NOTE = _text(
    "web supervision note", "Zqxnotewebsupervise: asked for a day off", "Zqxnotewebsupervise"
)
REASSIGN_REASON = _text("reassign reason", "Zqxnotereassign: knows his brother", "Zqxnotereassign")
HANDOVER_NOTE = _text("handover note", "Zqxnotehandover: ring after 6pm, not before", "Zqxnotehandover")
# A mentor's own record: the conditions of their clearance (shown to coordinators and to them only).
MENTOR_CONDITIONS = _text(
    "mentor's conditions", "Zqxcondition: no contact with a named former associate", "Zqxcondition"
)
# Ofcom's drama range; kept as E.164 (+447700900456), typed as below.
MOBILE = Sentinel("mobile number", "07700 900456", ("7700900456", "7700 900456"))

SENTINELS = (
    GIVEN,
    FAMILY,
    DATE_OF_BIRTH,
    PRISON_NUMBER,
    UNKNOWN_PRISON_NUMBER,
    ADDRESS,
    ASSESSMENT_NOTE,
    TASK_NOTE,
    WEB_TASK_NOTE,
    READINESS_NOTE,
    RELEASE_NOTE,
    NOT_MET_NOTE,
    CHECK_IN_NOTE,
    OVERRIDE_NOTE,
    CONTACT_NOTE,
    WEB_CONTACT_NOTE,
    RESOLUTION_NOTE,
    MOBILE,
    SUPERVISION_NOTE,
    WEB_SUPERVISION_NOTE,
    REASSIGN_REASON,
    HANDOVER_NOTE,
    MENTOR_CONDITIONS,
)
# What the system keeps (the export must show each); an override reason given when nothing was
# overridden is not stored, so it must appear nowhere at all.
STORED = (
    GIVEN,
    FAMILY,
    DATE_OF_BIRTH,
    PRISON_NUMBER,
    ADDRESS,
    ASSESSMENT_NOTE,
    TASK_NOTE,
    WEB_TASK_NOTE,
    READINESS_NOTE,
    RELEASE_NOTE,
    NOT_MET_NOTE,
    CHECK_IN_NOTE,
    CONTACT_NOTE,
    WEB_CONTACT_NOTE,
    MOBILE,
    REASSIGN_REASON,  # the latest reassignment's, on the case
    HANDOVER_NOTE,
)


def found(text: str, sentinels: tuple[Sentinel, ...] = SENTINELS) -> list[str]:
    """The labels of the sentinels that show up in `text`, in any letter case."""
    lowered = text.lower()
    return [s.label for s in sentinels if any(needle in lowered for needle in s.needles)]


def dumped(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, default=str)


_TYPED_VALUES = re.compile(r'\svalue="[^"]*"|(<textarea[^>]*>).*?(</textarea>)', re.DOTALL)


def without_typed_values(html: str) -> str:
    """A form shown again keeps what was typed in its own fields; everything else must not."""
    return _TYPED_VALUES.sub(lambda m: f"{m.group(1)}{m.group(2)}" if m.group(1) else "", html)


_PERSON_HEADING = re.compile(r'<section class="tg-person"[^>]*>.*?</section>', re.DOTALL)


def person_heading(html: str) -> str:
    """The heading of a case page or a case form: the one place on it that names the client."""
    match = _PERSON_HEADING.search(html)
    return match.group(0) if match else ""


def without_person_heading(html: str) -> str:
    return _PERSON_HEADING.sub("", html)


# -- what is captured ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Invocation:
    """One Lambda invocation as the bridge ran it: what came back, and whether it was an error."""

    function: str  # the manifest name
    event: dict[str, Any]
    answer: str
    failed: bool

    def http(self) -> dict[str, Any] | None:
        if self.function not in {"Api", "Web"} or self.failed:
            return None
        return dict(json.loads(self.answer))


class _RecordCollector(logging.Handler):
    """Every record of the product's loggers, and what a library logs at WARNING or above."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("moto"):
            return  # the emulator standing in for AWS is not part of what is deployed
        if record.name.startswith("throughgate") or record.levelno >= logging.WARNING:
            fields = {k: str(v) for k, v in vars(record).items() if k not in {"args", "msg"}}
            fields["message"] = record.getMessage()
            if record.exc_info:
                fields["exception"] = logging.Formatter().formatException(record.exc_info)
            self.records.append(json.dumps(fields))


@dataclass
class Evidence:
    stdout: str = ""
    log_records: list[str] = field(default_factory=list)
    invocations: list[Invocation] = field(default_factory=list)
    domain_errors: list[str] = field(default_factory=list)
    histories: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    executions: list[dict[str, Any]] = field(default_factory=list)  # describe_execution answers
    notifications: list[dict[str, Any]] = field(default_factory=list)
    schedule_inputs: list[str] = field(default_factory=list)
    sent_to_feed: list[dict[str, Any]] = field(default_factory=list)
    dead_letters: list[dict[str, Any]] = field(default_factory=list)
    unapplied_items: list[dict[str, Any]] = field(default_factory=list)  # as kept, before dealt with
    unapplied_pages: dict[str, str] = field(default_factory=dict)  # by role
    table_before_erasure: list[dict[str, Any]] = field(default_factory=list)
    table_with_pending_effect: list[dict[str, Any]] = field(default_factory=list)
    table_at_end: list[dict[str, Any]] = field(default_factory=list)
    audit: list[dict[str, Any]] = field(default_factory=list)
    exports: list[str] = field(default_factory=list)
    texts: list[dict[str, str]] = field(default_factory=list)  # sent to the client
    emails: list[dict[str, Any]] = field(default_factory=list)  # every e-mail SES sent
    main_case_id: str = ""
    failed_case_id: str = ""

    @property
    def log_lines(self) -> list[str]:
        return [line for line in self.stdout.splitlines() if line.strip()]


@contextlib.contextmanager
def captured_output(evidence: Evidence) -> Iterator[None]:
    """Point every powertools logger (at DEBUG, the most it would ever say) at one buffer, with
    anything printed, and collect Python logging records; all restored afterwards."""
    for spec in FUNCTIONS.values():
        importlib.import_module(spec.handler.rpartition(".")[0])  # their Loggers exist from here
    product = [
        logging.getLogger(name)
        for name in list(logging.root.manager.loggerDict)
        if getattr(logging.getLogger(name), "powertools_handler", None) is not None
    ]
    assert product, "no powertools logger found to capture"
    buffer, collector = io.StringIO(), _RecordCollector()
    saved = [(logger, logger.level, logger.powertools_handler.setStream(buffer)) for logger in product]  # type: ignore[attr-defined]
    for logger in product:
        logger.setLevel(logging.DEBUG)
    logging.root.addHandler(collector)
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            yield
    finally:
        logging.root.removeHandler(collector)
        for logger, level, stream in saved:
            logger.setLevel(level)
            logger.powertools_handler.setStream(stream)  # type: ignore[attr-defined]
        evidence.stdout = buffer.getvalue()
        evidence.log_records = collector.records


@contextlib.contextmanager
def recorded_invocations(stack: LocalStack, evidence: Evidence) -> Iterator[None]:
    bridge_invoke = stack.bridge.invoke

    def invoke(function: Any, event: Any) -> tuple[str, bool, str]:
        answer, failed, log = bridge_invoke(function, event)
        payload = json.loads(event) if isinstance(event, str | bytes) else dict(event or {})
        name = str(function.function_name).removeprefix("throughgate-")
        evidence.invocations.append(Invocation(name, payload, answer, failed))
        return answer, failed, log

    stack.bridge.invoke = invoke  # type: ignore[method-assign]
    try:
        yield
    finally:
        del stack.bridge.invoke  # the instance attribute set above; the method shows again


@contextlib.contextmanager
def recorded_domain_errors(evidence: Evidence) -> Iterator[None]:
    original = errors.DomainError.__init__

    def init(self: errors.DomainError, message: str) -> None:
        evidence.domain_errors.append(f"{type(self).__name__}: {message}")
        original(self, message)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(errors.DomainError, "__init__", init)
        yield


# -- the journey -----------------------------------------------------------------------------------
MENTOR_ONE = {
    "mentor_id": "mentor-0001",
    "display_name": "Mentor One",
    "gender": "male",
    "boroughs": ["Southwark"],
    "capacity": 5,
    "lived_experience": ["accommodation", "finance_id"],
    "linked_areas": [],
}


def _id() -> str:
    return uuid.uuid4().hex


def _client(**changes: Any) -> dict[str, Any]:
    return {
        "given_name": GIVEN.value,
        "family_name": FAMILY.value,
        "date_of_birth": DATE_OF_BIRTH.value,
        "prison_number": PRISON_NUMBER.value,
        "gender": "male",
        "borough": ADDRESS.value,
        **changes,
    }


def _referral(submission_id: str, release_on: date, **client: Any) -> dict[str, Any]:
    return {
        "submission_id": submission_id,
        "client": _client(**client),
        "release_on": release_on.isoformat(),
        "prison": "BXI",
    }


def _date_parts(name: str, day: date) -> dict[str, str]:
    return {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}


@dataclass
class SentinelJourney:
    stack: LocalStack
    evidence: Evidence
    coordinator: ApiClient
    mentor: ApiClient
    coordinator_web: StaffSession
    mentor_web: StaffSession
    case_id: str = ""

    # -- helpers ----------------------------------------------------------------------------------
    def view(self) -> dict[str, Any]:
        response = self.coordinator.get(f"/cases/{self.case_id}")
        assert response.status == 200, response
        return response.body

    def advance_to(self, moment: datetime) -> None:
        self.stack.clock.advance_to(moment)
        self.stack.clock.settle()

    def day_of(self, day: date, hour: int = 9) -> datetime:
        return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=hour)

    def ok(self, response: ApiResponse, status: int = 200) -> ApiResponse:
        assert response.status == status, response
        return response

    def refused(self, response: ApiResponse | HttpResponse, status: int) -> None:
        assert response.status == status, response

    def web_gate(self, session: StaffSession, path: str, answers: dict[str, Any]) -> None:
        """A gate form: check your answers, then confirm."""
        answers = {"submission_id": _id(), **answers}
        check = session.web("POST", path, {**answers, "step": "check"})
        assert check.status == 200, check.body[-2000:]
        done = session.web("POST", path, {**answers, "step": "confirm"})
        assert done.status == 303, done.body[-2000:]

    def feed(self, message: dict[str, Any]) -> None:
        message = {"occurred_at": self.stack.clock.now().isoformat(), **message}
        self.evidence.sent_to_feed.append(message)
        self.stack.send_prison_event(message)
        self.stack.deliver_prison_events()

    def collect_schedules(self) -> None:
        scheduler = self.stack.client("scheduler")
        for summary in scheduler.list_schedules(GroupName=SCHEDULE_GROUP)["Schedules"]:
            schedule = scheduler.get_schedule(Name=summary["Name"], GroupName=SCHEDULE_GROUP)
            self.evidence.schedule_inputs.append(dumped(schedule))

    # -- the steps --------------------------------------------------------------------------------
    def register_mentor(self) -> None:
        assert enrolled(self.coordinator, MENTOR_ONE)
        conditional = {
            "kind": "criminal_records",
            "checked_on": self.stack.clock.now().date().isoformat(),
            "level": "enhanced_barred",
            "outcome": "cleared_with_conditions",
            "conditions": MENTOR_CONDITIONS.value,
            "avoid_areas": ["Zqxnowhere"],
        }
        self.ok(self.coordinator.post("/mentors/mentor-0001/checks", conditional), 201)
        self.stack.cognito.add_mentors(["mentor-0001"])  # in the staff directory: e-mailed too

    def refer_by_api(self) -> None:
        release = START.date() + timedelta(days=30)
        for hostile in (
            _client(date_of_birth=ADDRESS.value),  # a date of birth that is not a date
            _client(prison_number=GIVEN.value),
            _client(given_name=f"{GIVEN.value}1987", family_name=f"{FAMILY.value}\u202e"),
            _client(borough=f"{ADDRESS.value} " * 6),  # over 60 characters
            _client(gender=FAMILY.value),
        ):
            body = {"submission_id": _id(), "client": hostile, "release_on": str(release), "prison": "BXI"}
            self.refused(self.coordinator.post("/referrals", body), 422)
        past = START.date() - timedelta(days=1)
        self.refused(self.coordinator.post("/referrals", _referral(_id(), past)), 422)
        child = _referral(_id(), release, date_of_birth="2015-06-05")
        self.refused(self.coordinator.post("/referrals", child), 422)
        too_large = {"submission_id": _id(), "client": _client(borough=ASSESSMENT_NOTE.value * 2000)}
        self.refused(self.coordinator.post("/referrals", too_large), 413)

        created = self.ok(self.coordinator.post("/referrals", _referral("sub-privacy-main", release)), 201)
        self.case_id = created.body["case_id"]
        other_name = _referral("sub-privacy-main", release, given_name=f"{GIVEN.value} Other")
        self.refused(self.coordinator.post("/referrals", other_name), 409)  # the id, other answers
        self.refused(self.coordinator.post("/referrals", _referral(_id(), release)), 409)  # one open case
        # Found again by a search (its answer is a view of the cases, like a case page), and a search
        # text it cannot read is refused without repeating it; the web form keeps it in its field.
        for text in (FAMILY.value.upper(), PRISON_NUMBER.value.lower()):
            found_again = self.ok(self.coordinator.post("/case-search", {"text": text}))
            assert [row["case_id"] for row in found_again.body["cases"]] == [self.case_id]
        self.refused(self.coordinator.post("/case-search", {"text": f"{FAMILY.value}\u0007"}), 422)
        self.refused(self.coordinator.post("/case-search", {"text": FAMILY.value * 10}), 422)
        searched = self.coordinator_web.web(
            "POST",
            "/cases",
            {
                "text": f"{GIVEN.value} -",
                "released_from-day": "31",
                "released_from-month": "2",
                "released_from-year": "2027",
            },
        )
        assert searched.status == 422
        consent = {"consent_given": True, "lawful_basis": "public_task", "data_sharing": True}
        texts = {"text_reminders": True, "mobile": f"{MOBILE.value}0"}  # not a mobile number
        self.refused(self.coordinator.post(f"/cases/{self.case_id}/consent", {**consent, **texts}), 422)
        texts["mobile"] = MOBILE.value
        self.ok(self.coordinator.post(f"/cases/{self.case_id}/consent", {**consent, **texts}))

    def text_reminders(self) -> None:
        """A meeting with the mentor two days on: its two reminders go to the client's number; a
        STOP then ends them, and a later appointment is not texted."""
        day = (self.stack.clock.now() + timedelta(days=2)).date()
        meeting = {"kind": "mentor_meeting", "on": day.isoformat(), "at": "10:00"}
        self.ok(self.mentor.post(f"/cases/{self.case_id}/appointments", meeting))
        self.advance_to(datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=12))
        assert len(self.stack.sent_texts()) == 2
        self.stack.reply_text("+447700900456", "STOP")
        self.stack.reply_text("+447700900456", f"not a keyword {GIVEN.value}")
        later = {"kind": "gp", "on": (day + timedelta(days=2)).isoformat(), "at": "10:00"}
        self.ok(self.mentor.post(f"/cases/{self.case_id}/appointments", later))
        self.advance_to(self.stack.clock.now() + timedelta(days=3))
        self.evidence.texts = self.stack.sent_texts()

    def assess_by_web(self) -> None:
        path = f"/cases/{self.case_id}/assessment"
        levels = {"accommodation": "high", "finance_id": "medium", "health": "low"}
        answers: dict[str, Any] = {f"needs.{a}.level": levels.get(a, "none") for a in AREAS}
        answers["needs.accommodation.notes"] = ASSESSMENT_NOTE.value
        too_long = {**answers, "needs.health.notes": f"{ASSESSMENT_NOTE.value} " * 60, "step": "check"}
        shown_again = self.coordinator_web.web("POST", path, {"submission_id": _id(), **too_long})
        assert shown_again.status == 422
        assert found(without_person_heading(shown_again.body)) == [ASSESSMENT_NOTE.label], (
            "what was typed is shown back"
        )
        heading = found(person_heading(shown_again.body))
        assert {GIVEN.label, FAMILY.label, PRISON_NUMBER.label} <= set(heading), "and who it is about"
        self.web_gate(self.coordinator_web, path, answers)

    def match_mentor(self) -> None:
        path = f"/cases/{self.case_id}/mentor"
        long_reason = {"mentor_id": "mentor-0001", "override_reason": f"{OVERRIDE_NOTE.value} " * 30}
        self.refused(self.coordinator.post(path, long_reason), 422)
        unknown = {"mentor_id": "mentor-9999", "override_reason": OVERRIDE_NOTE.value}
        self.refused(self.coordinator.post(path, unknown), 422)
        self.ok(
            self.coordinator.post(path, {"mentor_id": "mentor-0001", "override_reason": OVERRIDE_NOTE.value})
        )

    def update_tasks(self) -> None:
        tasks = [t["task_key"] for t in self.view()["tasks"]]
        assert len(tasks) >= 2, tasks
        by_api, by_web = f"/cases/{self.case_id}/tasks/{tasks[0]}", f"/cases/{self.case_id}/tasks/{tasks[1]}"
        key = _id()
        update = {"status": "in_progress", "note": TASK_NOTE.value}
        self.ok(self.mentor.post(by_api, update, idempotency_key=key))
        assert self.mentor.post(by_api, update, idempotency_key=key).body["replayed"] is True
        reused = {"status": "in_progress", "note": f"{TASK_NOTE.value} and {ADDRESS.value}"}
        self.refused(self.mentor.post(by_api, reused, idempotency_key=key), 409)
        self.refused(self.mentor.post(by_api, {"status": "done", "note": f"{TASK_NOTE.value} " * 80}), 422)
        self.refused(self.mentor.post(by_api, {"status": GIVEN.value, "note": TASK_NOTE.value}), 422)

        control = {"submission_id": _id(), "status": "done", "note": f"{WEB_TASK_NOTE.value}\x00"}
        shown_again = self.mentor_web.web("POST", by_web, control)
        assert shown_again.status == 422
        saved = self.mentor_web.web(
            "POST", by_web, {"submission_id": _id(), "status": "done", "note": WEB_TASK_NOTE.value}
        )
        assert saved.status == 303, saved.body[-2000:]
        forged = f"status=done&note={WEB_TASK_NOTE.value}&given={GIVEN.value}"  # no CSRF token
        self.refused(self.mentor_web.web("POST", by_web, body=forged), 400)

    def log_contacts(self) -> None:
        path = f"/cases/{self.case_id}/contacts"
        today = START.date().isoformat()
        contact = {"on": today, "method": "phone", "made": True, "minutes": 15, "note": CONTACT_NOTE.value}
        self.ok(self.mentor.post(path, contact))
        self.refused(self.mentor.post(path, {**contact, "minutes": GIVEN.value}), 422)
        self.refused(self.mentor.post(path, {**contact, "note": f"{CONTACT_NOTE.value} " * 80}), 422)
        day, month, year = START.day, START.month, START.year
        web = {"on-day": str(day), "on-month": str(month), "on-year": str(year), "method": "in_person"}
        web |= {
            "made": "yes",
            "minutes": "40",
            "areas": ["accommodation", "health"],
            "note": WEB_CONTACT_NOTE.value,
        }
        shown_again = self.mentor_web.web("POST", path, {"submission_id": _id(), **web, "minutes": "forty"})
        assert shown_again.status == 422
        saved = self.mentor_web.web("POST", path, {"submission_id": _id(), **web})
        assert saved.status == 303, saved.body[-2000:]

    def change_release_date(self) -> None:
        path = f"/cases/{self.case_id}/circumstances"
        self.refused(self.coordinator.post(path, {"change": {"type": GIVEN.value, "event_id": _id()}}), 422)
        bad_date = {"change": {"type": "new_sentence", "event_id": _id(), "new_release_on": ADDRESS.value}}
        self.refused(self.coordinator.post(path, bad_date), 422)
        new_release = date.fromisoformat(self.view()["release_on"]) + timedelta(days=7)
        answers = {"type": "release_date_changed", "prison": "", **_date_parts("new_release_on", new_release)}
        self.web_gate(self.coordinator_web, path, answers)
        assert self.view()["release_on"] == new_release.isoformat()

    def prison_events(self) -> None:
        moved = {
            "prison_number": PRISON_NUMBER.value,
            "change": {"type": "transferred", "event_id": _id(), "prison": "WWI"},
        }
        self.feed(moved)
        assert self.view()["prison"] == "WWI"
        malformed = {
            "prison_number": PRISON_NUMBER.value,
            "change": {"type": "transferred", "event_id": _id(), "prison": GIVEN.value},
        }
        unknown = {
            "prison_number": UNKNOWN_PRISON_NUMBER.value,
            "change": {"type": "transferred", "event_id": _id(), "prison": "WWI"},
        }
        self.feed(malformed)
        self.feed(unknown)
        self.unapplied_updates()

    def unapplied_updates(self) -> None:
        """The two refused messages are listed for the coordinators; the one with the unknown
        prison number is dealt with (the other goes when its case is erased)."""
        kept = [i for i in scan(self.stack, TABLE) if i["pk"].startswith("UNAPPLIED#")]
        self.evidence.unapplied_items = kept
        for role in ("coordinator", "manager"):
            page = StaffSession(self.stack, f"{role}-0001", role).web("GET", "/prison-updates/not-applied")
            assert page.status == 200, page.body[-2000:]
            self.evidence.unapplied_pages[role] = page.body
        [unknown] = [i for i in kept if i.get("prison_number")]
        path = f"/prison-updates/not-applied/{unknown['message_id']}/dealt-with"
        assert self.coordinator_web.web("POST", path, {}).status == 303

    def readiness(self) -> None:
        release = date.fromisoformat(self.view()["release_on"])
        self.advance_to(self.day_of(release - timedelta(days=3)))
        self.stack.run_daily_sweep()
        assert self.view()["waiting_for"] == "readiness_review"
        path = f"/cases/{self.case_id}/readiness"
        answers = {
            "accommodation_confirmed": True,
            "id_ready": True,
            "medication_ready": True,
            "probation_appointment_booked": True,
        }
        self.refused(self.coordinator.post(path, {**answers, "notes": f"{READINESS_NOTE.value} " * 60}), 422)
        # The resume after the save fails once: the effect stays pending (ids only) and the outbox's
        # carriers finish it when the clock next moves.
        with Faults(self.stack.bridge) as faults:
            faults.fail_calls("stepfunctions", "SendTaskSuccess", 1)
            self.ok(self.coordinator.post(path, {**answers, "notes": READINESS_NOTE.value}))
            assert faults.failed_calls["SendTaskSuccess"] == 1
        self.evidence.table_with_pending_effect = scan(self.stack, TABLE)
        assert any(i["sk"].startswith("EFFECT#") for i in self.evidence.table_with_pending_effect)
        self.advance_to(self.stack.clock.now() + timedelta(hours=1))
        assert self.view()["stage"] == "release_ready"

    def release_day_with_a_passing_fault(self) -> None:
        """Not met at the gate, by the web form, with what is known and notes (free text about the
        person): escalated at once; the details and notes go on the case and nowhere else."""
        release = date.fromisoformat(self.view()["release_on"])
        self.advance_to(self.day_of(release))
        self.stack.bridge.inject_fault("throughgate-OnReleased", 2)  # retried by the workflow
        questions = [
            name
            for name, spec in ReleaseDayIn.model_fields.items()
            if spec.is_required() and spec.annotation is bool
        ]
        answers = {
            **dict.fromkeys(questions, "yes"),
            "address_confirmed": "no",
            "met_at_gate": "no",
            "not_met_reason": "other",
            "not_met_details": NOT_MET_NOTE.value,
            "notes": RELEASE_NOTE.value,
        }
        path = f"/cases/{self.case_id}/release-day"
        too_long = {**answers, "not_met_details": f"{NOT_MET_NOTE.value} " * 60, "step": "check"}
        shown_again = self.mentor_web.web("POST", path, {"submission_id": _id(), **too_long})
        assert shown_again.status == 422
        self.web_gate(self.mentor_web, path, answers)
        assert self.stack.bridge.errors["throughgate-OnReleased"] == 2
        state = self.view()
        assert state["stage"] == "post_release"
        assert "not_met_at_gate" in state["open_escalations"]
        assert (state["release_day"]["not_met_details"], state["release_day"]["notes"]) == (
            NOT_MET_NOTE.value,
            RELEASE_NOTE.value,
        )
        self.collect_schedules()

    def release_pack(self) -> None:
        """The printable pack names the client for the mentor who works the case; its address holds
        the case id only."""
        path = f"/cases/{self.case_id}/release-pack"
        assert found(path) == []
        pack = self.mentor_web.web("GET", path)
        assert pack.status == 200
        assert {GIVEN.label, FAMILY.label} <= set(found(pack.body))

    def check_ins(self) -> int:
        """Each check-in as it falls due, with notes: the first by the web form, the rest by the API
        (before the second, an invalid one and a sweep while a check-in is open)."""
        done = 0
        while True:
            state = self.view()
            if state["waiting_for"] != "check_in":
                if state["stage"] != "post_release":
                    return done
                self.advance_to(self.stack.clock.now() + timedelta(days=1))
                continue
            path = f"/cases/{self.case_id}"
            number = state["check_in_number"]
            if number == 1:
                answers = {"contact_made": "yes", "new_need": "no", "notes": CHECK_IN_NOTE.value}
                self.web_gate(self.mentor_web, f"{path}/check-in", answers)
            else:
                body = {"number": number, "contact_made": True, "notes": CHECK_IN_NOTE.value}
                if number == 2:
                    too_long = {**body, "notes": f"{CHECK_IN_NOTE.value} " * 60}
                    self.refused(self.mentor.post(f"{path}/check-ins", too_long), 422)
                    self.stack.run_daily_sweep()
                self.ok(self.mentor.post(f"{path}/check-ins", body))
            done += 1

    def supervise_and_reassign(self) -> None:
        """A supervision by the API and by the web (one shown again first); the case moved to another
        mentor with a reason and a handover note, and back."""
        path = "/mentors/mentor-0001/supervision"
        today = self.stack.clock.now().date()
        self.ok(self.coordinator.post(path, {"held_on": today.isoformat(), "note": SUPERVISION_NOTE.value}))
        self.refused(
            self.coordinator.post(path, {"held_on": GIVEN.value, "note": SUPERVISION_NOTE.value}), 422
        )
        web = {"submission_id": _id(), **_date_parts("held_on", today), "note": WEB_SUPERVISION_NOTE.value}
        shown_again = self.coordinator_web.web("POST", f"{path}/new", {**web, "next_due_on-day": "40"})
        assert shown_again.status == 422, shown_again.body[-2000:]
        saved = self.coordinator_web.web("POST", f"{path}/new", web)
        assert saved.status == 303, saved.body[-2000:]
        assert self.mentor_web.web("GET", path).status == 200

        second = {**MENTOR_ONE, "mentor_id": "mentor-0002", "display_name": "Mentor Two"}
        assert enrolled(self.coordinator, second)
        self.stack.cognito.add_mentors(["mentor-0002"])
        moves = (("mentor-0002", REASSIGN_REASON.value), ("mentor-0001", REASSIGN_REASON.value))
        for mentor_id, reason in moves:
            body = {"mentor_id": mentor_id, "reason": reason, "handover_note": HANDOVER_NOTE.value}
            self.ok(self.coordinator.post(f"/cases/{self.case_id}/reassign", body))
        self.refused(
            self.coordinator.post(
                f"/cases/{self.case_id}/reassign", {"mentor_id": GIVEN.value, "reason": "x"}
            ),
            422,
        )

    def handover(self) -> None:
        state = self.view()
        handed = {
            n["area"]: {
                "outcome": "referred",
                "service": "Community housing service",
                "referral_state": "accepted",
            }
            for n in state["needs"]
            if AreaStatus(n["status"]).is_open
        }
        body = {"needs": handed, "exit_levels": dict.fromkeys(AREAS, "low"), "in_work_or_training": True}
        assert (
            self.ok(self.coordinator.post(f"/cases/{self.case_id}/handover", body)).body["stage"] == "closed"
        )

    def outcome(self) -> None:
        released = date.fromisoformat(self.view()["first_released_on"])
        self.advance_to(self.day_of(released + timedelta(days=550)))
        assert self.stack.fire_due_schedules() == 1
        answers = {"proven_reoffending": "no", "housed": "yes", "in_work_or_training": "yes"}
        self.web_gate(self.coordinator_web, f"/cases/{self.case_id}/outcome", answers)
        assert self.view()["stage"] == "outcome_recorded"

    def export_and_erase(self) -> None:
        self.evidence.table_before_erasure = scan(self.stack, TABLE)
        self.evidence.notifications = self.stack.read_outbox()  # the case's own go with it
        export = self.ok(self.coordinator.get(f"/cases/{self.case_id}/export"))
        self.evidence.exports.append(dumped(export.body))
        download = self.coordinator_web.web("GET", f"/cases/{self.case_id}/export")
        assert download.status == 200
        self.evidence.exports.append(download.body)

        path = f"/cases/{self.case_id}/erasure"
        mistyped = f"{GIVEN.value}-{FAMILY.value}-{PRISON_NUMBER.value}-".ljust(36, "0")  # 36 long
        self.refused(
            self.coordinator.post(path, {"reason": "subject_request", "confirm_case_id": mistyped}), 422
        )
        self.refused(
            self.coordinator.post(path, {"reason": GIVEN.value, "confirm_case_id": self.case_id}), 422
        )
        self.ok(self.coordinator.post(path, {"reason": "subject_request", "confirm_case_id": self.case_id}))
        self.refused(self.coordinator.get(f"/cases/{self.case_id}"), 404)
        self.evidence.main_case_id = self.case_id

    def refer_by_web_and_fail_the_workflow(self) -> None:
        """A second referral of the same client (the erasure freed the prison number), by the web
        form; its workflow meets a lasting fault: retried, then caught and recorded. Its release is
        beyond the pre-release window, so the workflow is started there by its schedule
        (StartWorkflow, ADR 0007) rather than at consent."""
        release = self.stack.clock.now().date() + timedelta(days=120)
        form = {
            "submission_id": _id(),
            "client.given_name": GIVEN.value,
            "client.family_name": FAMILY.value,
            **_date_parts("client.date_of_birth", BIRTH),
            "client.prison_number": PRISON_NUMBER.value,
            "prison": "BXI",
            **_date_parts("release_on", release),
            "client.gender": "male",
            "client.borough": ADDRESS.value,
            "client.gender_preference": "",
            "client.gang_risk": "no",
        }
        hostile = {
            **form,
            "client.given_name": f"{GIVEN.value}9",
            "client.prison_number": FAMILY.value,
            "client.date_of_birth-day": GIVEN.value,
        }
        shown_again = self.coordinator_web.web("POST", "/cases/new", hostile)
        assert shown_again.status == 422
        saved = self.coordinator_web.web("POST", "/cases/new", form)
        assert saved.status == 303, saved.body[-2000:]
        self.case_id = saved.headers["location"].split("/")[2].split("?")[0]

        self.stack.bridge.inject_fault("throughgate-PlanMilestones", -1)
        consent = {"consent_given": True, "lawful_basis": "consent", "data_sharing": False}
        self.ok(self.coordinator.post(f"/cases/{self.case_id}/consent", consent))
        assert self.stack.executions("RUNNING") == [], "nothing runs before the window"
        self.collect_schedules()  # the start schedule's input: ids only
        self.advance_to(self.day_of(release - timedelta(days=load_programme().pre_release_window_days)))
        self.stack.bridge.inject_fault("throughgate-PlanMilestones", 0)
        assert "workflow_failed" in self.view()["open_escalations"]
        self.evidence.failed_case_id = self.case_id
        path = f"/cases/{self.case_id}/escalations"
        self.refused(self.coordinator.post(path, {"cause": GIVEN.value, "note": RESOLUTION_NOTE.value}), 422)
        self.ok(self.coordinator.post(path, {"cause": "workflow_failed", "note": RESOLUTION_NOTE.value}))
        assert "workflow_failed" not in self.view()["open_escalations"]


def scan(stack: LocalStack, table: str) -> list[dict[str, Any]]:
    deserialise = TypeDeserializer().deserialize
    pages = stack.client("dynamodb").get_paginator("scan").paginate(TableName=table)
    return [{k: deserialise(v) for k, v in item.items()} for page in pages for item in page["Items"]]


def collect_workflows(stack: LocalStack, evidence: Evidence) -> None:
    sfn = stack.client("stepfunctions")
    for execution in stack.executions():
        arn = execution["executionArn"]
        evidence.histories[execution["name"]] = stack.history(arn)
        evidence.executions.append(sfn.describe_execution(executionArn=arn))


@pytest.fixture(scope="module")
def evidence() -> Iterator[Evidence]:
    gathered = Evidence()
    with LocalStack(START) as stack:
        with (
            captured_output(gathered),
            recorded_invocations(stack, gathered),
            recorded_domain_errors(gathered),
        ):
            journey = SentinelJourney(
                stack,
                gathered,
                ApiClient(stack, "coordinator-0001", "coordinator"),
                ApiClient(stack, "mentor-0001", "mentor"),
                StaffSession(stack, "coordinator-0001", "coordinator"),
                StaffSession(stack, "mentor-0001", "mentor"),
            )
            journey.register_mentor()
            journey.refer_by_api()
            journey.assess_by_web()
            journey.match_mentor()
            journey.update_tasks()
            journey.log_contacts()
            journey.change_release_date()
            journey.prison_events()
            journey.readiness()
            journey.release_day_with_a_passing_fault()
            journey.release_pack()
            assert journey.check_ins() == 12
            journey.supervise_and_reassign()
            journey.text_reminders()  # out of prison: none reaches a client inside
            journey.handover()
            journey.outcome()
            journey.export_and_erase()
            journey.refer_by_web_and_fail_the_workflow()
            stack.run_daily_sweep()
        collect_workflows(stack, gathered)
        gathered.notifications += stack.read_outbox()
        gathered.emails = stack.sent_emails()
        gathered.dead_letters = stack.dead_letters()
        gathered.table_at_end = scan(stack, TABLE)
        gathered.audit = scan(stack, AUDIT_TABLE)
    yield gathered


# -- the sentinels went in -------------------------------------------------------------------------
def test_the_sentinels_are_stored_where_they_belong_and_exported(evidence: Evidence) -> None:
    mentor = next(i for i in evidence.table_before_erasure if i["sk"] == "MENTOR#mentor-0001")
    assert [c.get("conditions") for c in mentor["checks"] if c.get("conditions")] == [MENTOR_CONDITIONS.value]
    main = [i for i in evidence.table_before_erasure if i["pk"] == f"CASE#{evidence.main_case_id}"]
    case = next(i for i in main if i["sk"] == "CASE")
    assert case["client"]["given_name"] == GIVEN.value
    assert case["client"]["family_name"] == FAMILY.value
    assert case["client"]["date_of_birth"] == DATE_OF_BIRTH.value
    assert case["client"]["prison_number"] == PRISON_NUMBER.value
    assert case["client"]["borough"] == ADDRESS.value
    notes = {i["sk"]: i.get("notes") for i in main if i["sk"].startswith("NEED#")}
    assert notes["NEED#accommodation"] == ASSESSMENT_NOTE.value
    task_notes = {u["note"] for i in main if i["sk"].startswith("TASK#") for u in i.get("updates") or []}
    assert {TASK_NOTE.value, WEB_TASK_NOTE.value} <= task_notes

    by_web = next(
        i for i in evidence.table_at_end if i["pk"] == f"CASE#{evidence.failed_case_id}" and i["sk"] == "CASE"
    )
    assert (by_web["client"]["given_name"], by_web["client"]["date_of_birth"]) == (
        GIVEN.value,
        DATE_OF_BIRTH.value,
    )

    resolved = next(
        i
        for i in evidence.table_at_end
        if i["pk"] == f"CASE#{evidence.failed_case_id}" and i["sk"] == "ESC#workflow_failed"
    )
    assert resolved["resolution"] == RESOLUTION_NOTE.value, "the coordinator's note, on the other case"

    stored_labels = sorted(s.label for s in STORED)
    for export in evidence.exports:
        assert sorted(found(export, STORED)) == stored_labels
    assert len(evidence.exports) == 2, "the API's export and the web download"


# -- logs ------------------------------------------------------------------------------------------
def test_no_log_line_holds_a_personal_value(evidence: Evidence) -> None:
    lines = evidence.log_lines
    steps_run = [
        i
        for i in evidence.invocations
        if FUNCTIONS[i.function].handler.startswith("throughgate.handlers.workflow_steps.")
        and not (i.failed and json.loads(i.answer)["errorType"] == "InjectedFault")
    ]
    # Log lines, not the reconciler's metric blobs (EMF: checked below).
    logged = [entry for line in lines if line.startswith("{") and "_aws" not in (entry := json.loads(line))]
    assert sum(1 for line in logged if line["message"] == "workflow step") == len(steps_run), (
        "each workflow step that ran logged its line, and each was captured"
    )
    # Lines from the feed and the sweep were captured too (by the function that logged them).
    functions = {line.get("function_name") for line in logged}
    assert {"throughgate-PrisonEvents", "throughgate-DailySweep"} <= functions
    leaks = [(found(line), line[:300]) for line in lines if found(line)]
    assert leaks == []
    leaks = [(found(record), record[:300]) for record in evidence.log_records if found(record)]
    assert leaks == []


def test_no_lambda_error_holds_a_personal_value(evidence: Evidence) -> None:
    """What the Lambda runtime logs for an unhandled exception: type, message and stack trace."""
    failures = [i for i in evidence.invocations if i.failed]
    failed_functions = {i.function for i in failures}
    # The feed never fails as a function: a bad batch is answered with batchItemFailures (ids only).
    assert {"OnReleased", "PlanMilestones"} <= failed_functions, failed_functions
    assert [(i.function, found(i.answer)) for i in failures if found(i.answer)] == []


def test_metrics_are_counts_without_personal_values_or_case_ids(evidence: Evidence) -> None:
    """Two places emit metrics: the reconciler's count of overdue effects (the operators' alarm) and
    the counting case store's programme events (names from programme_metrics.json, one fixed
    dimension). If another starts to, this fails and the scan must learn the new output."""
    from throughgate.domain.programme_metrics import DIMENSIONS, load_programme_metrics

    emitting = sorted(
        p.relative_to(FUNCTIONS_DIR).as_posix()
        for p in FUNCTIONS_DIR.rglob("*.py")
        if re.search(r"\b(Metrics|single_metric|EphemeralMetrics|put_metric_data)\b", p.read_text())
    )
    assert emitting == ["throughgate/adapters/programme_metrics.py", "throughgate/handlers/effects.py"]
    programme = {m.metric for m in load_programme_metrics()}
    blobs = [
        json.loads(line)
        for line in evidence.stdout.splitlines()
        if line.startswith("{") and '"CloudWatchMetrics"' in line
    ]
    seen: set[str] = set()
    for blob in blobs:
        names = {m["Name"] for d in blob["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
        assert names == {"PendingEffectsOverdue"} or (len(names) == 1 and names <= programme), names
        (name,) = names
        seen.add(name)
        assert isinstance(blob[name], int | float | list)
        if name in programme:
            assert blob["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [list(DIMENSIONS)]
            assert {k: blob[k] for k in DIMENSIONS} == DIMENSIONS
        assert not found(json.dumps(blob))
        assert not re.search(r"[0-9a-f]{8}-[0-9a-f]{4}-", json.dumps(blob)), "no case id"
    assert "Referrals" in seen, "the scan saw the programme's metrics"


# -- responses -------------------------------------------------------------------------------------
def _responses(evidence: Evidence, function: str) -> list[tuple[Invocation, dict[str, Any]]]:
    return [(i, r) for i in evidence.invocations if i.function == function and (r := i.http()) is not None]


def test_api_errors_and_answers_name_fields_never_values(evidence: Evidence) -> None:
    """Everything the API answers that is not a view of the case: errors, and the answers to POSTs."""
    scanned = [
        (invocation.event["httpMethod"], invocation.event["path"], response)
        for invocation, response in _responses(evidence, "Api")
        if response["statusCode"] >= 300
        or (invocation.event["httpMethod"] == "POST" and invocation.event["path"] != "/case-search")
    ]
    statuses = sorted({r["statusCode"] for _m, _p, r in scanned})
    assert {404, 409, 413, 422} <= set(statuses), statuses
    assert sum(1 for *_, r in scanned if r["statusCode"] == 422) >= 15
    leaks = [(m, p, r["statusCode"], found(dumped(r))) for m, p, r in scanned if found(dumped(r))]
    assert leaks == []
    # Every response's headers, views included.
    headers = [
        dumped(r.get("headers")) + dumped(r.get("multiValueHeaders")) for _i, r in _responses(evidence, "Api")
    ]
    assert [h for h in headers if found(h)] == []


def test_web_errors_keep_typed_values_in_their_fields_only(evidence: Evidence) -> None:
    scanned = [
        (invocation.event["httpMethod"], invocation.event["path"], response)
        for invocation, response in _responses(evidence, "Web")
        if response["statusCode"] >= 300
    ]
    statuses = {r["statusCode"] for *_, r in scanned}
    assert {303, 400, 422} <= statuses, statuses
    shown_again = [
        r for *_, r in scanned if r["statusCode"] == 422 and found(without_person_heading(r["body"]))
    ]
    assert len(shown_again) >= 3, "forms shown again with the sentinels typed into them"
    # A case form shown again is still a page for the staff working the case: it names the client
    # in its heading, and nowhere else.
    headed = [r for *_, r in scanned if person_heading(r["body"])]
    assert headed, "case forms shown again carry the client's heading"
    assert all(r["statusCode"] in {409, 422} for r in headed), "an error page never names the client"
    assert {GIVEN.label, PRISON_NUMBER.label} <= set(found(person_heading(headed[0]["body"])))
    leaks = [
        (m, p, r["statusCode"], found(without_typed_values(without_person_heading(r["body"]))))
        for m, p, r in scanned
        if found(without_typed_values(without_person_heading(r["body"])))
    ]
    assert leaks == []
    headers = [
        dumped(r.get("headers")) + dumped(r.get("multiValueHeaders")) for _i, r in _responses(evidence, "Web")
    ]
    assert [h for h in headers if found(h)] == []


# -- workflows -------------------------------------------------------------------------------------
def test_workflow_payloads_carry_ids_only(evidence: Evidence) -> None:
    statuses = sorted(e["status"] for e in evidence.executions)
    assert statuses == ["ABORTED", "FAILED", "SUCCEEDED"], statuses
    events = [e for history in evidence.histories.values() for e in history]
    assert "TaskFailed" in {e["type"] for e in events}, "the injected faults failed tasks"
    assert len(events) > 100
    assert [(e["type"], found(dumped(e))) for e in events if found(dumped(e))] == []
    assert [found(dumped(e)) for e in evidence.executions if found(dumped(e))] == []
    assert evidence.schedule_inputs, "the outcome follow-up schedule was read"
    assert [s for s in evidence.schedule_inputs if found(s)] == []
    # What the step functions returned to the workflow (also in the histories above).
    steps = [i for i in evidence.invocations if i.function not in {"Api", "Web", "PrisonEvents"}]
    assert [(i.function, found(i.answer)) for i in steps if found(i.answer)] == []


# -- messages --------------------------------------------------------------------------------------
def test_notifications_carry_ids_only(evidence: Evidence) -> None:
    kinds = {(n["kind"], (n.get("detail") or {}).get("reason")) for n in evidence.notifications}
    assert ("escalation", "workflow_failed") in kinds
    assert len(evidence.notifications) >= 15
    assert [(n["kind"], found(dumped(n))) for n in evidence.notifications if found(dumped(n))] == []


def test_emails_in_app_notifications_and_texts_hold_no_personal_value(evidence: Evidence) -> None:
    """What leaves by e-mail (not a secure channel), what each person's list keeps (read or not,
    through the erasure), and each text but its own destination number."""
    mailed_to = {address for e in evidence.emails for address in e["to"]}
    assert {
        "mentor-0001@staff.throughgate.example",
        "coordinator-0001@staff.throughgate.example",
    } <= mailed_to
    assert len(evidence.emails) >= 15
    assert [(e["subject"], found(dumped(e))) for e in evidence.emails if found(dumped(e))] == []
    inbox = [
        i
        for i in {
            f"{i['pk']} {i['sk']}": i for i in evidence.table_before_erasure + evidence.table_at_end
        }.values()
        if i["pk"].startswith("INBOX#")
    ]
    assert {i["pk"] for i in inbox} >= {"INBOX#mentor-0001", "INBOX#coordinator-0001"}
    assert len(inbox) >= 15
    assert [(i["sk"], found(dumped(i))) for i in inbox if found(dumped(i))] == []
    assert evidence.texts, "texts were sent"
    beyond_number = [dumped({k: v for k, v in t.items() if k != "to"}) for t in evidence.texts]
    assert [found(text) for text in beyond_number if found(text)] == []


def test_dead_letters_hold_only_what_the_feed_sent(evidence: Evidence) -> None:
    """A message the handler refused is kept as the feed sent it, prison number and all, for a
    coordinator to look at: nothing is added to it. The error reported for it names fields only."""
    refused = evidence.sent_to_feed[1:]  # all but the first, the transfer that was applied
    assert sorted(map(dumped, evidence.dead_letters)) == sorted(map(dumped, refused))
    for message in evidence.dead_letters:
        assert set(found(dumped(message))) <= {PRISON_NUMBER.label, UNKNOWN_PRISON_NUMBER.label, GIVEN.label}
    batches = [i for i in evidence.invocations if i.function == "PrisonEvents"]
    assert len(batches) == 7, "one applied, two refused three times each"
    assert [found(i.answer) for i in batches if found(i.answer)] == []


def test_a_prison_update_not_applied_keeps_an_unknown_prison_number_in_its_own_item_only(
    evidence: Evidence,
) -> None:
    """The coordinators need the number no open case has (a referral's typo, say): it is kept in
    the item's `prison_number` only, never for a case we hold, and goes when dealt with. The page
    shows it to coordinators, never to managers (both see the names of the cases they may read)."""
    items = evidence.unapplied_items
    assert len(items) == 2, "the malformed message and the one with the unknown prison number"
    assert [i["prison_number"] for i in items if "prison_number" in i] == [UNKNOWN_PRISON_NUMBER.value]
    assert [found(dumped({k: v for k, v in i.items() if k != "prison_number"})) for i in items] == [[], []]
    assert {i.get("case_id") for i in items} == {evidence.main_case_id, None}
    assert [i for i in evidence.table_at_end if i["pk"].startswith("UNAPPLIED#")] == [], (
        "dealt with, or forgotten with the erased case"
    )
    names = {GIVEN.label, FAMILY.label}
    coordinator, manager = evidence.unapplied_pages["coordinator"], evidence.unapplied_pages["manager"]
    assert UNKNOWN_PRISON_NUMBER.label in found(coordinator)
    assert set(found(coordinator)) <= names | {UNKNOWN_PRISON_NUMBER.label}
    assert set(found(manager)) <= names


# -- records ---------------------------------------------------------------------------------------
_PERSONAL_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "CASE": ("client", "readiness", "release_day", "texts", "mentor_handover"),
    "NEED#": ("notes",),
    "TASK#": ("updates",),
    "CHECKIN#": ("notes",),
    "CONTACT#": ("note",),
    "ESC#": ("resolution",),
}


def _beyond_personal_attributes(item: dict[str, Any]) -> dict[str, Any]:
    allowed = next(
        (attrs for prefix, attrs in _PERSONAL_ATTRIBUTES.items() if item["sk"].startswith(prefix)), ()
    )
    return {k: v for k, v in item.items() if k not in allowed}


def test_case_records_hold_personal_values_only_in_their_personal_attributes(evidence: Evidence) -> None:
    items = evidence.table_before_erasure + evidence.table_at_end
    leaks = [
        (item["pk"], item["sk"], found(dumped(_beyond_personal_attributes(item))))
        for item in items
        if item["pk"].startswith("CASE#") and found(dumped(_beyond_personal_attributes(item)))
    ]
    assert leaks == []


def test_idempotency_records_hold_a_hash_never_values(evidence: Evidence) -> None:
    markers = [
        i for i in evidence.table_before_erasure + evidence.table_at_end if i["sk"].startswith("DEDUP#")
    ]
    assert len(markers) >= 10, "form submissions and events each leave one"
    for marker in markers:
        assert set(marker) <= {"pk", "sk", "case_id", "payload_hash", "expires_at"}, marker
        assert re.fullmatch(r"[0-9a-f]{64}", marker["payload_hash"]), marker
    assert [m["sk"] for m in markers if found(dumped(m))] == []


def test_a_pending_effect_holds_ids_and_flags_never_values(evidence: Evidence) -> None:
    """The outbox: a resume that failed after the readiness review was saved (with its notes)."""
    pending = [i for i in evidence.table_with_pending_effect if i["sk"].startswith("EFFECT#")]
    assert [e["kind"] for e in pending] == ["resume"]
    assert set(pending[0]["detail"]) == {"token", "output"}
    assert json.loads(pending[0]["detail"]["output"]) == {"accommodation_confirmed": True}
    assert [e["sk"] for e in pending if found(dumped(e))] == []
    assert not [i for i in evidence.table_at_end if i["sk"].startswith("EFFECT#")], "all carried out"


def test_no_record_key_holds_a_personal_value(evidence: Evidence) -> None:
    """Keys travel where attributes do not (CloudWatch Contributor Insights, key lists, backups of
    a deleted item's key), and the preamble's rule is no personal value in any record key. The
    prison-number reference item (`PRISONNO#<number>`, store/keys.py) breaks it: key it by a
    keyed hash of the number (HMAC-SHA256 with a secret from configuration) instead."""
    keys = [f"{i['pk']} {i['sk']}" for i in evidence.table_before_erasure + evidence.table_at_end]
    assert [key for key in keys if found(key)] == []


def test_the_audit_trail_holds_no_personal_value_and_outlives_erasure(evidence: Evidence) -> None:
    main = [e for e in evidence.audit if e["case_id"] == evidence.main_case_id]
    assert len(main) > 50
    assert any(e["action"] == "POST /cases/{case_id}/erasure" and e["outcome"] == 200 for e in main)
    assert [e for e in evidence.audit if found(dumped(e))] == []
    erased = [i for i in evidence.table_at_end if evidence.main_case_id in dumped(i)]
    assert erased == [], "erasure left the case's records behind"


def test_texts_hold_no_personal_value_but_their_own_number(evidence: Evidence) -> None:
    """Two reminders before STOP, none after; each to the client's number, its words naming only
    the mentor's first name (staff data) and a time: no name, note, prison number or number."""
    assert [t["to"] for t in evidence.texts] == ["+447700900456"] * 2
    assert [found(t["body"]) for t in evidence.texts] == [[], []]
    assert all("Mentor" in t["body"] and "probation" not in t["body"].lower() for t in evidence.texts)
    replies = [i for i in evidence.invocations if i.function == "InboundTexts"]
    assert [json.loads(i.answer) for i in replies] == [
        {"stopped": 1, "unreadable": 0},
        {"stopped": 0, "unreadable": 0},
    ]


def test_domain_errors_carry_ids_only(evidence: Evidence) -> None:
    assert len(evidence.domain_errors) >= 8
    raised = {message.split(":", 1)[0] for message in evidence.domain_errors}
    assert {"InvalidInput", "Conflict", "DuplicateReferral", "NotFound"} <= raised, raised
    assert [m for m in evidence.domain_errors if found(m)] == []


def test_every_handler_with_client_data_was_driven(evidence: Evidence) -> None:
    """Sign-in and the authorizer see staff credentials only; every other function must have run."""
    ran = {i.function for i in evidence.invocations}
    assert set(FUNCTIONS) - ran == {"SignIn", "Authorizer"}


def test_found_reads_every_rendering_of_a_sentinel() -> None:
    """The scanner itself: it must see a sentinel in any case and in the renderings pages use."""
    assert found("… ZQXGIVEN …") == [GIVEN.label]
    assert found("born 5 June 1987") == [DATE_OF_BIRTH.label]
    assert found('{"note": "12 Zqxlane Street"}') == [ADDRESS.label]
    assert found("number z9876zz") == [PRISON_NUMBER.label]
    page = '<input value="Zqxgiven"><textarea id="n">Zqxnoteassess</textarea><p>Zqxfamily</p>'
    assert found(without_typed_values(page)) == [FAMILY.label]
