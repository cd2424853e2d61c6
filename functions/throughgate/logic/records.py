"""The data-protection duties: the audit trail, a subject access export, erasure on request, and
anonymisation once the retention period has run out (UK GDPR Articles 15, 17 and 5(1)(e))."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from throughgate.domain import effects
from throughgate.domain.case_steps import BY_API_PATH, BY_PATH
from throughgate.domain.errors import InvalidInput, NotFound
from throughgate.domain.schedule import london_date
from throughgate.logic.access import Act, authorised_case, check, require, require_case_id
from throughgate.logic.common import release_mentor
from throughgate.logic.effects import save
from throughgate.logic.justice_data_lab import EXPORT_ACTION
from throughgate.logic.ports import SYSTEM, Actor, Deps
from throughgate.logic.timeline import staff_names, who
from throughgate.schemas import ErasureIn
from throughgate.store.changes import Changes

if TYPE_CHECKING:
    from throughgate.store.audit import AuditEntry, AuditLog


def audit_trail(log: AuditLog, actor: Actor, case_id: str) -> list[AuditEntry]:
    """Coordinators only; the trail outlives the case, so an erased case's trail still reads."""
    require(actor, Act.READ_AUDIT)
    require_case_id(case_id)
    trail = log.trail(case_id)
    if not trail:
        raise NotFound(f"case {case_id} not found")
    return trail


@dataclass(frozen=True)
class AuditLine:
    """One entry of the trail as a coordinator reads it."""

    at: datetime
    who: str
    what: str
    result: str


_RESULTS = {
    200: "Done",
    201: "Done",
    303: "Saved",
    400: "Refused: the form was not sent from Throughgate",
    401: "Refused: not signed in",
    403: "Refused: not allowed for their role",
    404: "Refused: not their case, or no such page",
    409: "Not saved: the case had changed or the step was done",
    413: "Refused: too large",
    422: "Not saved: the answers needed correcting",
}


def _what(action: str) -> str:
    """ "POST /cases/{case_id}/assessment" -> "Sent the pre-release assessment"."""
    method, _, route = action.partition(" ")
    if not route.startswith("/cases/{case_id}"):
        return {
            "retention anonymise": "Anonymised after the retention period",
            EXPORT_ACTION: "Shared with the Justice Data Lab (in its cohort file)",
        }.get(action, action)
    rest = [part for part in route.removeprefix("/cases/{case_id}").split("/") if part]
    if not rest:
        return "Opened the case page"
    step = BY_PATH.get(rest[0]) or BY_API_PATH.get(rest[0])
    if step is not None:
        thing = step.title[0].lower() + step.title[1:]
        return f"Sent the {thing} form" if method == "POST" else f"Opened the {thing} form"
    reads = {"audit": "Opened the audit trail", "export": "Downloaded everything held (subject access)"}
    reads["mentor-suggestions"] = "Read the mentor suggestions"
    reads["release-pack"] = "Opened the release pack"
    return reads.get(rest[0], "Tried an address that does not exist")


def audit_lines(deps: Deps, log: AuditLog, actor: Actor, case_id: str) -> list[AuditLine]:
    """The trail in words: staff by name where the programme holds one, actions by what they did."""
    names = staff_names(deps.store.mentors(), deps.store.all_staff())
    return [
        AuditLine(
            e.at, who(e.actor, names), _what(e.action), _RESULTS.get(e.outcome, f"Answered {e.outcome}")
        )
        for e in audit_trail(log, actor, case_id)
    ]


def subject_access_export(deps: Deps, log: AuditLog, actor: Actor, case_id: str) -> dict[str, Any]:
    """Everything held about the client, as one JSON-ready document (Article 15)."""
    require_case_id(case_id)
    snapshot = deps.store.snapshot(case_id)
    check(actor, snapshot.case, Act.EXPORT_SUBJECT_DATA)
    return {
        "case": asdict(replace(snapshot.case, task_token=None)),
        "needs": [asdict(n) for n in snapshot.needs],
        "tasks": [asdict(t) for t in snapshot.tasks],
        "check_ins": [asdict(c) for c in snapshot.check_ins],
        "contacts": [asdict(c) for c in snapshot.contacts],
        "escalations": [asdict(e) for e in snapshot.escalations],
        "timeline": [asdict(e) for e in snapshot.timeline],
        "outcome": asdict(snapshot.outcome) if snapshot.outcome else None,
        "access_log": [asdict(e) for e in log.trail(case_id, limit=100_000)],
        "generated_at": deps.now().isoformat(),
    }


def erase(deps: Deps, actor: Actor, case_id: str, form: ErasureIn, submission_id: str | None = None) -> None:
    """Erasure on request (Article 17): stop the workflow, its scheduled start and its follow-up, free the mentor's
    place, delete every record. The audit trail stays as the stub: ids, roles and times only.
    Idempotent by its confirmation (a repeat finds no case); `submission_id` is not kept."""
    case = authorised_case(deps, actor, case_id, Act.ERASE)
    if form.confirm_case_id != case_id:
        raise InvalidInput("Enter the case id exactly as shown on the case page", field="confirm_case_id")
    if not case.erasing:
        # One write: the case marked, the mentor's place freed, the stop and cancel owed. A repeat
        # after an interruption finds it marked and only finishes the deleting.
        case.erasing = True
        begun = Changes(
            case=case,
            effects=[effects.cancel_outcome(case_id, deps.now()), effects.cancel_start(case_id, deps.now())],
        )
        if case.execution_arn:
            begun.effects.insert(0, effects.stop(case_id, deps.now(), case.execution_arn, "erased"))
        if not case.stage.is_off_caseload:
            release_mentor(deps, case, begun)
        save(deps, begun)
    deps.store.erase(case)


@dataclass
class RetentionReport:
    anonymised: int = 0


def anonymise_expired(deps: Deps, log: AuditLog) -> RetentionReport:
    """Ended cases past the retention period keep only what the cohort figures need."""
    from throughgate.store.audit import AuditEntry

    report = RetentionReport()
    for case_id in deps.store.cases_due_for_retention(london_date(deps.now())):
        deps.store.anonymise(deps.store.get_case(case_id), deps.now())
        log.record(AuditEntry(case_id, deps.now(), SYSTEM.label, "retention anonymise", 200))
        report.anonymised += 1
    return report
