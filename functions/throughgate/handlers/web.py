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

import contextlib
import csv
import io
import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayRestResolver, Response
from aws_lambda_powertools.logging import correlation_paths

from throughgate import caches
from throughgate.domain import errors
from throughgate.domain.case import Case, Mentor
from throughgate.domain.case_steps import BY_KEY, BY_PATH, CaseStep, StepOptions, saved_words
from throughgate.domain.pathway import CONSENT_HOW_WORDS, PathwayStage
from throughgate.handlers.auditing import audit_request
from throughgate.handlers.identity import Unauthenticated, actor_from, status_for
from throughgate.logic import access, dashboards, notifications
from throughgate.logic.access import Act
from throughgate.logic.ports import Actor, Deps
from throughgate.web import csrf
from throughgate.web.form_engine import Form
from throughgate.web.form_flow import BadForm, FormFlow
from throughgate.web.forms import form, time_answers, time_query_form
from throughgate.web.forms import time_entry_form as form_for_time
from throughgate.web.http import FormTooLarge, cookies, csrf_secret, html, posted_fields, redirect
from throughgate.web.render import render

if TYPE_CHECKING:
    from throughgate.store.audit import AuditLog

logger = Logger()  # the service name is the function's POWERTOOLS_SERVICE_NAME
app = APIGatewayRestResolver(debug=False)  # never POWERTOOLS_DEV's request dumps: personal data
MAX_BODY_BYTES = 64 * 1024
NOTE_ID = re.compile(r"^\d{4}-\d\d-\d\dT[\d:.+-]{8,32}#[0-9a-f]{12}$")  # domain.notifications.Note.note_id


@caches.resettable
@cache
def _deps() -> Deps:
    from throughgate.adapters.aws import aws_deps

    return aws_deps(managing_staff=True)


@caches.resettable
@cache
def _audit_log() -> AuditLog:
    from throughgate.store.audit import AuditLog

    return AuditLog()


def _actor() -> Actor:
    return actor_from(app.current_event)


def _page(template: str, status: int = 200, **context: Any) -> Response:
    """A page with this browser's CSRF token for its forms (and the cookie, the first time)."""
    actor = context.get("actor")
    cookie = cookies(app.current_event).get(csrf.COOKIE)
    headers: dict[str, Any] = {}
    if not cookie:
        cookie = csrf.new_cookie_value()
        headers["Set-Cookie"] = f"{csrf.COOKIE}={cookie}; Path=/; HttpOnly; Secure; SameSite=Strict"
    if actor is not None:
        context["csrf_token"] = csrf.token(csrf_secret(), actor.user_id, cookie)
        context["unread"] = notifications.my_unread_count(_deps(), actor)  # the header's count
    context.setdefault("page_path", app.current_event.path)  # ids only, as every address here
    return html(render(template, **context), status, headers)


def _posted(actor: Actor) -> dict[str, Any]:
    fields = posted_fields(app.current_event, MAX_BODY_BYTES)
    submitted = fields.pop("csrf_token", None)
    if not isinstance(submitted, str) or not csrf.valid(
        csrf_secret(), actor.user_id, cookies(app.current_event).get(csrf.COOKIE), submitted
    ):
        raise BadForm()
    return fields


# -- pages -----------------------------------------------------------------------------------------
@app.get("/")
def home() -> Response:
    actor = _actor()
    board = dashboards.dashboard(_deps(), actor)
    return _page("dashboard.html", actor=actor, board=board)


def _case_list(actor: Actor, raw: dict[str, Any] | None) -> Response:
    """The case list: everything a coordinator or manager may see, a mentor's own caseload; a
    posted search (the text in the body, never in the address) with its filters and page."""
    from throughgate.logic.search import find_cases
    from throughgate.schemas import CaseSearchIn
    from throughgate.web import search_form

    submitted = search_form.read(raw) if raw is not None else search_form.SearchForm({})
    query = submitted.query or CaseSearchIn()  # on a mistake the form comes back, with no results
    try:
        result = find_cases(_deps(), actor, query, with_mentor_names=True)
    except errors.InvalidInput:  # nothing in the text can be searched for
        submitted.errors["text"] = search_form.ENTER_TEXT
        result = find_cases(_deps(), actor, CaseSearchIn(), with_mentor_names=True)
    return _page(
        "cases.html",
        422 if submitted.errors else 200,
        actor=actor,
        result=result,
        values=submitted.values,
        errors=submitted.errors,
        searched=bool(query.text),
        stage_options=search_form.STAGE_OPTIONS,
    )


@app.get("/cases")
def case_list() -> Response:
    return _case_list(_actor(), None)


@app.post("/cases")
def case_search() -> Response:
    actor = _actor()
    return _case_list(actor, _posted(actor))


@app.get("/cases/new")
def new_referral() -> Response:
    actor = _actor()
    access.require(actor, Act.REFER)
    return FormFlow(_page, actor, "/cases/new").show(form("referral"))


@app.post("/cases/new")
def create_referral() -> Response:
    from throughgate.logic import actions
    from throughgate.schemas import is_id
    from throughgate.web.form_engine import parse

    actor = _actor()
    access.require(actor, Act.REFER)
    flow, spec = FormFlow(_page, actor, "/cases/new"), form("referral")
    raw = _posted(actor)
    if not is_id(raw.get("submission_id")):
        raise BadForm()
    submission = parse(spec, raw, {"submission_id": raw.get("submission_id")})
    if submission.errors or submission.model is None:
        return flow.show(spec, submission)
    try:
        result = actions.refer(_deps(), actor, submission.model)  # type: ignore[arg-type]
    except errors.InvalidInput as error:
        submission.errors[(error.field or "release_on").replace(".", "-")] = error.message
        return flow.show(spec, submission)
    except errors.DuplicateReferral:
        submission.errors["client-prison_number"] = ALREADY_REFERRED
        return flow.show(spec, submission)
    return redirect(f"/cases/{result.case_id}?saved=referral")


ALREADY_REFERRED = "Check the prison number: a case is already open for it (find it under Find a case)"


