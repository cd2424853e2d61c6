"""What happens without a person: the daily sweep, the outcome follow-up schedules, the prison-events
feed, and where failed deliveries end up.

- Daily sweep: an EventBridge rule at 06:00 UTC invoking DailySweep (`scheduled_rule`, which the
  outbox's 5-minute reconcile rule in outbox.py uses too).
- Outcome follow-ups: one-time EventBridge Scheduler schedules, created at release by OnReleased in
  their own schedule group; the workflow's start at the pre-release window (docs/adr/0007): a
  one-time schedule in the same group, made at consent (or moved by a new release date). The role
  they run as may invoke OutcomeDue and StartWorkflow and nothing else.
- Prison events: an SQS queue (KMS, TLS only) feeding PrisonEvents with partial batch failures; a
  message that fails three times goes to the dead-letter queue, and the function, told the count
  (MAX_RECEIVE_COUNT), keeps it for the coordinators on its last delivery.
- Failed asynchronous invocations of the scheduled functions go to their own queue.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_events as events
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from throughgate.domain.unapplied import KEPT_DAYS
from throughgate_infra import naming
from throughgate_infra.functions import SIZING
from throughgate_infra.keys import rotating_key

MAX_RECEIVE_COUNT = 3
# SQS's maximum: a coordinator has two weeks to look at a dead letter (the copy they see, in the
# case table, expires with it).
RETENTION = Duration.days(KEPT_DAYS)
SWEEP_AT = events.Schedule.cron(minute="0", hour="6")  # UTC, before the working day


class Events(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.key = rotating_key(self, "QueueKey", description="Throughgate prison-events and failure queues")
        self.dead_letter_queue = self._queue("PrisonEventsDeadLetters", "prison-events-dlq")
        self.prison_events = self._queue(
            "PrisonEvents",
            "prison-events",
            # AWS's advice for an SQS event source: six times the function's timeout.
            visibility_timeout=Duration.seconds(6 * SIZING["PrisonEvents"].timeout_seconds),
            dead_letter_queue=sqs.DeadLetterQueue(
                max_receive_count=MAX_RECEIVE_COUNT, queue=self.dead_letter_queue
            ),
        )
        self.failed_invocations = self._queue("FailedInvocations", "failed-invocations")
        self.sweep_rule_name = f"{naming.prefix(self)}-daily-sweep"

        # Deleted with the stack, and its schedules with it: they would invoke a function that is
        # gone, and a kept group's fixed name would stop the next deploy.
        self.schedule_group = scheduler.ScheduleGroup(
            self,
            "OutcomeSchedules",
            schedule_group_name=naming.schedule_group_name(self),
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.scheduler_role = iam.Role(
            self,
            "SchedulerRole",
            description="Runs the one-time schedules: may invoke OutcomeDue and StartWorkflow only",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={
                    "StringEquals": {"aws:SourceAccount": stack.account},
                    "ArnEquals": {"aws:SourceArn": self.schedule_group.schedule_group_arn},
                },
            ),
        )
        self.scheduler_role.add_to_policy(
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[
                    naming.function_arn(self, "OutcomeDue"),
                    naming.function_arn(self, "StartWorkflow"),
                ],
            )
        )

    def _queue(self, construct_id: str, name: str, **props: object) -> sqs.Queue:
        return sqs.Queue(
            self,
            construct_id,
            queue_name=f"{naming.prefix(self)}-{name}",
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=self.key,
            data_key_reuse=Duration.hours(1),
            enforce_ssl=True,
            retention_period=RETENTION,
            **props,  # type: ignore[arg-type]
        )

    def connect(self, functions: dict[str, lambda_.Function]) -> None:
        """Wire the triggers once the functions exist (they need the queue and role names first)."""
        functions["PrisonEvents"].add_event_source(
            sources.SqsEventSource(
                self.prison_events,
                batch_size=10,
                max_batching_window=Duration.seconds(5),
                report_batch_item_failures=True,
                max_concurrency=5,
            )
        )
        # So the function knows a message's last delivery (the count SQS moves it aside after).
        functions["PrisonEvents"].add_environment("MAX_RECEIVE_COUNT", str(MAX_RECEIVE_COUNT))
        self.scheduled_rule(
            self,
            "DailySweep",
            rule_name=self.sweep_rule_name,
            description="Chase overdue tasks and missed check-ins every morning",
            schedule=SWEEP_AT,
            function=functions["DailySweep"],
        )
        # A release workflow that ends without succeeding in a way no Catch sees (Step Functions'
        # one-year limit, a stop from the console): ExecutionEnded marks the case and tells a
        # coordinator, unless the stop was ours (a plan change, an exit, an erasure).
        self.scheduled_rule(
            self,
            "ExecutionEnded",
            rule_name=f"{naming.prefix(self)}-execution-ended",
            description="Tell the coordinators when a release workflow fails, times out or is stopped",
            event_pattern=events.EventPattern(
                source=["aws.states"],
                detail_type=["Step Functions Execution Status Change"],
                detail={
                    "status": ["FAILED", "TIMED_OUT", "ABORTED"],
                    "stateMachineArn": [naming.state_machine_arn(self)],
                },
            ),
            function=functions["ExecutionEnded"],
        )
        self.keep_failed_invocations(functions["OutcomeDue"])  # run by the outcome schedules
        self.keep_failed_invocations(functions["StartWorkflow"])  # run by the start schedules
        self.scheduled_rule(
            self,
            "SendReminders",
            rule_name=f"{naming.prefix(self)}-text-reminders",
            description="Send the text reminders of appointments now due to clients who agreed",
            schedule=events.Schedule.rate(Duration.minutes(15)),
            function=functions["SendReminders"],
        )
        # Invoked asynchronously by SNS, from the topic of clients' text replies (texts.py).
        self.keep_failed_invocations(functions["InboundTexts"])

    def scheduled_rule(
        self,
        scope: Construct,
        construct_id: str,
        *,
        rule_name: str,
        description: str,
        function: lambda_.Function,
        schedule: events.Schedule | None = None,
        event_pattern: events.EventPattern | None = None,
    ) -> events.Rule:
        """An EventBridge rule invoking `function` on a schedule (or on the events it matches), as
        the daily sweep's: two retries by EventBridge, then the failed-invocations queue; the
        function's own failures, after Lambda's retries, go there too."""
        rule_arn = Stack.of(self).format_arn(service="events", resource="rule", resource_name=rule_name)
        rule = events.Rule(
            scope,
            construct_id,
            rule_name=rule_name,
            description=description,
            schedule=schedule,
            event_pattern=event_pattern,
            targets=[
                targets.LambdaFunction(function, retry_attempts=2, dead_letter_queue=self.failed_invocations)
            ],
        )
        # EventBridge puts the rule's undeliverable events on the (encrypted) failed-invocations queue.
        self.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("events.amazonaws.com")],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],  # in a key policy, "*" is this key
                # The rule's ARN by name: referring to the rule would make a cycle through the
                # function's role, which may use this key.
                conditions={"ArnEquals": {"aws:SourceArn": rule_arn}},
            )
        )
        self.keep_failed_invocations(function)
        return rule

    def keep_failed_invocations(self, function: lambda_.Function) -> None:
        """Asynchronous invocations (a scheduled rule, the one-time schedules) that still fail after
        Lambda's two retries (its default, within six hours) land on the failed-invocations queue,
        with exact grants (CDK's own dead-letter grant uses `kms:GenerateDataKey*` and `kms:ReEncrypt*`)."""
        cfn = function.node.default_child
        assert isinstance(cfn, lambda_.CfnFunction)
        cfn.dead_letter_config = lambda_.CfnFunction.DeadLetterConfigProperty(
            target_arn=self.failed_invocations.queue_arn
        )
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["sqs:SendMessage"], resources=[self.failed_invocations.queue_arn])
        )
        function.add_to_role_policy(
            iam.PolicyStatement(actions=["kms:GenerateDataKey", "kms:Decrypt"], resources=[self.key.key_arn])
        )
