"""The case API (API Gateway REST, Cognito authorizer): every form a coordinator or mentor submits.

Handlers only parse, identify the caller, call one logic function and shape the response. Errors map
to status codes once, below, by type: a domain error is a 4xx with its message (ids and field names
only), a malformed body is a 422 naming the fields, never echoing their values.

The logic behind each route (logic.actions, .circumstances, .records and .views) and the input
models it validates (throughgate.schemas, with pydantic's model machinery) are imported by the route
that uses them, not at the top: a cold container pays only for its first request's route (reading a
case needs none of the actions or input models; a form needs no case view), and importing them all
was over a third of this function's import time.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from pydantic import ValidationError

from throughgate import caches
from throughgate.domain import errors
from throughgate.domain.case_steps import BY_API_PATH, BY_KEY, CaseStep
from throughgate.handlers.auditing import audit_request
from throughgate.handlers.identity import Unauthenticated, actor_from, field_errors, issued_at, status_for
from throughgate.logic import access
from throughgate.logic.ports import Actor, Deps

if TYPE_CHECKING:
    from pydantic import BaseModel

    from throughgate.domain.pathway import Pathway
    from throughgate.domain.staff import StaffRecord
    from throughgate.logic.mentors import MentorRecord
    from throughgate.store.audit import AuditLog

logger = Logger()  # the service name is the function's POWERTOOLS_SERVICE_NAME
app = APIGatewayRestResolver(debug=False)  # never POWERTOOLS_DEV's request dumps: personal data
MAX_BODY_BYTES = 64 * 1024
M = TypeVar("M", bound="BaseModel")


IDEMPOTENCY_HEADER = "Idempotency-Key"


class PayloadTooLarge(Exception):
    pass


class MissingIdempotencyKey(Exception):
    pass


class BadAddress(Exception):
    """A query string value that cannot be used: the address is wrong, not a form."""

    def __init__(self, error: errors.InvalidInput) -> None:
        super().__init__(error.message)
        self.error = error


@caches.resettable
@cache
def _audit_log() -> AuditLog:
    from throughgate.store.audit import AuditLog

    return AuditLog()


@caches.resettable
@cache
def _deps() -> Deps:
    from throughgate.adapters.aws import aws_deps

    return aws_deps(managing_staff=True)


def _actor() -> Actor:
    """The caller, unless a coordinator has since deactivated them or ended their sessions: the
    Cognito authorizer checks the token offline, which a global sign-out does not revoke."""
    from throughgate.logic.staff import session_allowed

    actor = actor_from(app.current_event)
    if not session_allowed(_deps().store, actor.user_id, issued_at(app.current_event)):
        raise Unauthenticated()
    return actor


def _body(model: type[M]) -> M:
    raw = app.current_event.body or ""
    if len(raw.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    return model.model_validate_json(raw or "{}")


def _idempotency_key() -> str:
    """Every case form POST carries one: the same key again means the same request again."""
    from throughgate.schemas import is_id

    key = app.current_event.headers.get(IDEMPOTENCY_HEADER) or ""  # case-insensitive in powertools v3
    if not is_id(key):
        raise MissingIdempotencyKey()
    return key


def _replayed(case_id: str) -> Response:
    """A retry of a submission already saved: nothing is done again."""
    return _json(200, {"case_id": case_id, "replayed": True})


def _json(status: int, body: Any) -> Response:
    return Response(
        status_code=status,
        content_type=content_types.APPLICATION_JSON,
        body=json.dumps(body, default=str),
        headers={"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"},
    )


# -- routes ----------------------------------------------------------------------------------------
@app.post("/referrals")
def refer() -> Response:
    from throughgate.logic import actions
    from throughgate.schemas import ReferralBody

    # The Idempotency-Key is the referral's submission id: the same key again is the same referral.
    key = _idempotency_key()
    result = actions.refer(_deps(), _actor(), _body(ReferralBody).with_key(key))
    return _json(201 if result.created else 200, {"case_id": result.case_id, "created": result.created})


@app.post("/case-search")
def case_search() -> Response:
    """Find a case: the search text travels in the body, never in the address (it may be personal)."""
    from throughgate.logic.search import find_cases
    from throughgate.schemas import CaseSearchIn

    result = find_cases(_deps(), _actor(), _body(CaseSearchIn))
    cases = [
        {
            "case_id": c.case_id,
            "name": c.client.full_name,
            "prison_number": c.client.prison_number,
            "stage": c.stage.value,
            "release_on": c.release_on.isoformat(),
            "mentor_id": c.mentor_id,
        }
        for c in result.cases
    ]
    return _json(200, {"cases": cases, "next_page": result.next_page})


@app.get("/cases/<case_id>")
def get_case(case_id: str) -> Response:
    from throughgate.logic.views import case_view

    return _json(200, case_view(_deps(), _actor(), case_id).model_dump(mode="json"))


def _case_step(case_id: str, step: CaseStep, task_key: str | None = None) -> Response:
    """A case form: access first (so another's case is a 404 whatever the body), then the body;
    answered as a replay if this key was saved before, else applied."""
    actor = _actor()
    key = _idempotency_key() if step.idempotency_key else None
    from throughgate.logic import actions

    with access.checked_ahead(_deps(), actor, case_id, step.act):
        form = _body(step.input_model())
        if key and actions.already_saved(_deps(), case_id, key, form):
            return _replayed(case_id)
        where = (case_id, task_key) if step.per_task else (case_id,)
        result = step.run()(_deps(), actor, *where, form, submission_id=key)
    return _json(200, {"case_id": case_id, **step.api_result(result)})


@app.get("/cases/<case_id>/mentor-suggestions")
def suggestions(case_id: str) -> Response:
    from throughgate.logic import actions

    result = actions.mentor_suggestions(_deps(), _actor(), case_id)
    return _json(200, asdict(result))


@app.post("/cases/<case_id>/<path>")
def case_step(case_id: str, path: str) -> Response:
    step = BY_API_PATH.get(path)
    if step is None or step.per_task:
        raise errors.NotFound("no such route")
    return _case_step(case_id, step)


@app.post("/cases/<case_id>/tasks/<task_key>")
def task(case_id: str, task_key: str) -> Response:
    return _case_step(case_id, BY_KEY["task"], task_key)


@app.get("/cases/<case_id>/audit")
def audit(case_id: str) -> Response:
    from throughgate.logic import records

    trail = records.audit_trail(_audit_log(), _actor(), case_id)
    return _json(200, {"case_id": case_id, "entries": [asdict(entry) for entry in trail]})


@app.get("/cases/<case_id>/export")
def export(case_id: str) -> Response:
    from throughgate.logic import records

    return _json(200, records.subject_access_export(_deps(), _audit_log(), _actor(), case_id))


@app.get("/prison-updates/not-applied")
def unapplied() -> Response:
    """The prison updates not applied, newest first, as the coordinators' page lists them."""
    from throughgate.logic.unapplied import unapplied_updates

    lines = unapplied_updates(_deps(), _actor())
    return _json(200, {"updates": [line.as_json() for line in lines]})


@app.get("/notifications")
def notifications() -> Response:
    """The signed-in person's own notifications, newest first: nobody reads another's."""
    from throughgate.logic.notifications import my_notifications

    notes = my_notifications(_deps(), _actor())
    return _json(
        200,
        {
            "notifications": [
                {
                    "kind": line.note.message.kind,
                    "subject": line.note.message.subject,
                    "body": line.note.message.body,
                    "link": line.note.message.link,
                    "sent_at": line.note.sent_at.isoformat(),
                    "read": line.note.read,
                    "case_id": line.note.case_id,
                    "step_taken": line.step_taken,
                    "closed_to_reader": line.closed_to_reader,
                }
                for line in notes
            ]
        },
    )


@app.get("/outcomes")
def cohort_outcomes() -> Response:
    """The cohort's figures for releases between `from` and `to` (YYYY-MM-DD, whole months)."""
    from throughgate.logic.outcomes import outcomes, period_between

    query = app.current_event.get_query_string_value
    actor = _actor()
    try:
        period = period_between(query("from"), query("to"))
    except errors.InvalidInput as error:  # a bad address, not a form: 400, in the programme's words
        return _json(400, {"error": "bad_request", "message": error.message, "field": error.field})
    return _json(200, outcomes(_deps(), actor, period).as_json())


@app.put("/mentors/<mentor_id>")
def mentor_profile(mentor_id: str) -> Response:
    """A mentor's profile, whole: creates the record the first time."""
    from throughgate.logic import mentors
    from throughgate.schemas import MentorProfileIn

    saved = mentors.save_profile(_deps(), _actor(), mentor_id, _body(MentorProfileIn))
    return _json(200, {"mentor_id": saved.mentor_id})


@app.post("/mentors/<mentor_id>/checks")
def mentor_check(mentor_id: str) -> Response:
    from throughgate.logic import mentors
    from throughgate.schemas import MentorCheckIn

    actor = _actor()
    mentors.may_manage(actor, mentor_id)  # before the body is read
    record = mentors.record_check(_deps(), actor, mentor_id, _body(MentorCheckIn))
    check = record.check
    return _json(
        201,
        {
            "mentor_id": mentor_id,
            "kind": check.kind,
            "expires_on": check.expires_on.isoformat() if check.expires_on else None,
        },
    )


@app.post("/mentors/<mentor_id>/training")
def mentor_training(mentor_id: str) -> Response:
    from throughgate.logic import mentors
    from throughgate.schemas import TrainingIn

    actor = _actor()
    mentors.may_manage(actor, mentor_id)
    session = mentors.record_training(_deps(), actor, mentor_id, _body(TrainingIn))
    return _json(201, {"mentor_id": mentor_id, "hours": session.hours})


@app.get("/mentors/<mentor_id>")
def mentor_record(mentor_id: str) -> Response:
    """The record: a mentor may read their own only."""
    from throughgate.logic import mentors

    record = mentors.mentor_record(_deps(), _actor(), mentor_id)
    return _json(200, mentor_json(record))


def mentor_json(record: MentorRecord) -> dict[str, Any]:
    m, today = record.mentor, record.today
    return {
        "mentor_id": m.mentor_id,
        "display_name": m.display_name,
        "gender": m.gender,
        "boroughs": sorted(m.boroughs),
        "capacity": m.capacity,
        "active_cases": m.active_cases,
        "lived_experience": [a.value for a in record.lived_experience],
        "linked_areas": sorted(m.linked_areas),
        "avoid_areas": sorted(m.avoid_areas),
        "languages": list(m.languages),
        "availability": m.availability.status.value,
        "on_leave_until": m.availability.until.isoformat() if m.availability.until else None,
        "available_today": m.availability.available_on(today),
        "clearances": [
            {"prison": c.prison, "expires_on": c.expires_on.isoformat(), "in_date": c.in_date_on(today)}
            for c in m.clearances.held
        ],
        "checks": [
            {
                "kind": c.kind,
                "checked_on": c.checked_on.isoformat(),
                "expires_on": c.expires_on.isoformat() if c.expires_on else None,
                "outcome": c.outcome.value,
                "level": c.level,
                "conditions": c.conditions,
                "avoid_areas": sorted(c.avoid_areas),
                "status": c.status_on(today),
            }
            for c in m.vetting.checks
        ],
        "missing_or_lapsed": list(m.vetting.gaps_on(today)),
        "training_hours": record.training_hours,
    }


@app.get("/mentors")
def mentor_list() -> Response:
    from throughgate.logic import mentors

    lines, _today = mentors.mentor_list(_deps(), _actor())
    return _json(
        200,
        {
            "mentors": [
                {
                    "mentor_id": line.mentor.mentor_id,
                    "display_name": line.mentor.display_name,
                    "availability": line.availability,
                    "checks_due": line.checks_due,
                }
                for line in lines
            ]
        },
    )


@app.get("/staff")
def staff_list() -> Response:
    from throughgate.logic.staff import list_staff

    return _json(200, {"staff": [_staff_json(record) for record in list_staff(_deps(), _actor())]})


@app.post("/staff")
def staff_add() -> Response:
    """Idempotent on the username: the same person again finishes an add that half failed."""
    from throughgate.logic.staff import add_staff
    from throughgate.schemas import StaffIn

    actor = _actor()
    return _json(201, _staff_json(add_staff(_deps(), actor, _staff_body(actor, StaffIn))))


@app.get("/staff/<username>")
def staff_get(username: str) -> Response:
    from throughgate.logic.staff import staff_details

    details = staff_details(_deps(), _actor(), username)
    return _json(200, {**_staff_json(details.record), "open_cases": [c.case_id for c in details.open_cases]})


@app.post("/staff/<username>/role")
def staff_role(username: str) -> Response:
    from throughgate.logic.staff import change_role
    from throughgate.schemas import StaffRoleIn

    actor = _actor()
    return _json(200, _staff_json(change_role(_deps(), actor, username, _staff_body(actor, StaffRoleIn))))


@app.post("/staff/<username>/reset-password")
def staff_reset_password(username: str) -> Response:
    from throughgate.logic.staff import reset_password

    return _json(200, _staff_json(reset_password(_deps(), _actor(), username)))


@app.post("/staff/<username>/reset-authenticator")
def staff_reset_authenticator(username: str) -> Response:
    from throughgate.logic.staff import reset_authenticator

    return _json(200, _staff_json(reset_authenticator(_deps(), _actor(), username)))


@app.post("/staff/<username>/deactivate")
def staff_deactivate(username: str) -> Response:
    """The leaver's open cases come back, each to be given another mentor: none is freed silently."""
    from throughgate.logic.staff import deactivate

    details = deactivate(_deps(), _actor(), username)
    return _json(200, {**_staff_json(details.record), "open_cases": [c.case_id for c in details.open_cases]})


def _staff_body(actor: Actor, model: type[M]) -> M:
    """A staff form's body, after the access check: someone refused learns nothing from a 422."""
    from throughgate.domain.case_steps import Act

    access.require(actor, Act.MANAGE_STAFF)
    return _body(model)


def _staff_json(record: StaffRecord) -> dict[str, Any]:
    """Ids, the role and the status: the display name and e-mail are for the pages, not the API's
    answers (which powertools' idempotency or a client's logs could keep)."""
    return {"username": record.username, "role": record.role.value, "status": record.status.value}


# -- volunteer hours and expenses (logic.volunteering) ----------------------------------------------
def _month_asked() -> Any:
    """`?month=2026-11`, or None; a bad one is a bad address: 400, in the programme's words."""
    from throughgate.logic.volunteering import month_asked

    try:
        return month_asked(app.current_event.get_query_string_value("month"))
    except errors.InvalidInput as error:
        raise BadAddress(error) from None


@app.post("/mentors/<mentor_id>/time")
def record_time(mentor_id: str) -> Response:
    """A new time entry; the Idempotency-Key is its id (the same key again saves nothing twice)."""
    from throughgate.logic import volunteering
    from throughgate.schemas import TimeEntryIn

    actor = _actor()
    volunteering.check_time_access(actor, mentor_id, access.Act.RECORD_TIME)  # before the body
    key = _idempotency_key()
    saved = volunteering.record_time(_deps(), actor, mentor_id, _body(TimeEntryIn), key)
    return _json(200, {"entry_id": saved.entry_id, "replayed": saved.replayed})  # the audit says 200 too


@app.get("/mentors/<mentor_id>/time")
def time_sheet(mentor_id: str) -> Response:
    from throughgate.logic.volunteering import time_sheet as sheet

    return _json(200, sheet(_deps(), _actor(), mentor_id, _month_asked()).as_json())


@app.put("/mentors/<mentor_id>/time/<entry_id>")
def edit_time(mentor_id: str, entry_id: str) -> Response:
    from throughgate.logic import volunteering
    from throughgate.schemas import TimeEntryIn

    actor = _actor()
    volunteering.check_time_access(actor, mentor_id, access.Act.RECORD_TIME)
    volunteering.edit_time(_deps(), actor, mentor_id, entry_id, _body(TimeEntryIn))
    return _json(200, {"entry_id": entry_id})


@app.post("/mentors/<mentor_id>/time/<entry_id>/<decision>")
def decide_time(mentor_id: str, entry_id: str, decision: str) -> Response:
    """`approve` and `query` (a coordinator's, with {"reason"}), `withdraw` (the mentor's own)."""
    from throughgate.logic import volunteering
    from throughgate.schemas import TimeQueryIn

    actor, deps = _actor(), _deps()
    if decision == "approve":
        volunteering.approve_time(deps, actor, mentor_id, entry_id)
    elif decision == "query":
        volunteering.check_time_access(actor, mentor_id, access.Act.APPROVE_TIME)
        volunteering.query_time(deps, actor, mentor_id, entry_id, _body(TimeQueryIn))
    elif decision == "withdraw":
        volunteering.withdraw_time(deps, actor, mentor_id, entry_id)
    else:
        raise errors.NotFound("no such route")
    return _json(200, {"entry_id": entry_id, "decision": decision})


@app.get("/volunteering")
def volunteering_summary() -> Response:
    """Every mentor's month of time and expenses (`?month=2026-11`; last month by default)."""
    from throughgate.logic.volunteering import volunteering_summary as summary

    return _json(200, summary(_deps(), _actor(), _month_asked()).as_json())


@app.get("/pathways/<pathway_id>")
def pathway(pathway_id: str) -> Response:
    """A peer-mentor pathway, with the name the person chose: coordinators only."""
    from throughgate.logic.pathways import pathway_page

    page = pathway_page(_deps(), _actor(), pathway_id)
    return _json(200, _pathway_json(page.pathway, page.case_state))


@app.post("/pathways/<pathway_id>/moves")
def pathway_move(pathway_id: str) -> Response:
    """A move to the next stage (or "withdrawn"), idempotent by its own content: a retry of the move
    just saved answers as saved."""
    from throughgate.logic.pathways import move_pathway, require_pathway_id
    from throughgate.schemas import PathwayMoveIn

    actor = _actor()
    access.require(actor, access.Act.MANAGE_PATHWAYS)  # before the body: a mentor learns nothing
    require_pathway_id(pathway_id)
    moved = move_pathway(_deps(), actor, pathway_id, _body(PathwayMoveIn))
    return _json(200, {"pathway_id": moved.pathway_id, "stage": moved.stage.value})


def _pathway_json(pathway: Pathway, case_state: str) -> dict[str, Any]:
    return {
        "pathway_id": pathway.pathway_id,
        "case_id": pathway.case_id,
        "case": case_state,
        "display_name": pathway.display_name,
        "stage": pathway.stage.value,
        "consent_on": pathway.consent_on.isoformat(),
        "consent_how": pathway.consent_how.value,
        "became_mentor_on": pathway.became_mentor_on.isoformat() if pathway.became_mentor_on else None,
        "moves": [
            {"stage": m.stage.value, "on": m.on.isoformat(), "note": m.note, "checks": dict(m.checks)}
            for m in pathway.moves
        ],
    }


@app.post("/mentors/<mentor_id>/supervision")
def supervision(mentor_id: str) -> Response:
    """A supervision session (coordinators); the Idempotency-Key is its submission id."""
    from throughgate.logic.supervision import mentor_for_supervision, record_supervision
    from throughgate.schemas import SupervisionIn

    actor = _actor()
    mentor_for_supervision(_deps(), actor, mentor_id)  # a refusal comes before the body is read
    key = _idempotency_key()
    try:
        session = record_supervision(_deps(), actor, mentor_id, _body(SupervisionIn), submission_id=key)
    except errors.AlreadyApplied:
        return _json(200, {"mentor_id": mentor_id, "replayed": True})
    return _json(
        200,
        {
            "mentor_id": mentor_id,
            "supervision_id": session.supervision_id,
            "next_due_on": session.next_due_on.isoformat(),
        },
    )


# -- errors, mapped once -----------------------------------------------------------------------------


@app.exception_handler(errors.DomainError)
def _domain_error(error: errors.DomainError) -> Response:
    body: dict[str, Any] = {"error": error.code, "message": error.message}
    if isinstance(error, errors.InvalidInput) and error.field:
        body["fields"] = [{"field": error.field, "message": error.message}]
    return _json(status_for(error), body)


@app.exception_handler(ValidationError)
def _validation_error(error: ValidationError) -> Response:
    fields = [{"field": name, "message": message} for name, message in field_errors(error)]
    return _json(422, {"error": "invalid_input", "message": "check the highlighted fields", "fields": fields})


@app.exception_handler(Unauthenticated)
def _unauthenticated(_error: Unauthenticated) -> Response:
    return _json(401, {"error": "unauthenticated", "message": "sign in first"})


@app.exception_handler(MissingIdempotencyKey)
def _missing_key(_error: MissingIdempotencyKey) -> Response:
    return _json(
        400,
        {
            "error": "idempotency_key_required",
            "message": f"send an {IDEMPOTENCY_HEADER} header (8 to 64 letters, digits, - or _, "
            "starting with a letter or digit), "
            "the same one again only to retry the same request",
        },
    )


@app.exception_handler(BadAddress)
def _bad_address(bad: BadAddress) -> Response:
    return _json(400, {"error": "bad_request", "message": bad.error.message, "field": bad.error.field})


@app.exception_handler(PayloadTooLarge)
def _too_large(_error: PayloadTooLarge) -> Response:
    return _json(413, {"error": "payload_too_large", "message": f"the body is over {MAX_BODY_BYTES} bytes"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with audit_request(event, saved_status=200) as request:  # every case route answers 200 once saved
        response = app.resolve(event, context)
        request.answered(int(response["statusCode"]))  # before the response leaves: no trail, no data
    return response
