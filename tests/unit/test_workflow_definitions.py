"""Static checks of workflows/release.asl.json: no AWS, just the JSON.

What runs on AWS and on the local stack is this one file, so the rules both rely on are checked here:
bounded jittered retries, every failure caught and ending in a Fail state, no blocking state inside
Map or Parallel (the local virtual clock relies on it, see throughgate_local/virtual_time.py),
placeholders that match the function manifest, a connected graph, and JSONPath only.

Each rule is a function listing the problems it finds; the real file must have none, and a broken
copy of it must show the problem (so a rule cannot silently check nothing).
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from throughgate.manifest import FUNCTIONS, RELEASE_WORKFLOW
from throughgate_local.stack import WORKFLOWS_DIR, substitute

DEFINITION_PATH = Path(__file__).resolve().parents[2] / "workflows" / f"{RELEASE_WORKFLOW}.asl.json"
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
ASL_DEFAULT_MAX_ATTEMPTS = 3
MAX_ATTEMPTS_LIMIT = 5
Definition = dict[str, Any]


@dataclass(frozen=True)
class Scope:
    """One `States` block: the top level, a Map's ItemProcessor/Iterator or a Parallel branch."""

    path: str
    start_at: str
    states: dict[str, dict[str, Any]]
    container: dict[str, Any] | None  # the Map or Parallel state holding this scope


def load() -> Definition:
    return json.loads(DEFINITION_PATH.read_text())


def scopes(block: Definition, path: str = "", container: dict[str, Any] | None = None) -> Iterator[Scope]:
    yield Scope(path or "<top>", block["StartAt"], block["States"], container)
    for name, state in block["States"].items():
        for key in ("ItemProcessor", "Iterator"):
            if key in state:
                yield from scopes(state[key], f"{path}/{name}.{key}", state)
        for index, branch in enumerate(state.get("Branches", [])):
            yield from scopes(branch, f"{path}/{name}.Branches[{index}]", state)


def all_states(definition: Definition) -> Iterator[tuple[str, Scope, dict[str, Any]]]:
    for scope in scopes(definition):
        for name, state in scope.states.items():
            yield f"{scope.path}/{name}", scope, state


def normal_successors(state: dict[str, Any]) -> set[str]:
    found = {state[k] for k in ("Next", "Default") if k in state}
    return found | {choice["Next"] for choice in state.get("Choices", [])}


def successors(state: dict[str, Any]) -> set[str]:
    return normal_successors(state) | {catcher["Next"] for catcher in state.get("Catch", [])}


def reachable(
    states: dict[str, dict[str, Any]], start: str, step: Callable[[dict[str, Any]], set[str]]
) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        name = todo.pop()
        if name in seen or name not in states:
            continue
        seen.add(name)
        todo.extend(step(states[name]))
    return seen


# -- the rules -------------------------------------------------------------------------------------
def retry_problems(definition: Definition) -> list[str]:
    problems = []
    for where, _scope, state in all_states(definition):
        if state["Type"] != "Task":
            continue
        retry = state.get("Retry")
        if not retry:
            problems.append(f"{where} has no Retry")
            continue
        last = retry[-1]
        if last.get("MaxAttempts", ASL_DEFAULT_MAX_ATTEMPTS) > MAX_ATTEMPTS_LIMIT:
            problems.append(f"{where}: the last retrier allows more than {MAX_ATTEMPTS_LIMIT} attempts")
        if last.get("JitterStrategy") != "FULL":
            problems.append(f"{where}: the last retrier has no FULL jitter")
    return problems


def catch_problems(definition: Definition) -> list[str]:
    problems = []
    for where, scope, state in all_states(definition):
        if state["Type"] != "Task" or state.get("Catch"):
            continue
        if scope.container is None or not scope.container.get("Catch"):
            problems.append(f"{where} has no Catch, nor a Map/Parallel around it with one")
    return problems