@app.get("/cases/<case_id>")
def case_page(case_id: str) -> Response:
    from throughgate.logic.views import case_view

    actor = _actor()
    view = case_view(_deps(), actor, case_id)
    saved = saved_words((app.current_event.query_string_parameters or {}).get("saved", ""))
    return _page("case.html", actor=actor, case=view, saved=saved)


@app.get("/cases/<case_id>/audit")
def audit_page(case_id: str) -> Response:
    from throughgate.logic import records

    actor = _actor()
    trail = records.audit_lines(_deps(), _audit_log(), actor, case_id)
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


@app.get("/cases/<case_id>/release-pack")
def release_pack_page(case_id: str) -> Response:
    """The release day on one printable page, for the mentor and the client (ids only in the address)."""
    from throughgate.logic.views import release_pack

    actor = _actor()
    pack = release_pack(_deps(), actor, case_id)
    return _page("release_pack.html", actor=actor, pack=pack)


def _case_step(path: str) -> CaseStep:
    step = BY_PATH.get(path)
    if step is None or step.per_task:
        raise errors.NotFound("no such page")
    return step


def _step_form(step: CaseStep, actor: Actor, case: Case) -> tuple[Form, StepOptions]:
    """The step's form for this case, and what the case offers it (the page shows some of it too:
    the days without services after the release, whether the route needs a safety check)."""
    from throughgate.logic.views import step_options

    options = step_options(_deps(), actor, case, step)
    return form(step.key, options), options


@app.get("/cases/<case_id>/<path>")
def case_form_page(case_id: str, path: str) -> Response:
    step, actor = _case_step(path), _actor()
    from throughgate.logic.views import not_open_yet, person_view

    case = access.authorised_case(_deps(), actor, case_id, step.act)
    person = person_view(_deps(), case)
    reason = not_open_yet(_deps(), actor, case, step)
    if reason:  # not a form that could only fail at "Confirm and send"
        return _page("not_open.html", actor=actor, step=step, reason=reason, case_id=case_id, person=person)
    flow = FormFlow(_page, actor, f"/cases/{case_id}/{path}")
    spec, options = _step_form(step, actor, case)
    return flow.show(spec, case_id=case_id, person=person, options=options)


@app.post("/cases/<case_id>/<path>")
def case_form_post(case_id: str, path: str) -> Response:
    from throughgate.logic.views import person_view

    step, actor = _case_step(path), _actor()
    with access.checked_ahead(_deps(), actor, case_id, step.act) as case:
        spec, options = _step_form(step, actor, case)
        return FormFlow(_page, actor, f"/cases/{case_id}/{path}").submit(
            spec,
            _posted(actor),
            _deps(),
            case_id,
            run=lambda model, sid: step.run()(_deps(), actor, case_id, model, submission_id=sid),
            extra=spec.from_case(case) if spec.from_case else None,
            done=step.web_done.format(case_id=case_id, key=spec.key),
            person=person_view(_deps(), case),
            options=options,
        )


@app.get("/cases/<case_id>/tasks/<task_key>")
def task_page(case_id: str, task_key: str) -> Response:
    from throughgate.logic.views import task_for

    actor = _actor()
    page = task_for(_deps(), actor, case_id, task_key)
    flow = FormFlow(_page, actor, f"/cases/{case_id}/tasks/{task_key}")
    return flow.show(form(BY_KEY["task"].key), case_id=case_id, task=page.task, page=page, person=page.person)


@app.post("/cases/<case_id>/tasks/<task_key>")
def task_post(case_id: str, task_key: str) -> Response:
    from throughgate.logic.views import task_for

    actor, step = _actor(), BY_KEY["task"]
    page = task_for(_deps(), actor, case_id, task_key)
    return FormFlow(_page, actor, f"/cases/{case_id}/tasks/{task_key}").submit(
        form(step.key),
        _posted(actor),
        _deps(),
        case_id,
        run=lambda model, sid: step.run()(_deps(), actor, case_id, task_key, model, submission_id=sid),
        carry=("seen_updates",),
        task=page.task,
        page=page,
        person=page.person,
    )


@app.get("/notifications")
def notifications_page() -> Response:
    actor = _actor()
    notes = notifications.my_notifications(_deps(), actor)
    saved = app.current_event.get_query_string_value("saved", "")
    return _page(
        "notifications.html",
        actor=actor,
        notes=notes,
        title="Notifications",
        active="notifications",
        saved=saved,
    )


@app.post("/notifications")
def notifications_read() -> Response:
    """ "Mark as read" (one, by its id) or "Mark all as read": the signed-in person's own only."""
    actor = _actor()
    fields = _posted(actor)
    note_id = fields.get("note_id")
    if fields.get("all") == "yes":
        notifications.mark_all_read(_deps(), actor)
    elif isinstance(note_id, str) and NOTE_ID.fullmatch(note_id):
        notifications.mark_read(_deps(), actor, [note_id])
    else:
        raise BadForm()
    return redirect("/notifications")


@app.get("/notifications/settings")
def notification_settings() -> Response:
    actor = _actor()
    return _settings_page(actor, notifications.my_email_choice(_deps(), actor).value)


def _settings_page(actor: Actor, chosen: str, error: str = "") -> Response:
    from throughgate.domain.notifications import EMAIL_CHOICE_WORDS

    return _page(
        "notification_settings.html",
        422 if error else 200,
        actor=actor,
        title="Notification settings",
        active="notifications",
        choices=[
            {"value": choice.value, "text": words, "checked": choice.value == chosen}
            for choice, words in EMAIL_CHOICE_WORDS.items()
        ],
        error=error,
    )


@app.post("/notifications/settings")
def notification_settings_saved() -> Response:
    from throughgate.domain.notifications import EmailChoice

    actor = _actor()
    chosen = _posted(actor).get("email")
    if chosen not in {c.value for c in EmailChoice}:
        return _settings_page(actor, "", "Choose how you want your notifications by e-mail")
    notifications.choose_email(_deps(), actor, EmailChoice(str(chosen)))
    return redirect("/notifications?saved=settings")


