"""Backups beyond point-in-time recovery's 35 days, and a guard on the key both tables depend on.

- An AWS Backup plan for the case and audit tables: a daily backup kept 35 days and a monthly one
  kept 7 years (the audit trail's retention), in a vault of their own with a vault lock: after
  LOCK_CHANGEABLE_FOR the lock cannot be changed or removed (compliance mode), and no one, the
  account's root included, can delete a recovery point before its retention ends. The vault is kept
  when the stack is deleted (a vault holding recovery points cannot be deleted anyway).
- The tables' key policy denies kms:ScheduleKeyDeletion and kms:DisableKey to every principal but a
  break-glass role of this stack (assumable from the account with MFA only): a lost key is every
  table, backup and secret under it lost.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_backup as backup
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_events as events
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

from throughgate_infra import naming

DAILY_KEPT = Duration.days(35)
MONTHLY_KEPT = Duration.days(7 * 365 + 2)  # the audit trail's 7 years, leap days included
LOCK_CHANGEABLE_FOR = Duration.days(3)  # after this the vault lock is immutable
GUARDED_KEY_ACTIONS = ["kms:ScheduleKeyDeletion", "kms:DisableKey"]


def break_glass_role_name(scope: Construct) -> str:
    return f"{naming.prefix(scope)}-break-glass"


class Backup(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        tables: list[dynamodb.ITable],
        key: kms.Key,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.vault = backup.BackupVault(
            self,
            "Vault",
            backup_vault_name=f"{naming.prefix(self)}-tables",
            encryption_key=key,
            lock_configuration=backup.LockConfiguration(
                min_retention=DAILY_KEPT, max_retention=MONTHLY_KEPT, changeable_for=LOCK_CHANGEABLE_FOR
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        self.plan = backup.BackupPlan(
            self,
            "Plan",
            backup_plan_name=f"{naming.prefix(self)}-tables",
            backup_vault=self.vault,
            backup_plan_rules=[
                backup.BackupPlanRule(
                    rule_name="Daily",
                    schedule_expression=events.Schedule.cron(hour="3", minute="0"),
                    delete_after=DAILY_KEPT,
                ),
                backup.BackupPlanRule(
                    rule_name="Monthly",
                    schedule_expression=events.Schedule.cron(day="1", hour="4", minute="0"),
                    delete_after=MONTHLY_KEPT,
                ),
            ],
        )
        self.selection = self.plan.add_selection(
            "Tables",
            resources=[backup.BackupResource.from_dynamo_db_table(table) for table in tables],
            allow_restores=False,  # restoring is a person's decision (docs/restore.md), with their own rights
        )
        # A fixed name, so the key policy can name it without a dependency cycle (its policy names
        # the key).
        self.break_glass = iam.Role(
            self,
            "BreakGlass",
            role_name=break_glass_role_name(self),
            description="The only principal that may disable or schedule the deletion of the tables' key",
            assumed_by=iam.AccountRootPrincipal().with_conditions(
                {"Bool": {"aws:MultiFactorAuthPresent": "true"}}
            ),
            max_session_duration=Duration.hours(1),
        )
        self.break_glass.add_to_policy(
            iam.PolicyStatement(
                actions=[*GUARDED_KEY_ACTIONS, "kms:CancelKeyDeletion", "kms:EnableKey"],
                resources=[key.key_arn],
            )
        )
        key.add_to_resource_policy(
            iam.PolicyStatement(
                sid="OnlyBreakGlassMayDisableOrDeleteThisKey",
                effect=iam.Effect.DENY,
                principals=[iam.AnyPrincipal()],
                actions=GUARDED_KEY_ACTIONS,
                resources=["*"],  # in a key policy, "*" is this key
                conditions={
                    "ArnNotEquals": {
                        "aws:PrincipalArn": stack.format_arn(
                            service="iam",
                            region="",
                            resource="role",
                            resource_name=break_glass_role_name(self),
                        )
                    }
                },
            )
        )