def catch_to_fail_problems(definition: Definition) -> list[str]:
    """From a Catch target, every normal path must end in a Fail state (not Succeed, End or a loop)."""
    problems = []
    for where, scope, state in all_states(definition):
        for catcher in state.get("Catch", []):
            after = reachable(scope.states, catcher["Next"], normal_successors)
            ends = {
                name
                for name in after
                if scope.states[name]["Type"] in {"Fail", "Succeed"} or scope.states[name].get("End") is True
            }
            kinds = {scope.states[name]["Type"] for name in ends}
            if kinds != {"Fail"}:
                problems.append(f"{where}: Catch -> {catcher['Next']} ends in {sorted(ends) or 'a loop'}")
    return problems


def blocking_problems(definition: Definition) -> list[str]:
    problems = []
    for where, scope, state in all_states(definition):
        if scope.container is None:
            continue
        if state["Type"] == "Wait":
            problems.append(f"{where}: a Wait inside Map/Parallel")
        if str(state.get("Resource", "")).endswith(".waitForTaskToken"):
            problems.append(f"{where}: a .waitForTaskToken inside Map/Parallel")
    return problems


def placeholder_problems(definition: Definition) -> list[str]:
    used = set(PLACEHOLDER.findall(json.dumps(definition)))
    declared = {spec.asl_placeholder for spec in FUNCTIONS.values() if spec.asl_placeholder}
    problems = [
        f"${{{name}}} is not an asl_placeholder in throughgate.manifest.FUNCTIONS" for name in used - declared
    ]
    problems += [f"${{{name}}} from the manifest is never used" for name in declared - used]
    return sorted(problems)


def target_problems(definition: Definition) -> list[str]:
    problems = []
    for scope in scopes(definition):
        if scope.start_at not in scope.states:
            problems.append(f"{scope.path}: StartAt {scope.start_at} does not exist")
        for name, state in scope.states.items():
            problems += [
                f"{scope.path}/{name} -> {target}, which does not exist"
                for target in sorted(successors(state) - set(scope.states))
            ]
            terminal = state["Type"] in {"Succeed", "Fail", "Choice"} or state.get("End") is True
            if not terminal and "Next" not in state:
                problems.append(f"{scope.path}/{name} has neither Next nor End")
    return problems


def reachability_problems(definition: Definition) -> list[str]:
    problems = []
    for scope in scopes(definition):
        unreached = set(scope.states) - reachable(scope.states, scope.start_at, successors)
        problems += [f"{scope.path}/{name} is unreachable from StartAt" for name in sorted(unreached)]
    return problems


def wait_problems(definition: Definition) -> list[str]:
    problems = []
    for where, _scope, state in all_states(definition):
        if state["Type"] != "Wait":
            continue
        if "TimestampPath" not in state:
            problems.append(f"{where} does not wait on a TimestampPath")
        problems += [
            f"{where} uses {key}" for key in sorted({"Seconds", "SecondsPath", "Timestamp"} & set(state))
        ]
    return problems


def query_language_problems(definition: Definition) -> list[str]:
    problems = []
    if definition.get("QueryLanguage", "JSONPath") != "JSONPath":
        problems.append("the definition uses JSONata")
    for where, _scope, state in all_states(definition):
        if state.get("QueryLanguage", "JSONPath") != "JSONPath":
            problems.append(f"{where} uses JSONata")
        problems += [
            f"{where} has the JSONata field {key}" for key in ("Arguments", "Output") if key in state
        ]
    return problems


def gate_timeout_problems(definition: Definition) -> list[str]:
    """Every `.waitForTaskToken` gate has a TimeoutSeconds (none waits for ever), and a timeout is
    not retried (that would open the gate again for as long) but caught, to RecordFailure."""
    problems = []
    for where, _scope, state in all_states(definition):
        if state["Type"] != "Task" or not state["Resource"].endswith(".waitForTaskToken"):
            continue
        if not isinstance(state.get("TimeoutSeconds"), int) or state["TimeoutSeconds"] <= 0:
            problems.append(f"{where} has no TimeoutSeconds")
        first = next((r for r in state.get("Retry", []) if "States.Timeout" in r["ErrorEquals"]), None)
        catching = [
            r for r in state.get("Retry", []) if set(r["ErrorEquals"]) & {"States.Timeout", "States.ALL"}
        ]
        if first is None or catching[0] is not first or first.get("MaxAttempts") != 0:
            problems.append(f"{where} retries States.Timeout")
        catch = [
            c for c in state.get("Catch", []) if set(c["ErrorEquals"]) & {"States.Timeout", "States.ALL"}
        ]
        if not catch or catch[0]["Next"] != "RecordFailure":
            problems.append(f"{where} does not catch States.Timeout to RecordFailure")
    return problems