def _outcomes_page(template: str, actor: Actor) -> Response:
    """A period the page cannot read (an edited address) shows the default period, with the
    problem said above the period's list, not an error page."""
    from throughgate.logic.outcomes import outcomes

    period = app.current_event.get_query_string_value("period") or None
    try:
        return _page(template, actor=actor, report=outcomes(_deps(), actor, name=period))
    except errors.InvalidInput as problem:
        report = outcomes(_deps(), actor)
        return _page(template, actor=actor, report=report, period_problem=str(problem))


@app.get("/outcomes")
def outcomes_page() -> Response:
    return _outcomes_page("outcomes.html", _actor())


@app.get("/outcomes/report")
def funder_report() -> Response:
    """A printable report of a release period's figures, for funders (coordinators and managers)."""
    actor = _actor()
    access.require(actor, Act.EXPORT_OUTCOMES)
    return _outcomes_page("funder_report.html", actor)


@app.get("/outcomes/justice-data-lab")
def justice_data_lab_page() -> Response:
    """What the Justice Data Lab pack of a period would hold, and the confirmation before it is made."""
    from throughgate.logic.justice_data_lab import GUIDE, justice_data_lab_pack
    from throughgate.logic.outcomes import outcomes

    actor = _actor()
    access.require(actor, Act.EXPORT_JUSTICE_DATA_LAB)
    report = outcomes(_deps(), actor, name=app.current_event.get_query_string_value("period") or None)
    try:
        pack, refused = justice_data_lab_pack(_deps(), actor, report.period), None
    except errors.InvalidInput as error:
        pack, refused = None, error.message
    return _page("justice_data_lab.html", actor=actor, report=report, pack=pack, refused=refused, guide=GUIDE)


@app.post("/outcomes/justice-data-lab")
def justice_data_lab_csv() -> Response:
    from throughgate.domain.outcomes import ReleasePeriod
    from throughgate.logic.justice_data_lab import share_with_justice_data_lab

    actor = _actor()
    access.require(actor, Act.EXPORT_JUSTICE_DATA_LAB)
    fields = _posted(actor)
    name = str(fields.get("period", ""))
    try:
        period = ReleasePeriod.named(name)
        pack = share_with_justice_data_lab(
            _deps(), actor, _audit_log(), period, fields.get("confirm") == "yes"
        )
    except errors.InvalidInput as error:  # the confirmation again, with what is missing
        from throughgate.logic.justice_data_lab import GUIDE, justice_data_lab_pack
        from throughgate.logic.outcomes import outcomes

        report = outcomes(_deps(), actor, name=name)
        again = justice_data_lab_pack(_deps(), actor, report.period) if error.field == "confirm" else None
        return _page(
            "justice_data_lab.html",
            422,
            actor=actor,
            report=report,
            pack=again,
            refused=None if again else error.message,
            guide=GUIDE,
            error=error.message,
        )
    return _csv(pack.rows(), "justice-data-lab.csv")


@app.get("/outcomes.csv")
def outcomes_csv() -> Response:
    from throughgate.logic.outcomes import outcomes

    actor = _actor()
    access.require(actor, Act.EXPORT_OUTCOMES)
    report = outcomes(_deps(), actor, name=app.current_event.get_query_string_value("period") or None)
    return _csv(report.rows(), "outcomes.csv")


# A cell a spreadsheet would read as a formula (=, +, -, @, or a tab or return before one) is written
# after an apostrophe, so a name or a note typed as "=HYPERLINK(...)" stays text (OWASP's advice).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _spreadsheet_safe(cell: str) -> str:
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell


def _csv(rows: Iterable[Iterable[str]], filename: str) -> Response:
    out = io.StringIO()
    csv.writer(out).writerows([_spreadsheet_safe(str(cell)) for cell in row] for row in rows)
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=out.getvalue(),
        headers={"Cache-Control": "no-store", "Content-Disposition": f'attachment; filename="{filename}"'},
    )


@app.get("/prison-updates/not-applied")
def unapplied_page() -> Response:
    from throughgate.domain.unapplied import KEPT_DAYS
    from throughgate.logic.unapplied import unapplied_updates

    actor = _actor()
    lines = unapplied_updates(_deps(), actor)
    saved = (app.current_event.query_string_parameters or {}).get("saved")
    return _page("unapplied.html", actor=actor, lines=lines, saved=saved, kept_days=KEPT_DAYS)


@app.post("/prison-updates/not-applied/<message_id>/dealt-with")
def unapplied_dealt_with(message_id: str) -> Response:
    from throughgate.logic.unapplied import deal_with_unapplied

    actor = _actor()
    access.require(actor, Act.DEAL_WITH_UNAPPLIED_UPDATE)  # a mentor's post is refused before it is read
    _posted(actor)
    deal_with_unapplied(_deps(), actor, message_id)
    return redirect("/prison-updates/not-applied?saved=dealt-with")


# -- staff (coordinators only) -----------------------------------------------------------------------
STAFF_SAVED = {
    "added": "Added. Their invitation e-mail is on its way",
    "role": "Role changed. They have been signed out and sign in again with the new role",
    "password": "Password reset. They get the invitation e-mail again, with a temporary password",
    "authenticator": "Authenticator reset. They set up their authenticator app again when they next sign in",
    "deactivated": "Deactivated. They have been signed out everywhere and cannot sign in",
}


class StaffChanged(Exception):
    """A staff change refused because the person's record moved on (or they were deactivated)."""


@contextlib.contextmanager
def _staff_changed_meanwhile() -> Iterator[None]:
    """A conflict on a staff page is about the person, not a case: said in its own words."""
    try:
        yield
    except errors.Conflict:
        raise StaffChanged() from None


@app.get("/staff")
def staff_page() -> Response:
    from throughgate.logic.staff import list_staff

    actor = _actor()
    people = list_staff(_deps(), actor)
    return _page("staff.html", actor=actor, people=people, title="Staff", active="staff")


