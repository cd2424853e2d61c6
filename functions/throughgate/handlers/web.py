"""The coordinators' and mentors' web pages (API Gateway REST, Cognito authorizer), server-rendered.

Every page is HTML from Jinja2 with autoescaping; every form is CSRF-protected, carries a
submission id (a double click or a retry creates nothing twice), and on a mistake is shown again
with the GOV.UK error summary and everything the person typed. Pages with personal data are
`Cache-Control: no-store`; URLs carry ids only.

The logic behind the case pages and forms (logic.actions, .circumstances, .records and .views, with
the pydantic models they build) is imported by the routes that call it, not at the top: the
dashboard, a cold container's usual first page, needs none of it, and importing it all was about a
third of this function's cold start.
"""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from throughgate import caches
from throughgate.domain import errors
from throughgate.domain.case import Case, Gate
from throughgate.handlers.auditing import audit_request
from throughgate.handlers.identity import Unauthenticated, actor_from, status_for
from throughgate.logic import access, dashboards
from throughgate.logic.access import Act
from throughgate.logic.ports import Actor, Deps
from throughgate.web import csrf
from throughgate.web.forms import Form, Submission, form, handover, mentor_match, parse
from throughgate.web.forms import circumstances as circumstances_form
from throughgate.web.render import render

if TYPE_CHECKING:
    from throughgate.store.audit import AuditLog

logger = Logger(service="throughgate-web")
app = APIGatewayRestResolver(debug=False)  # never POWERTOOLS_DEV's request dumps: personal data
MAX_BODY_BYTES = 64 * 1024
HTML = "text/html; charset=utf-8"


class FormTooLarge(Exception):
    """More than any form of ours holds, even with every note at its limit."""


class BadForm(Exception):
    """A form post that no browser of ours would send (missing or forged CSRF token, oversized)."""


@caches.resettable
@cache
def _deps() -> Deps:
    from throughgate.adapters.aws import aws_deps

    return aws_deps()


@caches.resettable
@cache
def _audit_log() -> AuditLog:
    from throughgate.store.audit import AuditLog

    return AuditLog()


@caches.resettable
@cache
def _csrf_secret() -> bytes:
    secret = os.environ.get("CSRF_SECRET", "")
    if len(secret) < 32:
        raise RuntimeError("CSRF_SECRET must be set (at least 32 characters)")
    return secret.encode()


def _actor() -> Actor:
    return actor_from(app.current_event)


def _cookies() -> dict[str, str]:
    jar: dict[str, str] = {}
    for header in app.current_event.multi_value_headers.get("Cookie", []) or [
        app.current_event.headers.get("Cookie") or app.current_event.headers.get("cookie") or ""
    ]:
        for part in header.split(";"):
            name, _, value = part.strip().partition("=")
            if name:
                jar[name] = value
    return jar


def _csrf_cookie() -> tuple[str, bool]:
    """The browser's CSRF cookie value, and whether it must be set on this response."""
    value = _cookies().get(csrf.COOKIE)
    return (value, False) if value else (csrf.new_cookie_value(), True)


# Every HTML answer, error pages included.
PAGE_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self' 'sha256-GUQ5ad8JK5KmEWmROf3LZd9ge94daqNvd8xy9YS1iDw='; frame-ancestors 'none'",
}


def _page(template: str, status: int = 200, **context: Any) -> Response:
    actor = context.get("actor")
    cookie, new_cookie = _csrf_cookie()
    if actor is not None:
        context["csrf_token"] = csrf.token(_csrf_secret(), actor.user_id, cookie)
    headers: dict[str, Any] = dict(PAGE_HEADERS)
    if new_cookie:
        headers["Set-Cookie"] = f"{csrf.COOKIE}={cookie}; Path=/; HttpOnly; Secure; SameSite=Strict"
    return Response(status_code=status, content_type=HTML, body=render(template, **context), headers=headers)


def _redirect(location: str) -> Response:
    return Response(status_code=303, headers={"Location": location, "Cache-Control": "no-store"}, body="")


def _posted(actor: Actor) -> dict[str, Any]:
    body = app.current_event.body or ""
    if len(body.encode("utf-8", "surrogatepass")) > MAX_BODY_BYTES:
        raise FormTooLarge()
    fields = {k: v[0] if len(v) == 1 else v for k, v in parse_qs(body, keep_blank_values=True).items()}
    submitted = fields.pop("csrf_token", None)
    if not isinstance(submitted, str) or not csrf.valid(
        _csrf_secret(), actor.user_id, _cookies().get(csrf.COOKIE), submitted
    ):
        raise BadForm()
    return fields