RULES: dict[str, Callable[[Definition], list[str]]] = {
    "retry": retry_problems,
    "catch": catch_problems,
    "catch_to_fail": catch_to_fail_problems,
    "blocking": blocking_problems,
    "placeholders": placeholder_problems,
    "targets": target_problems,
    "reachability": reachability_problems,
    "wait": wait_problems,
    "query_language": query_language_problems,
    "gate_timeout": gate_timeout_problems,
}


# -- the real file ---------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def definition() -> Definition:
    return load()


def test_the_stack_loads_this_file() -> None:
    assert (WORKFLOWS_DIR / f"{RELEASE_WORKFLOW}.asl.json").resolve() == DEFINITION_PATH


def test_the_walk_sees_inside_the_map(definition: Definition) -> None:
    nested = [s for s in scopes(definition) if s.container is not None]
    assert nested, "the release workflow has a Map; the rules must look inside it"
    assert any(state["Type"] == "Task" for s in nested for state in s.states.values())


def test_every_task_retries_a_bounded_number_of_times_with_full_jitter(definition: Definition) -> None:
    assert retry_problems(definition) == []


def test_every_task_failure_is_caught(definition: Definition) -> None:
    assert catch_problems(definition) == []


def test_every_catch_leads_to_a_fail_state(definition: Definition) -> None:
    assert catch_to_fail_problems(definition) == []


def test_no_wait_or_task_token_inside_map_or_parallel(definition: Definition) -> None:
    assert blocking_problems(definition) == [], "the virtual clock (virtual_time.py) relies on this"


def test_placeholders_match_the_function_manifest(definition: Definition) -> None:
    assert PLACEHOLDER.search(DEFINITION_PATH.read_text()), (
        "the workflow calls functions through placeholders"
    )
    assert placeholder_problems(definition) == []


def test_every_next_and_default_target_exists(definition: Definition) -> None:
    assert target_problems(definition) == []


def test_every_state_is_reachable_from_start_at(definition: Definition) -> None:
    assert reachability_problems(definition) == []


def test_every_gate_times_out_into_record_failure(definition: Definition) -> None:
    assert gate_timeout_problems(definition) == []


def test_wait_states_use_timestamp_path(definition: Definition) -> None:
    assert any(state["Type"] == "Wait" for _where, _scope, state in all_states(definition))
    assert wait_problems(definition) == []


def test_the_definition_uses_jsonpath(definition: Definition) -> None:
    assert query_language_problems(definition) == []


# -- the rules catch what they are for --------------------------------------------------------------
def _map(d: Definition) -> dict[str, Any]:
    return next(s for s in d["States"].values() if s["Type"] == "Map")


def _inner_task(d: Definition) -> dict[str, Any]:
    processor = _map(d)["ItemProcessor"]
    return processor["States"][processor["StartAt"]]


def _first_catch(d: Definition) -> dict[str, Any]:
    return next(s for s in d["States"].values() if s.get("Catch"))["Catch"][0]


def _too_many_attempts(d: Definition) -> None:
    _inner_task(d)["Retry"][-1]["MaxAttempts"] = 6


def _no_jitter(d: Definition) -> None:
    del d["States"][d["StartAt"]]["Retry"][-1]["JitterStrategy"]


def _no_retry(d: Definition) -> None:
    del _inner_task(d)["Retry"]


def _map_without_catch(d: Definition) -> None:
    del _map(d)["Catch"]


def _catch_to_succeed(d: Definition) -> None:
    handler = d["States"][_first_catch(d)["Next"]]
    handler["Next"] = next(n for n, s in d["States"].items() if s["Type"] == "Succeed")


def _catch_into_loop(d: Definition) -> None:
    handler_name = _first_catch(d)["Next"]
    d["States"][handler_name]["Next"] = handler_name


