"""What a coordinator reads when the workflow stopped because nobody answered a gate in time."""

from __future__ import annotations

import pytest

from throughgate.domain.case_steps import Gate
from throughgate.domain.escalation import timed_out_gate, workflow_failure, workflow_stopped_words


@pytest.mark.parametrize(
    ("gate", "words"),
    [
        (Gate.ASSESSMENT, "The workflow stopped: nobody answered the pre-release assessment step in time"),
        (Gate.CHECK_IN, "The workflow stopped: nobody answered the check-in step in time"),
        (Gate.HANDOVER, "The workflow stopped: nobody answered the handover step in time"),
    ],
)
def test_a_timed_out_gate_is_named_in_the_coordinators_words(gate: Gate, words: str) -> None:
    failure = workflow_failure("States.Timeout", gate)

    assert failure == f"States.Timeout:{gate.value}"
    assert timed_out_gate(failure) is gate
    assert workflow_stopped_words(failure) == words


@pytest.mark.parametrize(
    "error", ["InjectedFault", "States.Timeout", "Sandbox.Timedout", "States.Timeout:nonsense"]
)
def test_any_other_failure_just_stopped_the_workflow(error: str) -> None:
    failure = workflow_failure(error, None)

    assert failure == error
    assert timed_out_gate(failure) is None
    assert workflow_stopped_words(failure) == "The workflow stopped"
