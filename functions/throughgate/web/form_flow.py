"""A form's way through: the form → (check your answers) → saved, or the form again.

On a mistake the form comes back with the GOV.UK error summary and everything the person typed; on
a conflict (someone else changed the case, the step was already done) with what happened, in words.
A repeated submission (a double click, a resend) is answered as saved and saves nothing twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from aws_lambda_powertools.event_handler import Response

from throughgate.domain import errors
from throughgate.logic.ports import Actor, Deps
from throughgate.web.form_engine import Form, Submission, parse
from throughgate.web.http import redirect


class BadForm(Exception):
    """A form post that no browser of ours would send (missing or forged CSRF token, oversized)."""


class PageRenderer(Protocol):
    def __call__(self, template: str, status: int = 200, **context: Any) -> Response: ...


@dataclass(frozen=True)
class FormFlow:
    """One request's form: who is filling it in, where it posts, and how pages are drawn."""

    page: PageRenderer
    actor: Actor
    action: str  # the address the form posts to

    def show(self, spec: Form, submission: Submission | None = None, **context: Any) -> Response:
        raw = submission.raw if submission else {}
        submission_id = str(raw.get("submission_id") or uuid.uuid4())
        status = 409 if context.get("conflict") else 422 if submission and submission.errors else 200
        return self.page(
            "form.html",
            status,
            actor=self.actor,
            form=spec,
            action=self.action,
            values=raw,
            errors=submission.errors if submission else {},
            submission_id=submission_id,
            **context,
        )

    def submit(
        self,
        spec: Form,
        raw: dict[str, Any],
        deps: Deps,
        case_id: str,
        *,
        run: Callable[[Any, str], Any],
        extra: dict[str, Any] | None = None,
        carry: tuple[str, ...] = (),
        done: str = "",
        **context: Any,
    ) -> Response:
        """`raw` is the posted form (CSRF already checked); `run(model, submission_id)` saves it."""
        from throughgate.logic import actions
        from throughgate.schemas import is_id

        submission_id = raw.get("submission_id") or ""
        if submission_id and not is_id(submission_id):
            raise BadForm()  # our forms send a UUID; anything else was not sent by one
        step = raw.pop("step", "check" if spec.check_answers else "confirm")
        carried = {name: raw[name] for name in carry if isinstance(raw.get(name), str)}
        submission = parse(spec, raw, {**(extra or {}), **carried})
        context["case_id"] = case_id
        if submission.errors or submission.model is None or step == "change":
            return self.show(
                spec, submission if step != "change" else Submission(raw=submission.raw), **context
            )
        if step == "check":
            return self.page(
                "check.html",
                actor=self.actor,
                form=spec,
                action=self.action,
                values=submission.raw,
                submission_id=submission_id,
                **context,
            )
        saved = redirect(done or f"/cases/{case_id}?saved={spec.key}")
        try:
            if actions.already_saved(deps, case_id, submission_id, submission.model):
                return saved
            run(submission.model, submission_id)
        except errors.AlreadyApplied:
            return saved  # the same click twice at once: the other one saved it
        except errors.InvalidInput as error:
            if error.field:
                submission.errors[spec.field_id_for(error.field, submission.raw)] = error.message
                return self.show(spec, submission, **context)
            raise
        except (errors.Conflict, errors.NotWaiting, errors.IllegalTransition) as error:
            if isinstance(error, errors.IdReused):
                submission.raw["submission_id"] = str(uuid.uuid4())  # resubmitting saves them afresh
            return self.show(spec, submission, conflict=conflict_message(error), **context)
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


def conflict_message(error: errors.DomainError) -> str:
    return next(_CONFLICT_MESSAGES[cls] for cls in type(error).__mro__ if cls in _CONFLICT_MESSAGES)