def _wait_in_map(d: Definition) -> None:
    processor = _map(d)["ItemProcessor"]
    processor["States"]["Pause"] = {"Type": "Wait", "TimestampPath": "$.at", "Next": processor["StartAt"]}
    processor["StartAt"] = "Pause"


def _token_in_map(d: Definition) -> None:
    _inner_task(d)["Resource"] = "arn:aws:states:::lambda:invoke.waitForTaskToken"


def _unknown_placeholder(d: Definition) -> None:
    _inner_task(d)["Parameters"]["FunctionName"] = "${NoSuchFunctionArn}"


def _unused_placeholder(d: Definition) -> None:
    for _where, _scope, state in all_states(d):
        if state.get("Parameters", {}).get("FunctionName") == "${RecordFailureFunctionArn}":
            state["Parameters"]["FunctionName"] = "arn:aws:lambda:eu-west-2:123456789012:function:x"


def _missing_target(d: Definition) -> None:
    d["States"][d["StartAt"]]["Next"] = "Nowhere"


def _missing_default(d: Definition) -> None:
    choice = next(s for s in d["States"].values() if s["Type"] == "Choice")
    choice["Default"] = "Nowhere"


def _orphan(d: Definition) -> None:
    d["States"]["Orphan"] = {"Type": "Pass", "End": True}


def _seconds_wait(d: Definition) -> None:
    wait = next(s for s in d["States"].values() if s["Type"] == "Wait")
    del wait["TimestampPath"]
    wait["Seconds"] = 60


def _jsonata(d: Definition) -> None:
    d["QueryLanguage"] = "JSONata"


def _gate(d: Definition) -> dict[str, Any]:
    return next(s for s in d["States"].values() if s.get("Resource", "").endswith(".waitForTaskToken"))


def _gate_without_timeout(d: Definition) -> None:
    del _gate(d)["TimeoutSeconds"]


def _gate_retrying_its_timeout(d: Definition) -> None:
    _gate(d)["Retry"][0]["ErrorEquals"].remove("States.Timeout")


@pytest.mark.parametrize(
    ("rule", "breakage"),
    [
        ("retry", _too_many_attempts),
        ("retry", _no_jitter),
        ("retry", _no_retry),
        ("catch", _map_without_catch),
        ("catch_to_fail", _catch_to_succeed),
        ("catch_to_fail", _catch_into_loop),
        ("blocking", _wait_in_map),
        ("blocking", _token_in_map),
        ("placeholders", _unknown_placeholder),
        ("placeholders", _unused_placeholder),
        ("targets", _missing_target),
        ("targets", _missing_default),
        ("reachability", _orphan),
        ("wait", _seconds_wait),
        ("query_language", _jsonata),
        ("gate_timeout", _gate_without_timeout),
        ("gate_timeout", _gate_retrying_its_timeout),
    ],
    ids=lambda v: v if isinstance(v, str) else v.__name__.strip("_"),
)
def test_a_rule_finds_its_breakage(
    definition: Definition, rule: str, breakage: Callable[[Definition], None]
) -> None:
    broken = copy.deepcopy(definition)
    breakage(broken)

    assert RULES[rule](broken), f"the {rule} rule did not notice {breakage.__name__}"


# -- substitution ----------------------------------------------------------------------------------
def test_substitute_names_a_missing_placeholder() -> None:
    with pytest.raises(KeyError, match="SecondFunctionArn") as raised:
        substitute('{"a": "${FirstFunctionArn}", "b": "${SecondFunctionArn}"}', {"FirstFunctionArn": "arn:1"})
    assert "FirstFunctionArn" not in str(raised.value)


def test_substitute_fills_every_placeholder_of_the_workflow() -> None:
    values = {
        spec.asl_placeholder: f"arn:aws:lambda:eu-west-2:123456789012:function:{name}"
        for name, spec in FUNCTIONS.items()
        if spec.asl_placeholder
    }
    text = substitute(DEFINITION_PATH.read_text(), values)

    assert PLACEHOLDER.search(text) is None
    assert (
        json.loads(text)["States"][load()["StartAt"]]["Parameters"]["FunctionName"]
        == values["PlanMilestonesFunctionArn"]
    )
