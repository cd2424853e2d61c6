"""The form engine's conditional reveals: a follow-up question is read only when its option is
chosen (then its `required` applies), and otherwise ignored: not checked, not kept, not on the
check-your-answers page. Synthetic values only."""

from __future__ import annotations

import re
from datetime import date

import pytest
from pydantic import BaseModel, ConfigDict

from throughgate.domain.case_steps import MentorChoice, StepOptions
from throughgate.domain.needs import Level, NeedArea
from throughgate.web.form_engine import Field, Form, parse
from throughgate.web.forms import form
from throughgate.web.render import render

SUBMISSION_ID = "6f1c2b1e-8d4a-4a57-9a36-3c0f2f6e9b10"


class _Contact(BaseModel):
    model_config = ConfigDict(extra="forbid")
    how: str
    number: str | None = None
    day: str | None = None


def _contact_form() -> Form:
    return Form(
        key="test",
        title="Contact",
        model=_Contact,
        fields=(
            Field("how", "How?", "radios", (("phone", "Phone"), ("letter", "Letter"), ("visit", "Visit"))),
            Field(
                "number", "Phone number", missing="Enter the phone number", reveal_under=("how", ("phone",))
            ),
            Field("day", "Which day?", required=False, reveal_under=("how", ("letter", "visit"))),
        ),
    )


def test_a_revealed_question_is_ignored_when_its_option_is_not_chosen() -> None:
    spec = _contact_form()
    submission = parse(spec, {"how": "letter", "number": "07700 900000", "day": "Monday"})
    assert submission.errors == {}
    assert submission.model == _Contact(how="letter", day="Monday")  # the number was not read
    assert "number" not in submission.raw  # nor kept to be carried to the check page
    assert submission.raw["day"] == "Monday"


def test_a_required_revealed_question_must_be_answered_when_its_option_is_chosen() -> None:
    spec = _contact_form()
    submission = parse(spec, {"how": "phone", "number": "  "})
    assert submission.errors == {"number": "Enter the phone number"}
    assert submission.model is None
    answered = parse(spec, {"how": "phone", "number": "07700 900000", "day": "Monday"})
    assert answered.model == _Contact(how="phone", number="07700 900000")
    assert "day" not in answered.raw


def test_no_answer_to_the_question_asks_none_of_its_follow_ups() -> None:
    submission = parse(_contact_form(), {"number": "07700 900000"})
    assert submission.errors == {"how": "Select how"}
    assert "number" not in submission.raw


def test_a_reveal_under_an_option_that_is_not_offered_is_refused_when_the_form_is_built() -> None:
    with pytest.raises(ValueError, match="revealed under an option"):
        Form(
            "test",
            "Contact",
            (
                Field("how", "How?", "radios", (("phone", "Phone"),)),
                Field("n", "N", reveal_under=("how", ("fax",))),
            ),
            _Contact,
        )
    with pytest.raises(ValueError, match="revealed under an option"):
        Form("test", "Contact", (Field("n", "N", reveal_under=("nowhere", ("x",))),), _Contact)


def test_revealed_questions_are_drawn_inside_their_option_or_after_their_question() -> None:
    spec = _contact_form()
    how = spec.fields[0]
    assert [f.name for f in spec.top_level] == ["how"]
    assert [f.name for f in spec.revealed(how, "phone")] == ["number"]
    assert spec.revealed(how, "letter") == ()  # "day" is under two options: drawn once, after
    assert [f.name for f in spec.drawn_after(how)] == ["day"]


def test_circumstances_ask_the_date_or_the_prison_only_under_their_change() -> None:
    spec = form("circumstances", StepOptions(before_release=True))
    raw = {
        "submission_id": SUBMISSION_ID,
        "type": "transferred",
        "prison": "WWI",
        "new_release_on-day": "40",  # not a date, but not asked either
        "new_release_on-month": "1",
        "new_release_on-year": "2028",
    }
    submission = parse(spec, raw)
    assert submission.errors == {}
    assert submission.model is not None
    assert submission.model.model_dump(mode="json")["change"] == {
        "type": "transferred",
        "event_id": SUBMISSION_ID,
        "prison": "WWI",
    }
    missing = parse(spec, {"submission_id": SUBMISSION_ID, "type": "transferred"})
    assert missing.errors == {"prison": "Select the prison the client was moved to"}
    no_date = parse(spec, {"submission_id": SUBMISSION_ID, "type": "release_date_changed", "prison": "WWI"})
    assert no_date.errors == {"new_release_on": "Enter the new release date"}
    assert "prison" not in no_date.raw