def _staff_form_page(actor: Actor, submission: Any = None, **context: Any) -> Response:
    flow = FormFlow(_page, actor, "/staff/new")
    return flow.show(form("staff"), submission, back="/staff", active="staff", **context)


@app.get("/staff/new")
def staff_new() -> Response:
    """From a completed peer-mentor pathway (`?pathway=<id>`), the form starts with their name."""
    from throughgate.logic.pathways import new_mentor_answers
    from throughgate.web.form_engine import Submission

    actor = _actor()
    access.require(actor, Act.MANAGE_STAFF)
    pathway_id = app.current_event.get_query_string_value("pathway")
    answers = new_mentor_answers(_deps(), actor, pathway_id) if pathway_id else {}
    return _staff_form_page(actor, Submission(raw=dict(answers)) if answers else None)


@app.post("/staff/new")
def staff_add() -> Response:
    from throughgate.domain.staff import UsernameTaken
    from throughgate.logic.staff import add_staff
    from throughgate.web.form_engine import parse

    actor = _actor()
    access.require(actor, Act.MANAGE_STAFF)
    submission = parse(form("staff"), _posted(actor))
    if submission.errors or submission.model is None:
        return _staff_form_page(actor, submission)
    try:
        record = add_staff(_deps(), actor, submission.model)  # type: ignore[arg-type]
    except UsernameTaken:
        submission.errors["username"] = "That username is taken. Choose another"
        return _staff_form_page(actor, submission)
    except errors.InvalidInput as error:
        submission.errors[error.field or "username"] = error.message
        return _staff_form_page(actor, submission)
    return redirect(f"/staff/{record.username}?saved=added")


@app.get("/staff/<username>")
def staff_member_page(username: str) -> Response:
    from throughgate.domain.staff import ROLE_WORDS, STAFF_ROLES
    from throughgate.logic.staff import staff_details

    actor = _actor()
    details = staff_details(_deps(), actor, username)
    saved = STAFF_SAVED.get(app.current_event.get_query_string_value("saved", ""))
    return _page(
        "staff_member.html",
        actor=actor,
        person=details.record,
        open_cases=details.open_cases,
        has_mentor_record=details.has_mentor_record,
        roles=[(role.value, ROLE_WORDS[role]) for role in STAFF_ROLES],
        saved=saved,
        title=details.record.display_name,
        active="staff",
    )


@app.post("/staff/<username>/role")
def staff_role(username: str) -> Response:
    from throughgate.logic.staff import change_role
    from throughgate.schemas import StaffRoleIn

    actor = _actor()
    access.require(actor, Act.MANAGE_STAFF)
    chosen = _posted(actor).get("role")
    if chosen not in {"coordinator", "mentor", "manager"}:
        raise BadForm()  # the page offers these three only
    with _staff_changed_meanwhile():
        change_role(_deps(), actor, username, StaffRoleIn(role=chosen))
    return redirect(f"/staff/{username}?saved=role")


def _staff_reset(username: str, reset: Callable[[Deps, Actor, str], object], saved: str) -> Response:
    """A reset button: no fields but its CSRF token; the person's record may have moved on."""
    actor = _actor()
    access.require(actor, Act.MANAGE_STAFF)
    _posted(actor)
    with _staff_changed_meanwhile():
        reset(_deps(), actor, username)
    return redirect(f"/staff/{username}?saved={saved}")


@app.post("/staff/<username>/reset-password")
def staff_reset_password(username: str) -> Response:
    from throughgate.logic.staff import reset_password

    return _staff_reset(username, reset_password, "password")


@app.post("/staff/<username>/reset-authenticator")
def staff_reset_authenticator(username: str) -> Response:
    from throughgate.logic.staff import reset_authenticator

    return _staff_reset(username, reset_authenticator, "authenticator")


@app.get("/staff/<username>/deactivate")
def staff_deactivate_page(username: str) -> Response:
    """The confirmation, with the cases the person holds: each needs another mentor."""
    from throughgate.logic.staff import staff_details

    actor = _actor()
    details = staff_details(_deps(), actor, username)
    return _page(
        "staff_deactivate.html",
        actor=actor,
        person=details.record,
        open_cases=details.open_cases,
        title=f"Deactivate {details.record.display_name}",
        active="staff",
    )


@app.post("/staff/<username>/deactivate")
def staff_deactivate(username: str) -> Response:
    from throughgate.logic.staff import deactivate

    actor = _actor()
    access.require(actor, Act.MANAGE_STAFF)
    _posted(actor)
    with _staff_changed_meanwhile():
        deactivate(_deps(), actor, username)
    return redirect(f"/staff/{username}?saved=deactivated")


# -- volunteer hours and expenses (logic.volunteering) ----------------------------------------------
TIME_SAVED = {
    "recorded": "Time saved",
    "changed": "Changes saved: the entry waits for approval again",
    "withdrawn": "Entry withdrawn",
    "approved": "Entry approved",
    "queried": "Query sent to the mentor",
    "moved-on": "That entry had changed meanwhile: its status is shown below",
}
TIME_MOVED_ON = (
    "These answers were not saved: this entry was approved, queried or withdrawn while you were "
    "working on it. Go back to the time sheet to see it now."
)


def _month_asked() -> Any:
    """`?month=2026-11`, or None; anything else is a wrong address (the 400 page, in words)."""
    from throughgate.logic.volunteering import month_asked

    try:
        return month_asked(app.current_event.get_query_string_value("month"))
    except errors.InvalidInput:
        raise BadForm() from None


@app.get("/mentors/<mentor_id>/time")
def time_sheet_page(mentor_id: str) -> Response:
    from throughgate.logic.volunteering import time_sheet

    actor = _actor()
    sheet = time_sheet(_deps(), actor, mentor_id, _month_asked())
    saved = TIME_SAVED.get(app.current_event.get_query_string_value("saved", ""))
    own = actor.user_id == mentor_id
    return _page(
        "time_sheet.html", actor=actor, sheet=sheet, saved=saved, active="my-time" if own else "volunteering"
    )


