"""The Throughgate stack: one construct per capability, composed in dependency order."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnOutput, Stack, Tags
from constructs import Construct

from throughgate_infra.alarms import Alarms
from throughgate_infra.api import Api
from throughgate_infra.auth import Auth
from throughgate_infra.backup import Backup
from throughgate_infra.dashboard import Dashboard
from throughgate_infra.data import Data
from throughgate_infra.events import Events
from throughgate_infra.frontend import Frontend
from throughgate_infra.functions import DELIVERING, Functions, Reaches
from throughgate_infra.nag_acknowledgements import Acknowledged
from throughgate_infra.notifications import Email
from throughgate_infra.outbox import Outbox
from throughgate_infra.texts import Texts
from throughgate_infra.trail import AuditTableTrail
from throughgate_infra.workflow import Workflow

PAGES = ("Web", "SignIn")
"""The functions that render GOV.UK pages, which link to the published static files."""


class ThroughgateStack(Stack):
    def __init__(self, scope: Construct, construct_id: str, **kwargs: Any) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.nag_acknowledgements: list[Acknowledged] = []  # set by application.build
        Tags.of(self).add("project", "throughgate")
        Tags.of(self).add("data-classification", "criminal-offence")

        self.data = Data(self, "Data")
        self.backup = Backup(
            self, "Backup", tables=[self.data.table, self.data.audit_table], key=self.data.key
        )
        self.email = Email(self, "Email")
        self.events = Events(self, "Events")
        self.auth = Auth(self, "Auth")
        self.functions = Functions(
            self,
            "Functions",
            reaches=Reaches(
                table=self.data.table,
                audit_table=self.data.audit_table,
                table_key=self.data.key,
                email_identity_arn=self.email.identity_arn,
                email_from=self.email.sender,
                scheduler_role=self.events.scheduler_role,
                user_pool=self.auth.user_pool,
                user_pool_client=self.auth.client,
            ),
        )
        self.events.connect(self.functions.functions)
        self.workflow = Workflow(self, "Workflow", functions=self.functions.functions)
        self.api = Api(
            self,
            "Api",
            functions=self.functions.functions,
            user_pool=self.auth.user_pool,
            secrets_key=self.data.key,
        )
        self.frontend = Frontend(
            self, "Frontend", web_api=self.api.apis["Web"], origin_secret=self.api.origin_secret
        )
        self.audit_trail = AuditTableTrail(
            self, "AuditTableTrail", audit_table=self.data.audit_table, access_logs=self.frontend.access_logs
        )
        for name in PAGES:
            pages = self.functions.functions[name]
            pages.add_environment("STATIC_BASE_PATH", self.frontend.static_base_path)
            pages.node.add_dependency(self.frontend.deployment)  # pages link to files already published
        for name in DELIVERING:
            self.functions.functions[name].add_environment(
                "WEB_BASE_URL", self.frontend.url
            )  # e-mails' links
        dead_letters = {
            "PrisonEventsDeadLetters": self.events.dead_letter_queue,
            "FailedInvocations": self.events.failed_invocations,
        }
        self.alarms = Alarms(
            self,
            "Alarms",
            state_machine=self.workflow.state_machine,
            functions=self.functions.functions,
            queues=dead_letters,
            prison_events=self.events.prison_events,
            apis=self.api.apis,
            tables={"Cases": self.data.table, "Audit": self.data.audit_table},
            schedule_group=self.events.schedule_group,
        )
        self.outbox = Outbox(
            self,
            "Outbox",
            table=self.data.table,
            functions=self.functions.functions,
            events=self.events,
            alarms=self.alarms,
        )
        self.texts = Texts(
            self,
            "Texts",
            inbound=self.functions.functions["InboundTexts"],
            events=self.events,
            alarms=self.alarms,
        )
        self.dashboard = Dashboard(
            self,
            "Dashboard",
            apis=self.api.apis,
            state_machine=self.workflow.state_machine,
            functions=self.functions.functions,
            pending_effects=self.outbox.overdue,
            dead_letters=dead_letters,
        )

        CfnOutput(self, "TableName", value=self.data.table.table_name)
        CfnOutput(self, "AuditTableName", value=self.data.audit_table.table_name)
        CfnOutput(self, "AuditTableTrailBucket", value=self.audit_trail.bucket.bucket_name)
        CfnOutput(self, "StateMachineArn", value=self.workflow.state_machine.state_machine_arn)
        CfnOutput(self, "EmailDomain", value=self.email.domain)
        CfnOutput(self, "AlarmsTopicArn", value=self.alarms.topic.topic_arn)
        # Where End User Messaging SMS sends the replies to the programme's number (README).
        CfnOutput(self, "InboundTextsTopicArn", value=self.texts.replies.topic_arn)
        CfnOutput(self, "PrisonEventsQueueUrl", value=self.events.prison_events.queue_url)
        CfnOutput(self, "UserPoolId", value=self.auth.user_pool.user_pool_id)
        CfnOutput(self, "UserPoolClientId", value=self.auth.client.user_pool_client_id)
        CfnOutput(self, "ApiUrl", value=self.api.apis["Api"].url)
        CfnOutput(self, "WebUrl", value=self.frontend.url)