def test_a_new_sentence_asks_its_release_date_only_before_release() -> None:
    raw = {"submission_id": SUBMISSION_ID, "type": "new_sentence"}
    before = form("circumstances", StepOptions(before_release=True))
    assert parse(before, raw).errors == {"sentence_release_on": "Enter the release date for the new sentence"}
    dated = parse(
        before,
        {
            **raw,
            "sentence_release_on-day": "3",
            "sentence_release_on-month": "4",
            "sentence_release_on-year": "2028",
        },
    )
    assert dated.model is not None
    assert dated.model.change.new_release_on == date(2028, 4, 3)  # type: ignore[attr-defined]
    assert before.field_id_for("new_release_on", dated.raw) == "sentence_release_on"
    after = form("circumstances", StepOptions(before_release=False))
    assert "sentence_release_on" not in {f.name for f in after.fields}
    assert parse(after, raw).errors == {}


def test_a_check_in_asks_the_new_need_only_after_a_yes() -> None:
    spec = form("check_in")
    extra = {"number": 2}
    no = parse(spec, {"contact_made": "yes", "new_need": "no", "new_need_area": "health"}, extra)
    assert no.errors == {}
    assert no.model is not None and no.model.new_needs == {}  # type: ignore[attr-defined]
    yes = parse(spec, {"contact_made": "yes", "new_need": "yes"}, extra)
    assert yes.errors == {
        "new_need_area": "Select the area of the new need",
        "new_need_level": "Select the level of the new need",
    }
    full = parse(
        spec,
        {"contact_made": "yes", "new_need": "yes", "new_need_area": "health", "new_need_level": "high"},
        extra,
    )
    assert full.model is not None
    assert full.model.new_needs == {NeedArea.HEALTH: Level.HIGH}  # type: ignore[attr-defined]


def test_a_handover_asks_for_the_service_and_its_state_only_for_a_referral() -> None:
    options = StepOptions(open_areas=(NeedArea.HEALTH,), entry_levels=((NeedArea.HEALTH, Level.HIGH),))
    spec = form("handover", options)
    levels = {f"exit_levels.{a.value}": "low" for a in NeedArea}
    base = {**levels, "in_work_or_training": "no"}
    referred = parse(spec, {**base, "needs.health.outcome": "referred"})
    assert set(referred.errors) == {"needs-health-service", "needs-health-referral_state"}
    done = parse(spec, {**base, "needs.health.outcome": "done", "needs.health.service": "Synthetic GP"})
    assert done.errors == {}
    assert done.model is not None
    assert done.model.model_dump()["needs"]["health"] == {
        "outcome": "done",
        "service": None,
        "referral_state": None,
    }
    hints = {f.name: f.hint for f in spec.fields}
    assert hints["exit_levels.health"].startswith("At the assessment: High.")
    assert not hints["exit_levels.accommodation"].startswith("At the")  # not assessed: no level to show


def _mentors(*names: str) -> tuple[MentorChoice, ...]:
    return tuple(MentorChoice(f"mentor-000{i + 1}", name, ("Lives nearby",)) for i, name in enumerate(names))


def test_a_mentor_match_asks_a_reason_only_for_someone_other_than_the_first_suggestion() -> None:
    spec = form("mentor_match", StepOptions(mentors=_mentors("Mentor One", "Mentor Two")))
    assert (
        parse(spec, {"mentor_id": "mentor-0001", "override_reason": "Kept from before"}).raw.get(
            "override_reason"
        )
        is None
    )
    first = parse(spec, {"mentor_id": "mentor-0001"})
    assert first.errors == {}
    assert first.model is not None and first.model.override_reason is None  # type: ignore[attr-defined]
    other = parse(spec, {"mentor_id": "mentor-0002", "override_reason": " "})
    assert other.errors == {
        "override_reason": "Enter why you chose this mentor rather than the first suggestion"
    }
    only = form("mentor_match", StepOptions(mentors=_mentors("Mentor One")))
    assert [f.name for f in only.fields] == ["mentor_id"]  # one suggestion: nothing to explain