@dataclass(frozen=True)
class _TimePage:
    """A time form's page: who fills it in, whose time it is, and where it posts."""

    actor: Actor
    mentor_id: str
    name: str  # the mentor's display name, in the caption
    action: str

    def show(self, spec: Form, submission: Any = None, **context: Any) -> Response:
        caption, back = f"Time and expenses: {self.name}", f"/mentors/{self.mentor_id}/time"
        context.setdefault("active", "my-time" if self.actor.user_id == self.mentor_id else "volunteering")
        return FormFlow(_page, self.actor, self.action).show(
            spec, submission, caption=caption, back=back, **context
        )

    def submit(self, spec: Form, raw: dict[str, Any], *, save: Any, saved: str) -> Response:
        """Save the answers (`save(model)` returns the entry's date, to show its month), then the
        time sheet says `saved`; or the form again with each problem on its question, or with why
        nothing was saved."""
        from throughgate.web.form_engine import parse

        submission = parse(spec, raw)
        if submission.errors or submission.model is None:
            return self.show(spec, submission)
        on = None
        try:
            on = save(submission.model)
        except errors.InvalidInput as error:
            field_id = spec.field_id_for(error.field or spec.fields[0].name, submission.raw)
            submission.errors[field_id] = error.message
            return self.show(spec, submission)
        except errors.IdReused:
            submission.raw["submission_id"] = str(uuid.uuid4())  # resubmitting saves them afresh
            return self.show(spec, submission, conflict=TIME_REUSED)
        except errors.AlreadyApplied:
            pass  # the same click twice at once: the other one saved it
        except errors.Conflict:
            return self.show(spec, submission, conflict=TIME_MOVED_ON)
        month = f"&month={on:%Y-%m}" if on else ""
        return redirect(f"/mentors/{self.mentor_id}/time?saved={saved}{month}")


TIME_REUSED = (
    "These answers were not saved: this form had already been sent with different answers, which were "
    "saved. Check the answers below and save again to record them as well."
)


@app.get("/mentors/<mentor_id>/time/new")
def new_time_page(mentor_id: str) -> Response:
    from throughgate.logic.volunteering import time_form

    actor = _actor()
    page = time_form(_deps(), actor, mentor_id)
    action = f"/mentors/{mentor_id}/time/new"
    return _TimePage(actor, mentor_id, page.display_name, action).show(form_for_time(page.cases))


@app.post("/mentors/<mentor_id>/time/new")
def new_time_post(mentor_id: str) -> Response:
    from throughgate.logic import volunteering
    from throughgate.schemas import is_id

    actor, deps = _actor(), _deps()
    volunteering.check_time_access(actor, mentor_id, Act.RECORD_TIME)  # before the body is read
    raw = _posted(actor)
    submission_id = raw.get("submission_id")
    if not is_id(submission_id):
        raise BadForm()
    page = volunteering.time_form(deps, actor, mentor_id)

    def save(model: Any) -> Any:
        return volunteering.record_time(deps, actor, mentor_id, model, str(submission_id)).on or model.on

    time_page = _TimePage(actor, mentor_id, page.display_name, f"/mentors/{mentor_id}/time/new")
    return time_page.submit(form_for_time(page.cases), raw, save=save, saved="recorded")


@app.get("/mentors/<mentor_id>/time/<entry_id>")
def change_time_page(mentor_id: str, entry_id: str) -> Response:
    from throughgate.logic.volunteering import time_form
    from throughgate.web.form_engine import Submission

    actor = _actor()
    page = time_form(_deps(), actor, mentor_id, entry_id)
    entry = page.entry
    assert entry is not None
    if not entry.may_change:
        return redirect(f"/mentors/{mentor_id}/time?saved=moved-on&month={entry.on:%Y-%m}")
    spec, answers = form_for_time(page.cases, change=True), Submission(raw=time_answers(entry))
    return _TimePage(actor, mentor_id, page.display_name, f"/mentors/{mentor_id}/time/{entry_id}").show(
        spec, answers
    )


@app.post("/mentors/<mentor_id>/time/<entry_id>")
def change_time_post(mentor_id: str, entry_id: str) -> Response:
    from throughgate.logic import volunteering

    actor, deps = _actor(), _deps()
    volunteering.check_time_access(actor, mentor_id, Act.RECORD_TIME)
    raw = _posted(actor)
    page = volunteering.time_form(deps, actor, mentor_id, entry_id)

    def save(model: Any) -> Any:
        return volunteering.edit_time(deps, actor, mentor_id, entry_id, model).on

    time_page = _TimePage(actor, mentor_id, page.display_name, f"/mentors/{mentor_id}/time/{entry_id}")
    return time_page.submit(form_for_time(page.cases, change=True), raw, save=save, saved="changed")


@app.post("/mentors/<mentor_id>/time/<entry_id>/<decision>")
def decide_time_post(mentor_id: str, entry_id: str, decision: str) -> Response:
    """Approve (a coordinator) or withdraw (the mentor, or a coordinator for them); a query has its
    own page, for the reason."""
    from throughgate.logic import volunteering

    actor, deps = _actor(), _deps()
    if decision == "query":
        return _query_time(actor, mentor_id, entry_id)
    actions = {
        "approve": (Act.APPROVE_TIME, volunteering.approve_time),
        "withdraw": (Act.RECORD_TIME, volunteering.withdraw_time),
    }
    if decision not in actions:
        raise errors.NotFound("no such page")
    act, decide = actions[decision]
    volunteering.check_time_access(actor, mentor_id, act)  # a refusal before the post is read
    fields = _posted(actor)
    month = fields.get("month") if isinstance(fields.get("month"), str) else ""
    back = (
        f"/mentors/{mentor_id}/time?month={month}&saved="
        if re.fullmatch(r"20\d\d-\d\d", month or "")
        else f"/mentors/{mentor_id}/time?saved="
    )
    try:
        decide(deps, actor, mentor_id, entry_id)
    except errors.Conflict:
        return redirect(back + "moved-on")
    return redirect(back + ("approved" if decision == "approve" else "withdrawn"))


