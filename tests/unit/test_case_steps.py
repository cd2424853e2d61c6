"""The registry of case steps is the one table the routes, the access table, the audit words and the
gate notifications read: these tests keep it whole."""

from __future__ import annotations

import pytest

from throughgate.domain.case_steps import ALLOWED, BY_GATE, CASE_STEPS, READ_ROUTES, Act, CaseStep, Gate, Role
from throughgate.handlers.auditing import route_template
from throughgate.web.forms import FORMS, form


def test_every_act_has_the_roles_allowed_it() -> None:
    assert set(ALLOWED) == set(Act)
    assert all(Role.SYSTEM not in roles for roles in ALLOWED.values())  # the system is never a person


def test_addresses_and_keys_are_unique() -> None:
    for attribute in ("key", "path", "api_address", "act"):
        values = [getattr(step, attribute) for step in CASE_STEPS]
        assert len(values) == len(set(values)), attribute


def test_every_gate_has_one_step_and_an_owner_who_is_told() -> None:
    assert set(BY_GATE) == set(Gate)
    for step in CASE_STEPS:
        assert (step.gate is None) == (step.gate_owner is None), step.key
    assert all(BY_GATE[gate].gate_owner in {Role.COORDINATOR, Role.MENTOR} for gate in Gate)


def test_no_manager_takes_a_step() -> None:
    assert all(Role.MANAGER not in step.roles for step in CASE_STEPS)


@pytest.mark.parametrize("step", CASE_STEPS, ids=lambda s: s.key)
def test_each_step_names_a_model_an_action_and_a_form_that_exist(step: CaseStep) -> None:
    model = step.input_model()
    assert callable(step.run())
    assert step.key in FORMS
    assert form(step.key).model is model, "the web form validates the same model as the API"


@pytest.mark.parametrize("step", CASE_STEPS, ids=lambda s: s.key)
def test_each_address_has_audit_words(step: CaseStep) -> None:
    """The audit trail keeps the fixed words of an address; an unknown word would be `{other}`."""
    for address in {step.path, step.api_address}:
        rest = f"/{address}/some-task" if step.per_task else f"/{address}"
        template = route_template(rest)
        assert "{other}" not in template, template


@pytest.mark.parametrize("word", sorted(READ_ROUTES))
def test_each_read_route_has_audit_words(word: str) -> None:
    assert route_template(f"/{word}") == f"/{word}"


def test_the_simulated_people_answer_every_gate_through_its_step() -> None:
    from throughgate_local.simulation import people

    for gate, step in BY_GATE.items():
        assert callable(getattr(people.Simulation, f"_answer_{step.key}", None)), gate


@pytest.mark.parametrize(
    ("key", "banner"),
    [
        ("check_in", "Check-in saved"),
        ("restart", "The workflow has restarted"),
        ("appointment", "Appointment saved"),
        ("resolve", "Escalation resolved"),
        ("referral", "Referral saved"),
        ("<script>", None),
    ],
)
def test_the_saved_banner_reads_as_the_step_says_it(key: str, banner: str | None) -> None:
    from throughgate.domain.case_steps import saved_words

    assert saved_words(key) == banner
