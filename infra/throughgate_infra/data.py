"""The case table and the audit table: DynamoDB, keys and indexes from `throughgate.store.schema`;
the case table's stream (new images) feeds the outbox's carrier.

After a restore (docs/restore.md) the stack can use restored tables by name instead of its own:
context `restored_cases_table` (with `restored_cases_stream_arn`, the restored table's stream) and
`restored_audit_table`. The stack then refers to them without owning them (the tables it made stay,
kept by their retention policy); their settings are made by the commands in docs/restore.md."""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from constructs import Construct

from throughgate.store import schema
from throughgate_infra.keys import rotating_key


def _string(name: str) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=name, type=dynamodb.AttributeType.STRING)


def _kept_table(
    scope: Construct,
    construct_id: str,
    *,
    key: kms.IKey,
    partition: str,
    sort: str,
    stream: dynamodb.StreamViewType | None = None,
) -> dynamodb.Table:
    """On demand, point-in-time recovery, deletion protection, the customer-managed key, TTL on
    `expires_at` for retention; kept (not deleted) when the stack is deleted."""
    return dynamodb.Table(
        scope,
        construct_id,
        partition_key=_string(partition),
        sort_key=_string(sort),
        billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
        point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
            point_in_time_recovery_enabled=True
        ),
        deletion_protection=True,
        encryption=dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryption_key=key,
        time_to_live_attribute=schema.TTL_ATTRIBUTE,
        stream=stream,
        removal_policy=RemovalPolicy.RETAIN,
    )


RESTORED_CASES = "restored_cases_table"
RESTORED_CASES_STREAM = "restored_cases_stream_arn"
RESTORED_AUDIT = "restored_audit_table"


class Data(Construct):
    """The cases (one table, the indexes the access patterns need) and the audit trail (its own
    table, one partition per case, so that what may change cases cannot change the trail: the
    functions' roles may only add to it and read it)."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.key = rotating_key(
            self,
            "TableKey",
            description="Throughgate case and audit tables (criminal-offence data)",
            kept=True,
        )
        # The stream hands each new effect (the outbox) to CarryOutEffects: new images only, under
        # the table's key, kept 24 hours by DynamoDB (see outbox.py).
        self.table: dynamodb.ITable
        self.audit_table: dynamodb.ITable
        restored_cases = self.node.try_get_context(RESTORED_CASES)
        if restored_cases:
            stream = self.node.try_get_context(RESTORED_CASES_STREAM)
            if not stream:
                raise ValueError(
                    f"{RESTORED_CASES} needs {RESTORED_CASES_STREAM}: the outbox reads its stream"
                )
            self.table = dynamodb.Table.from_table_attributes(
                self,
                "RestoredCases",
                table_name=str(restored_cases),
                table_stream_arn=str(stream),
                encryption_key=self.key,
                global_indexes=list(schema.GLOBAL_INDEXES),
            )
        else:
            cases = _kept_table(
                self,
                "Cases",
                key=self.key,
                partition=schema.PARTITION_KEY,
                sort=schema.SORT_KEY,
                stream=dynamodb.StreamViewType.NEW_IMAGE,
            )
            for index, (partition, sort) in schema.GLOBAL_INDEXES.items():
                cases.add_global_secondary_index(
                    index_name=index,
                    partition_key=_string(partition),
                    sort_key=_string(sort),
                    projection_type=dynamodb.ProjectionType.ALL,
                )
            self.table = cases
        restored_audit = self.node.try_get_context(RESTORED_AUDIT)
        if restored_audit:
            self.audit_table = dynamodb.Table.from_table_attributes(
                self, "RestoredAudit", table_name=str(restored_audit), encryption_key=self.key
            )
        else:
            self.audit_table = _kept_table(
                self,
                "Audit",
                key=self.key,
                partition=schema.AUDIT_PARTITION_KEY,
                sort=schema.AUDIT_SORT_KEY,
            )