@app.get("/mentors/<mentor_id>/time/<entry_id>/query")
def query_time_page(mentor_id: str, entry_id: str) -> Response:
    from throughgate.logic.volunteering import query_form

    actor = _actor()
    name = query_form(_deps(), actor, mentor_id)
    action = f"/mentors/{mentor_id}/time/{entry_id}/query"
    return _TimePage(actor, mentor_id, name, action).show(time_query_form())


def _query_time(actor: Actor, mentor_id: str, entry_id: str) -> Response:
    from throughgate.logic import volunteering

    deps = _deps()
    volunteering.check_time_access(actor, mentor_id, Act.APPROVE_TIME)
    raw = _posted(actor)
    name = volunteering.query_form(deps, actor, mentor_id)

    def save(model: Any) -> Any:
        return volunteering.query_time(deps, actor, mentor_id, entry_id, model).on

    action = f"/mentors/{mentor_id}/time/{entry_id}/query"
    return _TimePage(actor, mentor_id, name, action).submit(
        time_query_form(), raw, save=save, saved="queried"
    )


@app.get("/volunteering")
def volunteering_page() -> Response:
    from throughgate.logic.volunteering import volunteering_summary

    actor = _actor()
    summary = volunteering_summary(_deps(), actor, _month_asked())
    return _page(
        "volunteering.html",
        actor=actor,
        summary=summary,
        active="volunteering",
    )


@app.get("/volunteering.csv")
def volunteering_csv() -> Response:
    from throughgate.logic.volunteering import volunteering_summary

    summary = volunteering_summary(_deps(), _actor(), _month_asked())
    return _csv(summary.csv_rows(), f"volunteering-{summary.month.key}.csv")


@app.get("/cases/<case_id>/pathway/new")
def pathway_new(case_id: str) -> Response:
    return case_form_page(case_id, BY_KEY["pathway"].path)


@app.post("/cases/<case_id>/pathway/new")
def pathway_new_post(case_id: str) -> Response:
    return case_form_post(case_id, BY_KEY["pathway"].path)


@app.get("/pathways")
def pathways_page() -> Response:
    """Coordinators: every pathway, with the names people chose; managers: the counts only."""
    from throughgate.logic.pathways import pathway_list

    actor = _actor()
    listing = pathway_list(_deps(), actor)
    return _page("pathways.html", actor=actor, listing=listing, active="pathways")


@app.get("/pathways/<pathway_id>")
def pathway_record(pathway_id: str) -> Response:
    from throughgate.logic.pathways import pathway_page

    actor = _actor()
    page = pathway_page(_deps(), actor, pathway_id)
    saved = _PATHWAY_SAVED.get(app.current_event.get_query_string_value("saved", "") or "")
    return _page(
        "pathway.html",
        actor=actor,
        page=page,
        saved=saved,
        active="pathways",
        consent_how_words=CONSENT_HOW_WORDS,
    )


_PATHWAY_SAVED = {"moved": "The move was saved", "withdrawn": "The pathway was withdrawn"}


@app.get("/pathways/<pathway_id>/move")
def pathway_move_page(pathway_id: str) -> Response:
    return _show_pathway_form(pathway_id, "move")


@app.post("/pathways/<pathway_id>/move")
def pathway_move_post(pathway_id: str) -> Response:
    return _submit_pathway_form(pathway_id, "move")


@app.get("/pathways/<pathway_id>/withdraw")
def pathway_withdraw_page(pathway_id: str) -> Response:
    return _show_pathway_form(pathway_id, "withdraw")


@app.post("/pathways/<pathway_id>/withdraw")
def pathway_withdraw_post(pathway_id: str) -> Response:
    return _submit_pathway_form(pathway_id, "withdraw")


def _show_pathway_form(pathway_id: str, action: str) -> Response:
    actor = _actor()
    spec, page = _pathway_form(actor, pathway_id, action)
    return FormFlow(_page, actor, f"/pathways/{pathway_id}/{action}").show(
        spec, back=f"/pathways/{pathway_id}", checks=page.checks if action == "move" else ()
    )


def _submit_pathway_form(pathway_id: str, action: str) -> Response:
    """A move to the next stage, or the withdrawal: refused with the criterion not met, in words,
    on the question or the date it is about."""
    from throughgate.logic.pathways import move_pathway
    from throughgate.web.form_engine import parse
    from throughgate.web.form_flow import conflict_message

    actor = _actor()
    spec, page = _pathway_form(actor, pathway_id, action)
    to = page.next_stage if action == "move" else PathwayStage.WITHDRAWN
    assert to is not None  # _pathway_form refuses a move of an ended pathway
    submission = parse(spec, _posted(actor), {"to": to.value})
    flow = FormFlow(_page, actor, f"/pathways/{pathway_id}/{action}")
    context = {"back": f"/pathways/{pathway_id}", "checks": page.checks if action == "move" else ()}
    if submission.errors or submission.model is None:
        return flow.show(spec, submission, **context)
    try:
        move_pathway(_deps(), actor, pathway_id, submission.model)  # type: ignore[arg-type]
    except errors.InvalidInput as error:
        if not error.field:
            raise
        submission.errors[spec.field_id_for(error.field, submission.raw)] = error.message
        return flow.show(spec, submission, **context)
    except errors.Conflict as error:
        return flow.show(spec, submission, conflict=conflict_message(error), **context)
    return redirect(f"/pathways/{pathway_id}?saved={'moved' if action == 'move' else 'withdrawn'}")


def _pathway_form(actor: Actor, pathway_id: str, action: str) -> tuple[Form, Any]:
    """The move's or the withdrawal's form, once the actor may manage pathways and the pathway is
    one that can still take it (an ended pathway has no such page)."""
    from throughgate.logic.pathways import pathway_page
    from throughgate.web.forms import pathway_move_form, pathway_withdraw_form

    access.require(actor, Act.MANAGE_PATHWAYS)  # before anything is read
    page = pathway_page(_deps(), actor, pathway_id)
    if page.pathway.stage is PathwayStage.WITHDRAWN or (action == "move" and page.next_stage is None):
        raise errors.NotFound("the pathway has ended")
    spec = (
        pathway_move_form(page.next_stage)
        if action == "move" and page.next_stage
        else pathway_withdraw_form()
    )
    return spec, page


