"""Physical names and ARNs that are known before the resources exist.

Every function's environment names the state machine and the OutcomeDue function, while the state
machine's definition names the functions: referring to the resources themselves would make
CloudFormation cycles (and OutcomeDue would refer to itself). Fixed names, with ARNs formatted from
them, break those cycles; they are prefixed with the stack name so two stacks can share an account.
"""

from __future__ import annotations

from aws_cdk import ArnFormat, Stack
from constructs import Construct

from throughgate.manifest import RELEASE_WORKFLOW


def prefix(scope: Construct) -> str:
    return Stack.of(scope).stack_name


def function_name(scope: Construct, name: str) -> str:
    return f"{prefix(scope)}-{name}"


def function_arn(scope: Construct, name: str) -> str:
    return Stack.of(scope).format_arn(
        service="lambda",
        resource="function",
        resource_name=function_name(scope, name),
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def state_machine_name(scope: Construct, workflow: str = RELEASE_WORKFLOW) -> str:
    return f"{prefix(scope)}-{workflow}"


def state_machine_arn(scope: Construct, workflow: str = RELEASE_WORKFLOW) -> str:
    return Stack.of(scope).format_arn(
        service="states",
        resource="stateMachine",
        resource_name=state_machine_name(scope, workflow),
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def executions_arn(scope: Construct, workflow: str = RELEASE_WORKFLOW) -> str:
    """Every execution of the state machine (StopExecution acts on executions, not on the machine)."""
    return Stack.of(scope).format_arn(
        service="states",
        resource="execution",
        resource_name=f"{state_machine_name(scope, workflow)}:*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def schedule_group_name(scope: Construct) -> str:
    return f"{prefix(scope)}-outcomes"
