"""Which Lambda functions exist, their handlers, and the ASL placeholder each one fills.

Read by the local stack and by the CDK app, so the two cannot disagree about what runs where.
"""

from typing import Final, NamedTuple


class FunctionSpec(NamedTuple):
    handler: str
    asl_placeholder: str | None  # `${...}` name in workflows/release.asl.json, if the workflow calls it


_STEPS = "throughgate.handlers.workflow_steps"

FUNCTIONS: Final[dict[str, FunctionSpec]] = {
    "PlanMilestones": FunctionSpec(f"{_STEPS}.plan_milestones", "PlanMilestonesFunctionArn"),
    "OpenGate": FunctionSpec(f"{_STEPS}.open_gate", "OpenGateFunctionArn"),
    "ListNeeds": FunctionSpec(f"{_STEPS}.list_needs", "ListNeedsFunctionArn"),
    "CreateAreaTasks": FunctionSpec(f"{_STEPS}.create_area_tasks", "CreateAreaTasksFunctionArn"),
    "AdvanceStage": FunctionSpec(f"{_STEPS}.advance_stage", "AdvanceStageFunctionArn"),
    "RaiseEscalation": FunctionSpec(f"{_STEPS}.raise_escalation", "RaiseEscalationFunctionArn"),
    "OnReleased": FunctionSpec(f"{_STEPS}.on_released", "OnReleasedFunctionArn"),
    "PlanCheckIn": FunctionSpec(f"{_STEPS}.plan_check_in", "PlanCheckInFunctionArn"),
    "RecordFailure": FunctionSpec(f"{_STEPS}.record_failure", "RecordFailureFunctionArn"),
    "OutcomeDue": FunctionSpec(f"{_STEPS}.outcome_due", None),
    "ExecutionEnded": FunctionSpec(f"{_STEPS}.execution_ended", None),
    # Run by the one-time schedule that starts the release workflow when the pre-release window opens.
    "StartWorkflow": FunctionSpec(f"{_STEPS}.start_workflow", None),
    "DailySweep": FunctionSpec("throughgate.handlers.sweep.handler", None),
    "PrisonEvents": FunctionSpec("throughgate.handlers.prison_events.handler", None),
    "CarryOutEffects": FunctionSpec("throughgate.handlers.effects.stream", None),
    "ReconcileEffects": FunctionSpec("throughgate.handlers.effects.reconcile", None),
    "SendReminders": FunctionSpec("throughgate.handlers.texts.send_reminders", None),
    "InboundTexts": FunctionSpec("throughgate.handlers.texts.inbound", None),
    "Api": FunctionSpec("throughgate.handlers.api.handler", None),
    "Web": FunctionSpec("throughgate.handlers.web.handler", None),
    "SignIn": FunctionSpec("throughgate.handlers.sign_in.handler", None),
    "Authorizer": FunctionSpec("throughgate.handlers.authorizer.handler", None),
}

RELEASE_WORKFLOW: Final = "release"