# -- mentors' supervision -----------------------------------------------------------------------------
def _supervision_flow(actor: Actor, mentor_id: str) -> FormFlow:
    return FormFlow(_page, actor, f"/mentors/{mentor_id}/supervision/new")


@app.get("/mentors/<mentor_id>/supervision")
def supervision_page(mentor_id: str) -> Response:
    from throughgate.logic.supervision import supervision_record

    actor = _actor()
    record = supervision_record(_deps(), actor, mentor_id)
    saved = app.current_event.get_query_string_value("saved") == "supervision"
    return _page("supervision.html", actor=actor, record=record, saved=saved)


@app.get("/mentors/<mentor_id>/supervision/new")
def new_supervision(mentor_id: str) -> Response:
    from throughgate.logic.supervision import mentor_for_supervision

    actor = _actor()
    mentor = mentor_for_supervision(_deps(), actor, mentor_id)
    back = f"/mentors/{mentor_id}/supervision"
    return _supervision_flow(actor, mentor_id).show(
        form("supervision"), back=back, caption=mentor.display_name
    )


@app.post("/mentors/<mentor_id>/supervision/new")
def supervision_saved(mentor_id: str) -> Response:
    from throughgate.logic.supervision import mentor_for_supervision, record_supervision
    from throughgate.schemas import is_id
    from throughgate.web.form_engine import parse

    actor = _actor()
    mentor = mentor_for_supervision(_deps(), actor, mentor_id)  # a refusal comes before the body is read
    raw = _posted(actor)
    if not is_id(raw.get("submission_id")):
        raise BadForm()
    spec, flow = form("supervision"), _supervision_flow(actor, mentor_id)
    context = {"back": f"/mentors/{mentor_id}/supervision", "caption": mentor.display_name}
    submission = parse(spec, raw, {})
    if submission.errors or submission.model is None:
        return flow.show(spec, submission, **context)
    try:
        record_supervision(_deps(), actor, mentor_id, submission.model, submission_id=raw["submission_id"])  # type: ignore[arg-type]
    except errors.AlreadyApplied:
        pass  # the same click twice: the first one saved it
    except errors.InvalidInput as error:
        submission.errors[spec.field_id_for(error.field or "held_on", submission.raw)] = error.message
        return flow.show(spec, submission, **context)
    return redirect(f"/mentors/{mentor_id}/supervision?saved=supervision")


# -- mentors' records (logic.mentors) -----------------------------------------------------------------
@app.get("/mentors")
def mentors_page() -> Response:
    from throughgate.logic.mentors import mentor_list

    actor = _actor()
    lines, today = mentor_list(_deps(), actor)
    return _page("mentors.html", actor=actor, lines=lines, today=today, title="Mentors", active="mentors")


@app.get("/mentor-checks")
def checks_due_page() -> Response:
    from throughgate.domain.catalogue import load_mentor_checks
    from throughgate.logic.mentors import checks_due

    actor = _actor()
    items, today = checks_due(_deps(), actor)
    window = load_mentor_checks().due_within_days
    return _page("mentor_checks.html", actor=actor, items=items, today=today, window=window, active="mentors")


@app.get("/mentors/<mentor_id>")
def mentor_page(mentor_id: str) -> Response:
    from throughgate.logic.mentors import mentor_record

    actor = _actor()
    record = mentor_record(_deps(), actor, mentor_id)
    saved = (app.current_event.query_string_parameters or {}).get("saved", "")
    return _page("mentor.html", actor=actor, record=record, saved=MENTOR_SAVED.get(saved), active="mentors")


MENTOR_SAVED = {"profile": "Profile saved", "check": "Check saved", "training": "Training saved"}
# The record's forms: address after /mentors/{id}/, form key, what `?saved=` says.
MENTOR_FORMS = {"profile": "mentor_profile", "checks/new": "mentor_check", "training/new": "mentor_training"}


def _mentor_form(mentor_id: str, path: str) -> tuple[FormFlow, Form]:
    return FormFlow(_page, _actor(), f"/mentors/{mentor_id}/{path}"), form(MENTOR_FORMS[path])


def _profile_values(mentor: Mentor) -> dict[str, Any]:
    """The profile form filled in from the record, as the form posts it."""
    values: dict[str, Any] = {
        "display_name": mentor.display_name,
        "gender": mentor.gender,
        "boroughs": ", ".join(sorted(mentor.boroughs)),
        "capacity": str(mentor.capacity),
        "lived_experience": [a.value for a in mentor.lived_experience],
        "linked_areas": ", ".join(sorted(mentor.linked_areas)),
        "avoid_areas": ", ".join(sorted(mentor.avoid_areas)),
        "languages": ", ".join(mentor.languages),
        "availability": mentor.availability.status.value,
    }
    dates = {f"clearance.{c.prison}": c.expires_on for c in mentor.clearances.held}
    if mentor.availability.until:
        dates["on_leave_until"] = mentor.availability.until
    for name, day in dates.items():
        values.update(
            {f"{name}-day": str(day.day), f"{name}-month": str(day.month), f"{name}-year": str(day.year)}
        )
    return values


@app.get("/mentors/<mentor_id>/profile")
def mentor_profile_page(mentor_id: str) -> Response:
    from throughgate.logic.mentors import name_for_new_profile, profile_to_edit
    from throughgate.web.form_engine import Submission

    flow, spec = _mentor_form(mentor_id, "profile")
    mentor = profile_to_edit(_deps(), flow.actor, mentor_id)
    if mentor is not None:
        values: Submission | None = Submission(raw=_profile_values(mentor))
    else:
        name = name_for_new_profile(_deps(), mentor_id)
        values = Submission(raw={"display_name": name}) if name else None
    return flow.show(
        spec, values, back=f"/mentors/{mentor_id}" if mentor else "/mentors", mentor_id=mentor_id
    )


