"""The case table: one DynamoDB table, keys and indexes from `throughgate.store.schema`."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from throughgate.store import schema
from throughgate_infra.keys import rotating_key


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Data(Construct):
    """On demand, point-in-time recovery, deletion protection, a customer-managed key with rotation,
    TTL on `expires_at` for retention. Kept (not deleted) when the stack is deleted."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.key = rotating_key(
            self, "TableKey", description="Throughgate case table (criminal-offence data)", kept=True
        )
        self.table = dynamodb.Table(
            self,
            "Cases",
            partition_key=_string(schema.PARTITION_KEY),
            sort_key=_string(schema.SORT_KEY),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=True,
            encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
            encryption_key=self.key,
            time_to_live_attribute=schema.TTL_ATTRIBUTE,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index, (partition, sort) in schema.GLOBAL_INDEXES.items():
            self.table.add_global_secondary_index(
                index_name=index,
                partition_key=_string(partition),
                sort_key=_string(sort),
                projection_type=dynamodb.ProjectionType.ALL,
            )
