"""CloudWatch alarms for whoever runs the service: failed workflow executions, Lambda errors per
function and throttles, anything in a dead-letter or failed-invocation queue, the oldest waiting
prison event, 5XX answers and slow answers from either API, a daily sweep that did not run,
schedules EventBridge Scheduler gave up on, DynamoDB throttling, effects still pending 15 minutes
after their change (added by outbox.py) and the month's text messages nearing their budget (added
by texts.py). They notify an operations topic of their own, encrypted with a key CloudWatch may
use; its policy lets CloudWatch publish for this account's alarms only (enforce_ssl writes a policy
that replaces SNS's default one). An e-mail address in the `alarm_email` context value is
subscribed to it."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from throughgate_infra import naming
from throughgate_infra.keys import rotating_key

PERIOD = Duration.minutes(5)
ALARM_EMAIL_CONTEXT = "alarm_email"
API_LATENCY_P99_MS = 5000  # the Web and Api functions time out at 20 s; a page should take well under 1
OLDEST_PRISON_EVENT_SECONDS = 3600  # the feed's events are handled within seconds; an hour is stuck
SWEEP = "DailySweep"


def encrypted_topic(
    scope: Construct, construct_id: str, *, name: str, display_name: str, key: kms.IKey
) -> sns.Topic:
    """A standard topic of the stack, named `<stack>-<name>`: under its own key, TLS only."""
    return sns.Topic(
        scope,
        construct_id,
        topic_name=f"{naming.prefix(scope)}-{name}",
        display_name=display_name,
        master_key=key,
        enforce_ssl=True,
    )


class Alarms(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        state_machine: sfn.StateMachine,
        functions: dict[str, lambda_.Function],
        queues: dict[str, sqs.Queue],
        prison_events: sqs.Queue,
        apis: Mapping[str, apigw.RestApi],
        tables: dict[str, dynamodb.ITable],
        schedule_group: scheduler.ScheduleGroup,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        # CloudWatch publishes for the alarms of this account only (the confused-deputy conditions).
        self.alarms_of_this_account = {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {
                "aws:SourceArn": stack.format_arn(
                    service="cloudwatch",
                    resource="alarm",
                    resource_name="*",
                    arn_format=ArnFormat.COLON_RESOURCE_NAME,
                )
            },
        }
        key = rotating_key(self, "TopicKey", description="Throughgate operations alarms topic")
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions=self.alarms_of_this_account,
            )
        )
        self.topic = encrypted_topic(self, "Topic", name="alarms", display_name="Throughgate alarms", key=key)
        self.topic.add_to_resource_policy(
            iam.PolicyStatement(
                sid="CloudWatchAlarmsOfThisAccountPublish",
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["sns:Publish"],
                resources=[self.topic.topic_arn],
                conditions=self.alarms_of_this_account,
            )
        )
        email = self.node.try_get_context(ALARM_EMAIL_CONTEXT)
        self.email_subscription = (
            self.topic.add_subscription(subscriptions.EmailSubscription(str(email))) if email else None
        )
        self._action = actions.SnsAction(self.topic)
        self.alarms: list[cloudwatch.Alarm] = []
        self.alarm(
            "ExecutionsFailed",
            state_machine.metric_failed(period=PERIOD, statistic="Sum"),
            "A release workflow execution failed (the case shows the error; the coordinator was told)",
        )
        self.alarm(
            "ExecutionsTimedOut",
            state_machine.metric_timed_out(period=PERIOD, statistic="Sum"),
            "A release workflow execution timed out",
        )
        for name, function in functions.items():
            self.alarm(
                f"{name}Errors",
                function.metric_errors(period=PERIOD, statistic="Sum"),
                f"The {name} function returned errors",
            )
        for name, queue in queues.items():
            self.alarm(
                f"{name}Depth",
                queue.metric_approximate_number_of_messages_visible(period=PERIOD, statistic="Maximum"),
                f"Messages are waiting in {name}: look at them and redrive or discard",
            )
        self.alarm(
            "PrisonEventsOldest",
            prison_events.metric_approximate_age_of_oldest_message(period=PERIOD, statistic="Maximum"),
            f"A prison event has waited over {OLDEST_PRISON_EVENT_SECONDS // 60} minutes: is PrisonEvents "
            "failing or throttled?",
            threshold=OLDEST_PRISON_EVENT_SECONDS,
        )
        for name, api in apis.items():
            self.alarm(
                f"{name}ServerErrors",
                api.metric_server_error(period=PERIOD, statistic="Sum"),
                f"The {name} API answered 5XX (a function error, timeout or throttle behind it)",
            )
            self.alarm(
                f"{name}Latency",
                api.metric_latency(period=PERIOD, statistic="p99"),
                f"The slowest 1% of the {name} API's answers took over {API_LATENCY_P99_MS / 1000:g} "
                "seconds, three periods running",
                threshold=API_LATENCY_P99_MS,
                evaluation_periods=3,
            )
        # Account-wide (no FunctionName): one alarm rather than one per function.
        self.alarm(
            "LambdaThrottles",
            cloudwatch.Metric(
                namespace="AWS/Lambda", metric_name="Throttles", period=PERIOD, statistic="Sum"
            ),
            "Lambda throttled invocations in this region (the account's concurrency is used up)",
        )
        # The sweep runs once a day at 06:00 UTC: no invocation in a day (and no data) is a breach.
        self.alarm(
            "DailySweepDidNotRun",
            functions[SWEEP].metric_invocations(period=Duration.days(1), statistic="Sum"),
            "The daily sweep did not run in the last day: overdue tasks and missed check-ins are not "
            "being chased (is its EventBridge rule enabled?)",
            comparison=cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
            missing=cloudwatch.TreatMissingData.BREACHING,
        )
        self.alarm(
            "SchedulesDropped",
            schedule_group.metric_dropped(period=PERIOD, statistic="Sum"),
            "EventBridge Scheduler gave up on an outcome follow-up or a workflow start after its "
            "retries: find the case by the schedule's name (outcome-<case>, start-<case>)",
        )
        throttles = {
            f"{kind[0].lower()}{name}": table.metric(f"{kind}ThrottleEvents", period=PERIOD, statistic="Sum")
            for name, table in tables.items()
            for kind in ("Read", "Write")
        }
        self.alarm(
            "TableThrottles",
            cloudwatch.MathExpression(
                expression=" + ".join(throttles),
                using_metrics=throttles,
                period=PERIOD,
                label="throttle events",
            ),
            "DynamoDB throttled reads or writes of the case or audit table",
        )

    def alarm(
        self,
        construct_id: str,
        metric: cloudwatch.IMetric,
        description: str,
        *,
        threshold: float = 1,
        evaluation_periods: int = 1,
        comparison: cloudwatch.ComparisonOperator = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        missing: cloudwatch.TreatMissingData = cloudwatch.TreatMissingData.NOT_BREACHING,
    ) -> cloudwatch.Alarm:
        """By default at least 1 in one period fires it and no data is not a breach. Notifies the
        operations topic."""
        created = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=evaluation_periods,
            comparison_operator=comparison,
            treat_missing_data=missing,
            alarm_description=description,
        )
        created.add_alarm_action(self._action)
        self.alarms.append(created)
        return created
