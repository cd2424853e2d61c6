"""The case table: one DynamoDB table, keys and indexes from `throughgate.store.schema`."""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from throughgate.store import schema


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


class Data(Construct):
    """On demand, point-in-time recovery, deletion protection, a customer-managed key with rotation,
    TTL on `expires_at` for retention. Kept (not deleted) when the stack is deleted."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.key = kms.Key(
            self,
            "TableKey",
            description="Throughgate case table (criminal-offence data)",
            enable_key_rotation=True,
            rotation_period=Duration.days(365),
            removal_policy=RemovalPolicy.RETAIN,
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
