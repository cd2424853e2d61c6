"""The outbox's carriers (throughgate.handlers.effects) and the alarm on what they cannot finish.

A change is saved with its effects (`EFFECT#` items in the case table, in the `open_items` index
while pending) and the function that saved them carries them out at once, deleting each one done.
What it could not carry out is tried again by:

- CarryOutEffects, from the case table's stream: new effect items only (an event filter), ten
  records a batch. The handler never reports a failed record: a failed effect stays pending in the
  table, so a batch that errors is retried twice (halved each time), then left to the reconciler.
- ReconcileEffects, every 5 minutes (an EventBridge rule as the daily sweep's): every effect
  pending for more than a minute, oldest first. It publishes `PendingEffectsOverdue`, how many
  effects still failed 15 minutes after their change, and an operations alarm fires on the first.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as sources
from aws_cdk.aws_events import Schedule
from constructs import Construct

from throughgate.store import schema
from throughgate_infra import naming
from throughgate_infra.alarms import PERIOD, Alarms
from throughgate_infra.events import Events
from throughgate_infra.functions import POWERTOOLS_ENVIRONMENT, service_name

EFFECT_PREFIX = "EFFECT#"
"""The sort key of every effect item (`throughgate.store.mapping.effect_item`; a test checks)."""
RECONCILE_EVERY = Duration.minutes(5)
OVERDUE_METRIC = "PendingEffectsOverdue"
STREAM_BATCH_SIZE = 10
STREAM_RETRIES = 2


def new_effects() -> Mapping[str, Any]:
    """Stream records of effect items just saved: not their updates (a failed attempt counted) nor
    their deletion (carried out), nor any other item of the table."""
    return lambda_.FilterCriteria.filter(
        {
            "eventName": lambda_.FilterRule.is_equal("INSERT"),
            "dynamodb": {"Keys": {schema.SORT_KEY: {"S": lambda_.FilterRule.begins_with(EFFECT_PREFIX)}}},
        }
    )


class Outbox(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        table: dynamodb.ITable,
        functions: dict[str, lambda_.Function],
        events: Events,
        alarms: Alarms,
    ) -> None:
        super().__init__(scope, construct_id)
        # CDK grants the stream reads (DescribeStream, GetRecords, GetShardIterator on this table's
        # stream, ListStreams, which has no resource-level permission) and the table key's Decrypt.
        functions["CarryOutEffects"].add_event_source(
            sources.DynamoEventSource(
                table,
                starting_position=lambda_.StartingPosition.LATEST,
                batch_size=STREAM_BATCH_SIZE,
                bisect_batch_on_error=True,
                retry_attempts=STREAM_RETRIES,
                filters=[new_effects()],
            )
        )
        reconciler = "ReconcileEffects"
        self.rule = events.scheduled_rule(
            self,
            "Reconcile",
            rule_name=f"{naming.prefix(self)}-reconcile-effects",
            description="Carry out the effects still pending after their change (the outbox)",
            schedule=Schedule.rate(RECONCILE_EVERY),
            function=functions[reconciler],
        )
        # As powertools' Metrics emits it: the function's namespace and one dimension, `service`,
        # its POWERTOOLS_SERVICE_NAME. One value a run; the largest of the period.
        self.overdue = cloudwatch.Metric(
            namespace=POWERTOOLS_ENVIRONMENT["POWERTOOLS_METRICS_NAMESPACE"],
            metric_name=OVERDUE_METRIC,
            dimensions_map={"service": service_name(reconciler)},
            period=PERIOD,
            statistic="Maximum",
        )
        alarms.alarm(
            OVERDUE_METRIC,
            self.overdue,
            "Effects of saved changes (resume a gate, start or stop a workflow, notify, schedule or "
            "cancel the outcome follow-up) still fail 15 minutes after their change: the "
            "ReconcileEffects log names each case, effect and error type. No data (the reconciler "
            "did not run) is not a breach: its Errors alarm covers that.",
        )
