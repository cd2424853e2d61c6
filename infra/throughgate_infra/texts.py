"""Text reminders to clients (throughgate.logic.reminders): the way their replies come in, and the
alarm on what the texts cost.

- Replies: AWS End User Messaging SMS publishes each message sent to the programme's two-way number
  to an SNS topic (its "two-way channel"), here one of the stack's own (KMS, TLS only) with
  `InboundTexts` subscribed (a STOP ends the client's texts). The topic's policy and its key let
  End User Messaging of this account alone publish; the function is invoked by SNS for this topic
  only. A reply SNS cannot deliver to the function (after its retries), like an invocation that
  still fails after Lambda's, goes to the failed-invocations queue (events.py), whose alarm fires:
  a STOP must not be lost. The number itself is bought and registered by hand, and its two-way channel pointed at the
  topic (the `InboundTextsTopicArn` output): README "Setting up text reminders".
- Spend: SNS reports the month's SMS charges so far (`SMSMonthToDateSpentUSD`); an operations alarm
  fires at 80% of the monthly budget (the `sms_monthly_budget_usd` context value, cdk.json). The
  spend limit that stops the texts is an account setting, set by hand to the same budget (README).
"""

from __future__ import annotations

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from throughgate_infra.alarms import Alarms, encrypted_topic
from throughgate_infra.events import Events
from throughgate_infra.keys import rotating_key

END_USER_MESSAGING = "sms-voice.amazonaws.com"
SPEND_ALARM_SHARE = 0.8
"""The alarm fires at this share of the monthly budget: time to act before the limit stops the texts."""


class Texts(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        inbound: lambda_.Function,
        events: Events,
        alarms: Alarms,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        # Confused deputy: End User Messaging acting for this account's own numbers only.
        from_this_account = {
            "StringEquals": {"aws:SourceAccount": stack.account},
            "ArnLike": {
                "aws:SourceArn": stack.format_arn(service="sms-voice", resource="*", resource_name=None)
            },
        }
        key = rotating_key(self, "RepliesKey", description="Throughgate clients' text replies topic")
        key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(END_USER_MESSAGING)],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions=from_this_account,
            )
        )
        self.replies = encrypted_topic(
            self, "Replies", name="text-replies", display_name="Throughgate clients' text replies", key=key
        )
        self.replies.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal(END_USER_MESSAGING)],
                actions=["sns:Publish"],
                resources=[self.replies.topic_arn],
                conditions=from_this_account,
            )
        )
        failed = events.failed_invocations
        self.replies.add_subscription(subscriptions.LambdaSubscription(inbound, dead_letter_queue=failed))
        # CDK's subscription lets SNS send to the queue (its policy, for this topic); SNS also needs
        # the queue's key, for this topic's undeliverable messages only.
        events.key.add_to_resource_policy(
            iam.PolicyStatement(
                principals=[iam.ServicePrincipal("sns.amazonaws.com")],
                actions=["kms:GenerateDataKey", "kms:Decrypt"],
                resources=["*"],  # in a key policy, "*" is this key
                conditions={"ArnEquals": {"aws:SourceArn": self.replies.topic_arn}},
            )
        )

        context = self.node.try_get_context("sms_monthly_budget_usd")
        if not context:
            raise ValueError("set the sms_monthly_budget_usd context value (cdk.json): what texts may cost")
        budget = float(context)
        alarms.alarm(
            "TextSpend",
            cloudwatch.Metric(
                namespace="AWS/SNS",
                metric_name="SMSMonthToDateSpentUSD",
                period=Duration.hours(6),
                statistic="Maximum",
            ),
            f"Text messages this month have cost over {SPEND_ALARM_SHARE:.0%} of the ${budget:g} budget: "
            "at the account's SMS spend limit they stop (README, 'Setting up text reminders')",
            threshold=budget * SPEND_ALARM_SHARE,
        )