def _form_page(
    spec: Form, actor: Actor, action: str, submission: Submission | None = None, **context: Any
) -> Response:
    raw = submission.raw if submission else {}
    submission_id = str(raw.get("submission_id") or uuid.uuid4())
    status = 409 if context.get("conflict") else 422 if submission and submission.errors else 200
    return _page(
        "form.html",
        status,
        actor=actor,
        form=spec,
        action=action,
        values=raw,
        errors=submission.errors if submission else {},
        submission_id=submission_id,
        **context,
    )


def _handle_gate_form(
    spec: Form,
    actor: Actor,
    case_id: str,
    action: str,
    *,
    run: Callable[[Any, str], Any],
    extra: dict[str, Any] | None = None,
    carry: tuple[str, ...] = (),
    done: str = "",
    **context: Any,
) -> Response:
    """Form → (check your answers) → logic. A repeated submission is answered as saved; a conflict
    shows the form again with everything the person typed and what happened."""
    from throughgate.logic import actions
    from throughgate.schemas import is_id

    raw = _posted(actor)
    submission_id = raw.get("submission_id") or ""
    if submission_id and not is_id(submission_id):
        raise BadForm()  # our forms send a UUID; anything else was not sent by one
    step = raw.pop("step", "check" if spec.check_answers else "confirm")
    carried = {name: raw[name] for name in carry if isinstance(raw.get(name), str)}
    submission = parse(spec, raw, {**(extra or {}), **carried})
    context["case_id"] = case_id
    if submission.errors or submission.model is None or step == "change":
        return _form_page(
            spec, actor, action, submission if step != "change" else Submission(raw=submission.raw), **context
        )
    if step == "check":
        return _page(
            "check.html",
            actor=actor,
            form=spec,
            action=action,
            values=submission.raw,
            submission_id=submission_id,
            **context,
        )
    saved = _redirect(done or f"/cases/{case_id}?saved={spec.key}")
    try:
        if actions.already_saved(_deps(), case_id, submission_id, submission.model):
            return saved
        run(submission.model, submission_id)
    except errors.AlreadyApplied:
        return saved  # the same click twice at once: the other one saved it
    except errors.InvalidInput as error:
        if error.field:
            submission.errors[error.field.replace(".", "-")] = error.message
            return _form_page(spec, actor, action, submission, **context)
        raise
    except (errors.Conflict, errors.NotWaiting, errors.IllegalTransition) as error:
        if isinstance(error, errors.IdReused):
            submission.raw["submission_id"] = str(uuid.uuid4())  # resubmitting saves them afresh
        return _form_page(spec, actor, action, submission, conflict=_conflict_message(error), **context)
    return saved


_MOVED_ON = (
    "These answers were not saved: this step has already been done, or the case has moved on. "
    "Your answers are below; go back to the case to see where it is now."
)
_CONFLICT_MESSAGES: dict[type[errors.DomainError], str] = {
    errors.IdReused: "These answers were not saved: this form had already been sent with different "
    "answers, which were saved. Check the answers below and submit again to save them as well.",
    errors.NotWaiting: _MOVED_ON,
    errors.IllegalTransition: _MOVED_ON,
    errors.Conflict: "These answers were not saved: someone else changed this case while you were "
    "working on it. Your answers are below: check them against the case and submit again.",
}


def _conflict_message(error: errors.DomainError) -> str:
    return next(_CONFLICT_MESSAGES[cls] for cls in type(error).__mro__ if cls in _CONFLICT_MESSAGES)


# -- pages -----------------------------------------------------------------------------------------
@app.get("/")
def home() -> Response:
    actor = _actor()
    board = dashboards.dashboard(_deps(), actor)
    return _page("dashboard.html", actor=actor, board=board)


@app.get("/cases/new")
def new_referral() -> Response:
    actor = _actor()
    access.require(actor, Act.REFER)
    return _form_page(form("referral"), actor, "/cases/new")


@app.post("/cases/new")
def create_referral() -> Response:
    from throughgate.logic import actions
    from throughgate.schemas import is_id

    actor = _actor()
    access.require(actor, Act.REFER)
    spec = form("referral")
    raw = _posted(actor)
    if not is_id(raw.get("submission_id")):
        raise BadForm()
    submission = parse(spec, raw, {"submission_id": raw.get("submission_id")})
    if submission.errors or submission.model is None:
        return _form_page(spec, actor, "/cases/new", submission)
    try:
        result = actions.refer(_deps(), actor, submission.model)  # type: ignore[arg-type]
    except errors.InvalidInput as error:
        submission.errors[(error.field or "release_on").replace(".", "-")] = error.message
        return _form_page(spec, actor, "/cases/new", submission)
    return _redirect(f"/cases/{result.case_id}?saved=referral")