@app.get("/mentors/<mentor_id>/checks/new")
def mentor_check_page(mentor_id: str) -> Response:
    from throughgate.logic.mentors import authorised_mentor

    flow, spec = _mentor_form(mentor_id, "checks/new")
    authorised_mentor(_deps(), flow.actor, mentor_id, Act.MANAGE_MENTORS)
    return flow.show(spec, back=f"/mentors/{mentor_id}", mentor_id=mentor_id)


@app.get("/mentors/<mentor_id>/training/new")
def mentor_training_page(mentor_id: str) -> Response:
    from throughgate.logic.mentors import authorised_mentor

    flow, spec = _mentor_form(mentor_id, "training/new")
    authorised_mentor(_deps(), flow.actor, mentor_id, Act.MANAGE_MENTORS)
    return flow.show(spec, back=f"/mentors/{mentor_id}", mentor_id=mentor_id)


def _save_mentor_form(mentor_id: str, path: str, saved: str) -> Response:
    """A record's form posted: errors per field in words, else saved once (the submission id is the
    record's id, so a double click writes the same record again, not a second one)."""
    from throughgate.logic import mentors
    from throughgate.schemas import is_id
    from throughgate.web.form_engine import parse

    flow, spec = _mentor_form(mentor_id, path)
    actor = flow.actor
    mentors.may_manage(actor, mentor_id)  # a mentor's post is refused before it is read
    raw = _posted(actor)
    if not is_id(raw.get("submission_id")):
        raise BadForm()
    back = f"/mentors/{mentor_id}"
    submission = parse(spec, raw)
    if submission.errors or submission.model is None:
        return flow.show(spec, submission, back=back, mentor_id=mentor_id)
    actions = {
        "profile": lambda model, _sid: mentors.save_profile(_deps(), actor, mentor_id, model),
        "checks/new": lambda model, sid: mentors.record_check(_deps(), actor, mentor_id, model, sid),
        "training/new": lambda model, sid: mentors.record_training(_deps(), actor, mentor_id, model, sid),
    }
    try:
        actions[path](submission.model, str(raw["submission_id"]))
    except errors.InvalidInput as error:
        submission.errors[spec.field_id_for(error.field or "", submission.raw)] = error.message
        return flow.show(spec, submission, back=back, mentor_id=mentor_id)
    except errors.Conflict:
        return flow.show(spec, submission, back=back, mentor_id=mentor_id, conflict=MENTOR_CHANGED)
    return redirect(f"{back}?saved={saved}")


MENTOR_CHANGED = (
    "These answers were not saved: someone else changed this mentor's record while you were working on "
    "it. Your answers are below: check them against the record and submit again."
)


@app.post("/mentors/<mentor_id>/profile")
def mentor_profile_post(mentor_id: str) -> Response:
    return _save_mentor_form(mentor_id, "profile", "profile")


@app.post("/mentors/<mentor_id>/checks/new")
def mentor_check_post(mentor_id: str) -> Response:
    return _save_mentor_form(mentor_id, "checks/new", "check")


@app.post("/mentors/<mentor_id>/training/new")
def mentor_training_post(mentor_id: str) -> Response:
    return _save_mentor_form(mentor_id, "training/new", "training")


# -- errors, mapped once -----------------------------------------------------------------------------
_TITLES = {
    403: "You cannot do this",
    413: "The form is too large",
    404: "Page not found",
    409: "This could not be saved",
    422: "Check your answers",
    400: "Something is wrong",
}


def _error_page(status: int, message: str, *, signed_in: bool = True) -> Response:
    """In plain words; for a signed-in person with the header, navigation and sign-out every other
    page has (so a wrong turn is one click from the dashboard, or from signing out)."""
    context: dict[str, Any] = {
        "title": _TITLES.get(status, "Something is wrong"),
        "message": message,
    }
    if signed_in:
        with contextlib.suppress(Unauthenticated):
            context["actor"] = _actor()
    return _page("error.html", status, **context)


# What a person reads: a domain error's own message is for logs and the API (ids, field names).
_MESSAGES = {
    403: "Your role does not allow this. Go back, or ask a coordinator.",
    404: "Check the address, or go back to the dashboard.",
    409: "The case has moved on since this page was opened. Go back to the case to see where it is now.",
    422: "Something on this page could not be used. Go back and try again.",
}


@app.exception_handler(errors.MentorNotSetUp)
def _mentor_not_set_up(error: errors.MentorNotSetUp) -> Response:
    """A new mentor's own "My record" and "My time", before a coordinator has set up their profile:
    what is missing and who does it, not "Page not found"."""
    actor = _actor()
    if actor.user_id == error.mentor_id:
        message = (
            "Your mentor record has not been set up yet. A coordinator sets it up (your profile and "
            "checks); until then you are not offered clients and cannot record time."
        )
    else:
        message = "This mentor has no record yet. A coordinator sets up their profile first."
    return _page(
        "error.html",
        404,
        actor=actor,
        title="Mentor record not set up",
        message=message,
        set_up=f"/mentors/{error.mentor_id}/profile" if actor.role.value == "coordinator" else None,
    )


@app.exception_handler(errors.DomainError)
def _domain_error(error: errors.DomainError) -> Response:
    status = status_for(error)
    return _error_page(status, _MESSAGES.get(status, "Something went wrong. Go back and try again."))


@app.exception_handler(Unauthenticated)
def _unauthenticated(_error: Unauthenticated) -> Response:
    return _error_page(401, "Sign in to continue.", signed_in=False)


@app.exception_handler(StaffChanged)
def _staff_changed(_error: StaffChanged) -> Response:
    return _error_page(
        409, "Someone changed this person's account meanwhile. Go back to their page to see it as it is now."
    )


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
    return _error_page(404, _MESSAGES[404])


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    with audit_request(event, saved_status=303) as request:  # a saved form redirects (303)
        response = app.resolve(event, context)
        request.answered(int(response["statusCode"]))  # before the response leaves: no trail, no data
    return response
