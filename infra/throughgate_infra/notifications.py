"""Notifications to coordinators and mentors: one SNS topic, encrypted, TLS only.

Messages carry ids and enum values only (see `throughgate.logic.ports.Notification`); subscriptions
(e-mail, SMS, a chat webhook) are added per programme after deployment.
"""

from __future__ import annotations

from aws_cdk import aws_sns as sns
from constructs import Construct

from throughgate_infra import naming
from throughgate_infra.keys import rotating_key


class Notifications(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.key = rotating_key(self, "TopicKey", description="Throughgate notifications topic")
        self.topic = sns.Topic(
            self,
            "Topic",
            topic_name=f"{naming.prefix(self)}-notifications",
            display_name="Throughgate",
            master_key=self.key,
            enforce_ssl=True,
        )