def test_a_re_match_names_the_mentor_now_and_asks_why_it_changes() -> None:
    options = StepOptions(
        mentors=_mentors("Mentor One", "Mentor Two"),
        current_mentor=MentorChoice("mentor-0002", "Mentor Two", ()),
    )
    spec = form("mentor_match", options)
    assert spec.title == "Change the mentor"
    assert "Mentor Two" in spec.caption
    # The mentor now is not the first suggestion: the first (a change) and the mentor now (not the
    # first suggestion) both need a reason.
    assert parse(spec, {"mentor_id": "mentor-0001"}).errors == {
        "override_reason": "Enter why the mentor is changing"
    }
    assert "override_reason" in parse(spec, {"mentor_id": "mentor-0002"}).errors
    same = StepOptions(mentors=options.mentors, current_mentor=MentorChoice("mentor-0001", "Mentor One", ()))
    kept = form("mentor_match", same)
    assert parse(kept, {"mentor_id": "mentor-0001"}).errors == {}  # staying with the mentor now
    assert "override_reason" in parse(kept, {"mentor_id": "mentor-0002"}).errors


def _page(template: str, spec: Form, values: dict[str, str]) -> str:
    return render(
        template,
        form=spec,
        action="/cases/c/circumstances",
        values=values,
        errors={},
        submission_id=SUBMISSION_ID,
        csrf_token="token",
    )


def test_the_form_draws_a_revealed_question_inside_its_option() -> None:
    html = _page("form.html", form("circumstances", StepOptions()), {"type": "transferred", "prison": "WWI"})
    conditional = re.search(
        r'<div class="govuk-radios__conditional[^"]*" id="conditional-type-4">(.*?)</div>\s*</div>',
        html,
        re.S,
    )
    assert conditional is not None, "the prison question sits in the transfer option's reveal"
    assert 'name="prison"' in conditional.group(1)
    assert 'data-aria-controls="conditional-type-4"' in html
    assert html.count('name="prison"') == 1
    hidden = re.search(
        r'class="govuk-radios__conditional govuk-radios__conditional--hidden" id="conditional-type"', html
    )
    assert hidden is not None  # the release date's reveal, its option not chosen


def test_check_your_answers_shows_only_what_applies_with_a_change_button_per_row() -> None:
    spec = form("circumstances", StepOptions())
    html = _page("check.html", spec, {"type": "transferred", "prison": "WWI", "submission_id": SUBMISSION_ID})
    assert "What has changed?" in html and "New prison" in html and "HMP Wandsworth" in html
    assert "New release date" not in html
    changes = re.findall(
        r'<button type="submit" class="tg-button-link" name="step" value="change" formaction="([^"]+)">Change<span class="govuk-visually-hidden"> ([^<]+)</span>',
        html,
    )
    assert changes == [
        ("/cases/c/circumstances#type", "what has changed?"),
        ("/cases/c/circumstances#prison", "new prison"),
    ]


def test_radios_with_a_follow_up_are_stacked_and_others_stay_inline() -> None:
    """GOV.UK: conditional reveals do not work with inline radios."""
    html = _page("form.html", form("check_in"), {})
    contact = re.search(
        r'<div class="govuk-radios[^"]*"[^>]*>\s*<div class="govuk-radios__item">\s*<input[^>]*name="contact_made"',
        html,
    )
    need = re.search(
        r'<div class="govuk-radios[^"]*"[^>]*>\s*<div class="govuk-radios__item">\s*<input[^>]*name="new_need"',
        html,
    )
    assert contact is not None and "govuk-radios--inline" in contact.group(0)
    assert need is not None and "govuk-radios--inline" not in need.group(0)