@app.get("/cases/<case_id>")
def case_page(case_id: str) -> Response:
    from throughgate.logic.views import case_view

    actor = _actor()
    view = case_view(_deps(), actor, case_id)
    saved = (app.current_event.query_string_parameters or {}).get("saved")
    return _page(
        "case.html", actor=actor, case=view, saved=saved, gates=_gate_links(view.waiting_for, case_id)
    )


def _gate_links(waiting_for: str | None, case_id: str) -> dict[str, str]:
    paths = {
        Gate.ASSESSMENT: "assessment",
        Gate.MENTOR_MATCH: "mentor",
        Gate.READINESS_REVIEW: "readiness",
        Gate.RELEASE_DAY: "release-day",
        Gate.CHECK_IN: "check-in",
        Gate.HANDOVER: "handover",
    }
    return {"next": f"/cases/{case_id}/{paths[Gate(waiting_for)]}"} if waiting_for else {}


@dataclass(frozen=True)
class CaseForm:
    """A form on one case: who may use it, how it is built for this case, and what it submits."""

    act: Act
    build: Callable[[Actor, Case], Form]
    submit: Callable[[Deps, Actor, str, Any, str], Any]
    from_case: Callable[[Case], dict[str, Any]] | None = None  # fields the form takes from the case
    done: str = "/cases/{case_id}?saved={key}"


def _plain(key: str) -> Callable[[Actor, Case], Form]:
    return lambda _actor, _case: form(key)


def _mentor_form(actor: Actor, case: Case) -> Form:
    from throughgate.logic import actions

    result = actions.mentor_suggestions(_deps(), actor, case.case_id)
    names = {m.mentor_id: m.display_name for m in _deps().store.mentors()}
    options = tuple(
        (s.mentor_id, f"{names.get(s.mentor_id, s.mentor_id)} — {'; '.join(s.reasons)}")
        for s in result.suggestions
    )
    return mentor_match(options)


def _handover_form(actor: Actor, case: Case) -> Form:
    from throughgate.domain.needs import NeedArea
    from throughgate.logic.views import case_view

    view = case_view(_deps(), actor, case.case_id)
    open_areas = tuple(
        NeedArea(n.area) for n in view.needs if n.status in {"support_required", "in_progress"}
    )
    return handover(open_areas)


@cache
def _case_forms() -> dict[str, CaseForm]:
    """The forms on a case, by their path; built on the first form page or post (see the module
    docstring)."""
    from throughgate.logic import actions, circumstances, records

    return {
        "consent": CaseForm(Act.RECORD_CONSENT, _plain("consent"), actions.record_consent),
        "assessment": CaseForm(Act.ASSESS, _plain("assessment"), actions.submit_assessment),
        "mentor": CaseForm(Act.ASSIGN_MENTOR, _mentor_form, actions.confirm_mentor),
        "readiness": CaseForm(Act.REVIEW_READINESS, _plain("readiness"), actions.submit_readiness),
        "release-day": CaseForm(Act.RECORD_RELEASE_DAY, _plain("release_day"), actions.submit_release_day),
        "check-in": CaseForm(
            Act.CHECK_IN,
            _plain("check_in"),
            actions.submit_check_in,
            from_case=lambda case: {"number": case.check_in_number or 0},
        ),
        "handover": CaseForm(Act.CLOSE, _handover_form, actions.submit_handover),
        "outcome": CaseForm(Act.RECORD_OUTCOME, _plain("outcome"), actions.record_outcome),
        "erasure": CaseForm(
            Act.ERASE,
            _plain("erasure"),
            lambda deps, actor, case_id, model, _sid: records.erase(deps, actor, case_id, model),
            done="/cases/{case_id}/audit?saved=erasure",  # the case page is gone; its trail is not
        ),
        "circumstances": CaseForm(
            Act.CHANGE_CIRCUMSTANCES,
            lambda _actor, _case: circumstances_form(),
            lambda deps, actor, case_id, model, _sid: circumstances.apply_change(
                deps, actor, case_id, model.change
            ),
        ),
    }


@app.get("/cases/<case_id>/audit")
def audit_page(case_id: str) -> Response:
    from throughgate.logic import records

    actor = _actor()
    trail = records.audit_trail(_audit_log(), actor, case_id)
    saved = (app.current_event.query_string_parameters or {}).get("saved")
    return _page("audit.html", actor=actor, case_id=case_id, trail=trail, saved=saved)


