"""CloudWatch alarms for whoever runs the service: failed workflow executions, Lambda errors per
function, anything in a dead-letter or failed-invocation queue, effects still pending 15 minutes
after their change (added by outbox.py) and the month's text messages nearing their budget (added
by texts.py). They notify an operations topic of their own, encrypted with a key CloudWatch may use."""

from __future__ import annotations

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as actions
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sqs as sqs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct

from throughgate_infra import naming
from throughgate_infra.keys import rotating_key

PERIOD = Duration.minutes(5)


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
    ) -> None:
        super().__init__(scope, construct_id)
        key = rotating_key(self, "TopicKey", description="Throughgate operations alarms topic")
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("cloudwatch.amazonaws.com")],
                actions=["kms:Decrypt", "kms:GenerateDataKey"],
                resources=["*"],  # in a key policy, "*" is this key
            )
        )
        self.topic = encrypted_topic(self, "Topic", name="alarms", display_name="Throughgate alarms", key=key)
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

    def alarm(
        self, construct_id: str, metric: cloudwatch.IMetric, description: str, *, threshold: float = 1
    ) -> cloudwatch.Alarm:
        """At least `threshold` (1) in one period fires it; no data is not a breach. Notifies the
        operations topic."""
        created = cloudwatch.Alarm(
            self,
            construct_id,
            metric=metric,
            threshold=threshold,
            evaluation_periods=1,
            comparison_operator=cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
            treat_missing_data=cloudwatch.TreatMissingData.NOT_BREACHING,
            alarm_description=description,
        )
        created.add_alarm_action(self._action)
        self.alarms.append(created)
        return created
