"""The release workflow: a Standard state machine loaded from `workflows/release.asl.json`.

The ASL file is the one the local stack runs; its `${...FunctionArn}` placeholders are filled from
`throughgate.manifest.FUNCTIONS`. The state machine's role may invoke exactly the functions the
definition names. If RecordFailure itself fails, the execution fails and EventBridge's status-change
rule hands it to ExecutionEnded, which marks the case and tells the coordinators by name. Logging is
ALL without execution data (payloads hold case ids only, but history events may carry inputs), and
X-Ray traces each execution.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from throughgate.manifest import FUNCTIONS, RELEASE_WORKFLOW
from throughgate_infra import ROOT, naming
from throughgate_infra.functions import LOG_RETENTION

DEFINITION = ROOT / "workflows" / f"{RELEASE_WORKFLOW}.asl.json"


def invoked_by_workflow() -> dict[str, str]:
    """Function name -> ASL placeholder, for every function the workflow calls."""
    return {name: spec.asl_placeholder for name, spec in FUNCTIONS.items() if spec.asl_placeholder}


class Workflow(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        functions: dict[str, lambda_.Function],
    ) -> None:
        super().__init__(scope, construct_id)
        called = invoked_by_workflow()
        self.role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("states.amazonaws.com"),
            description="Throughgate release workflow: invokes its step functions",
        )
        # The definition names unqualified function ARNs, so no `:*` (versions, aliases) is needed.
        self.role.add_to_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[functions[name].function_arn for name in sorted(called)],
            )
        )
        self.log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{naming.state_machine_name(self)}",
            retention=LOG_RETENTION,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.state_machine = sfn.StateMachine(
            self,
            "Release",
            state_machine_name=naming.state_machine_name(self),
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_file(str(DEFINITION)),
            definition_substitutions={
                placeholder: functions[name].function_arn for name, placeholder in called.items()
            },
            role=self.role,
            logs=sfn.LogOptions(
                destination=self.log_group, level=sfn.LogLevel.ALL, include_execution_data=False
            ),
            tracing_enabled=True,
        )