@app.get("/cases/<case_id>/export")
def export_download(case_id: str) -> Response:
    from throughgate.logic import records

    document = records.subject_access_export(_deps(), _audit_log(), _actor(), case_id)
    return Response(
        status_code=200,
        content_type="application/json",
        body=json.dumps(document, default=str, indent=2),
        headers={
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Content-Disposition": f'attachment; filename="case-{case_id}.json"',
        },
    )


def _case_form(path: str) -> CaseForm:
    entry = _case_forms().get(path)
    if entry is None:
        raise errors.NotFound("no such page")
    return entry


@app.get("/cases/<case_id>/<path>")
def case_form_page(case_id: str, path: str) -> Response:
    entry, actor = _case_form(path), _actor()
    case = access.authorised_case(_deps(), actor, case_id, entry.act)
    return _form_page(entry.build(actor, case), actor, f"/cases/{case_id}/{path}", case_id=case_id)


@app.post("/cases/<case_id>/<path>")
def case_form_post(case_id: str, path: str) -> Response:
    entry, actor = _case_form(path), _actor()
    with access.checked_ahead(_deps(), actor, case_id, entry.act) as case:
        spec = entry.build(actor, case)
        return _handle_gate_form(
            spec,
            actor,
            case_id,
            f"/cases/{case_id}/{path}",
            run=lambda model, sid: entry.submit(_deps(), actor, case_id, model, sid),
            extra=entry.from_case(case) if entry.from_case else None,
            done=entry.done.format(case_id=case_id, key=spec.key),
        )


@app.get("/cases/<case_id>/tasks/<task_key>")
def task_page(case_id: str, task_key: str) -> Response:
    from throughgate.logic.views import task_for

    actor = _actor()
    task = task_for(_deps(), actor, case_id, task_key)
    return _form_page(form("task"), actor, f"/cases/{case_id}/tasks/{task_key}", case_id=case_id, task=task)


@app.post("/cases/<case_id>/tasks/<task_key>")
def task_post(case_id: str, task_key: str) -> Response:
    from throughgate.logic import actions
    from throughgate.logic.views import task_for

    actor = _actor()
    task = task_for(_deps(), actor, case_id, task_key)
    return _handle_gate_form(
        form("task"),
        actor,
        case_id,
        f"/cases/{case_id}/tasks/{task_key}",
        run=lambda model, sid: actions.update_task(
            _deps(), actor, case_id, task_key, model, submission_id=sid
        ),
        carry=("seen_updates",),
        task=task,
    )


@app.get("/outcomes")
def outcomes_page() -> Response:
    actor = _actor()
    return _page("outcomes.html", actor=actor, cohort=dashboards.cohort(_deps()))


@app.get("/outcomes.csv")
def outcomes_csv() -> Response:
    access.require(_actor(), Act.EXPORT_OUTCOMES)
    cohort = dashboards.cohort(_deps())
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["measure", "value"])
    for name, value in cohort.rows():
        writer.writerow([name, value])
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=out.getvalue(),
        headers={"Cache-Control": "no-store", "Content-Disposition": 'attachment; filename="outcomes.csv"'},
    )


# -- errors, mapped once -----------------------------------------------------------------------------
_TITLES = {
    403: "You cannot do this",
    413: "The form is too large",
    404: "Page not found",
    409: "This could not be saved",
    422: "Check your answers",
    400: "Something is wrong",
}


def _error_page(status: int, message: str) -> Response:
    context: dict[str, Any] = {
        "status": status,
        "title": _TITLES.get(status, "Something is wrong"),
        "message": message,
    }
    return Response(
        status_code=status,
        content_type=HTML,
        body=render("error.html", **context),
        headers=dict(PAGE_HEADERS),
    )


@app.exception_handler(errors.DomainError)
def _domain_error(error: errors.DomainError) -> Response:
    return _error_page(status_for(error), error.message)


@app.exception_handler(Unauthenticated)
def _unauthenticated(_error: Unauthenticated) -> Response:
    return _error_page(401, "Sign in to continue.")


@app.exception_handler(FormTooLarge)
def _too_large(_error: FormTooLarge) -> Response:
    return _error_page(413, "That is more than a form can hold. Go back, shorten the notes and try again.")


@app.exception_handler(BadForm)
def _bad_form(_error: BadForm) -> Response:
    return _error_page(
        400, "The form had expired or was not sent from this service. Go back, reload and try again."
    )


@app.not_found
def _not_found(_error: Exception) -> Response:
    return _error_page(404, "Check the address, or go back to the dashboard.")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with audit_request(event, saved_status=303) as request:  # a saved form redirects (303)
        response = app.resolve(event, context)
        request.answered(int(response["statusCode"]))  # before the response leaves: no trail, no data
    return response
