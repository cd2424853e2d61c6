"""The embedded local stack: moto in-process, the real ASL, the real handlers, one virtual clock.

`LocalStack` creates what the CDK app deploys (table, functions, state machine, topic with an outbox
queue, prison-events queue with its dead-letter queue, schedule group) inside moto, substitutes the
ASL placeholders with local ARNs, and offers what AWS would do on its own: run the daily sweep, fire
due one-time schedules, deliver queued prison events.
"""

from __future__ import annotations

import contextlib
import io
import json
import logging
import os
import re
import secrets
import zipfile
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from moto import mock_aws
from moto.dynamodb.responses import DynamoHandler
from moto.scheduler.models import scheduler_backends
from moto.ses.models import ses_backends
from moto.sns.models import sns_backends
from moto.stepfunctions.responses import get_backend as stepfunctions_backend

from throughgate.adapters.aws import start_schedule_name
from throughgate.caches import reset_caches
from throughgate.manifest import FUNCTIONS, RELEASE_WORKFLOW
from throughgate.store import schema
from throughgate.store.keys import OPEN_EFFECT, OPEN_NOTE, OPEN_REMINDER
from throughgate_local import cognito, cognito_admin, lambda_bridge, virtual_time
from throughgate_local.speedups import install_speedups, speedups_wanted, uninstall_speedups

REGION = "eu-west-2"
ACCOUNT = "123456789012"
TABLE = "throughgate-local-cases"
AUDIT_TABLE = "throughgate-local-audit"
SCHEDULE_GROUP = "throughgate-local"
MAX_RECEIVE_COUNT = 3  # the prison-events queue's, as infra's events.MAX_RECEIVE_COUNT (a test checks)
EMAIL_DOMAIN = "throughgate.example"  # reserved for examples (RFC 2606): no e-mail leaves
WEB_BASE_URL = "http://127.0.0.1:8000"  # where the dev server serves the app by default
WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"
START_SCHEDULES = start_schedule_name("")  # the name prefix of the workflow-start schedules
WRITE_ACTIONS = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")


def substitute(definition: str, values: dict[str, str]) -> str:
    """What CDK's `definition_substitutions` does: every `${Name}` must have a value."""
    missing = sorted(set(re.findall(r"\$\{(\w+)\}", definition)) - values.keys())
    if missing:
        raise KeyError(f"no value for ASL placeholders: {', '.join(missing)}")
    return re.sub(r"\$\{(\w+)\}", lambda m: values[m.group(1)], definition)


class DynamoRequestCounter:
    """Counts DynamoDB API calls as moto serves them, whoever makes them (handlers, interpreter)."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self._original = DynamoHandler.call_action

    def install(self) -> None:
        counter, original = self.calls, self._original

        def call_action(handler: DynamoHandler) -> Any:
            counter[handler._get_action()] += 1
            return original(handler)

        DynamoHandler.call_action = call_action  # type: ignore[method-assign]

    def uninstall(self) -> None:
        DynamoHandler.call_action = self._original  # type: ignore[method-assign]

    @property
    def writes(self) -> int:
        return sum(n for action, n in self.calls.items() if action in WRITE_ACTIONS)

    @contextlib.contextmanager
    def uncounted(self) -> Iterator[None]:
        """The local stack's own look at the table (no function asked): left out of the counts."""
        before = Counter(self.calls)
        try:
            yield
        finally:
            self.calls.clear()
            self.calls.update(before)


class LocalStack:
    """`speedups`: install the optional speed-ups (`speedups.py`); None (the default) leaves it to the
    environment (on unless `THROUGHGATE_SPEEDUPS=0`). The Lambda bridge and the virtual clock are
    always installed."""

    def __init__(self, start: datetime, *, speedups: bool | None = None) -> None:
        self.speedups = speedups_wanted() if speedups is None else speedups
        self.clock = virtual_time.VirtualClock(start)
        self.bridge = lambda_bridge.Bridge()
        self.dynamodb_calls = DynamoRequestCounter()
        self._mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
        self.function_arns: dict[str, str] = {}
        self._clients: dict[str, Any] = {}
        self.delivery_errors: list[dict[str, Any]] = []  # Lambda error payloads of failed batches
        self._reported_ends: set[str] = set()  # executions whose end EventBridge has delivered
        self.state_machine_arn = ""
        self._outbox_read: set[str] = set()  # the open_items keys of the notifications read_outbox returned
        self._emails_read = 0
        self.prison_events_url = ""
        self.dead_letter_url = ""
        self._reminders_ran_at: datetime | None = None
        self._texts: list[dict[str, str]] = []  # every text sent to a client: to, body, sent_at
        self._texts_seen: set[str] = set()
        self._writes_looked_at = 0  # the table's write requests when new effects were last looked for

    # -- lifecycle ---------------------------------------------------------------------------------
    def __enter__(self) -> LocalStack:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "TZ": "UTC",
            "POWERTOOLS_LOG_LEVEL": os.environ.get("POWERTOOLS_LOG_LEVEL", "WARNING"),
        }.items():
            os.environ[name] = value
        logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
        self._mock.start()
        virtual_time.install(self.clock)
        lambda_bridge.install(self.bridge)
        cognito_admin.install()
        self.dynamodb_calls.install()
        if self.speedups:
            install_speedups()
        self._create_resources()
        reset_caches()  # config and clients are cached per process (as in a Lambda container)
        self.clock.on_moved.append(self.reconcile_effects)
        self.clock.on_moved.append(self.report_ended_executions)
        self.clock.alarms.append((self.next_start_due, self.fire_due_starts))
        self.clock.alarms.append((self.next_reminder_due, self.send_reminders))
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop_all_executions()
        self.dynamodb_calls.uninstall()
        if self.speedups:
            uninstall_speedups()
        cognito_admin.uninstall()
        lambda_bridge.uninstall()
        virtual_time.uninstall()
        self._mock.stop()
        reset_caches()

    def client(self, service: str) -> Any:
        if service not in self._clients:
            self._clients[service] = boto3.client(service, region_name=REGION)
        return self._clients[service]

    # -- resources ---------------------------------------------------------------------------------
    def _create_resources(self) -> None:
        iam = self.client("iam")
        role = iam.create_role(RoleName="throughgate-local", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
        self._create_table()
        self._create_audit_table()
        sqs = self.client("sqs")
        # The programme's sending identity, verified (on AWS: the domain's DNS records, README).
        self.client("sesv2").create_email_identity(EmailIdentity=EMAIL_DOMAIN)
        self.dead_letter_url = sqs.create_queue(QueueName="throughgate-prison-events-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=self.dead_letter_url, AttributeNames=["QueueArn"])
        self.prison_events_url = sqs.create_queue(
            QueueName="throughgate-prison-events",
            Attributes={
                "RedrivePolicy": json.dumps(
                    {
                        "deadLetterTargetArn": dlq_arn["Attributes"]["QueueArn"],
                        "maxReceiveCount": str(MAX_RECEIVE_COUNT),
                    }
                )
            },
        )["QueueUrl"]
        self.client("scheduler").create_schedule_group(Name=SCHEDULE_GROUP)

        machine_name = f"throughgate-{RELEASE_WORKFLOW}"
        self.state_machine_arn = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{machine_name}"
        self.function_arns = {
            name: f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:throughgate-{name}" for name in FUNCTIONS
        }
        os.environ.update(
            TABLE_NAME=TABLE,
            AUDIT_TABLE_NAME=AUDIT_TABLE,
            RELEASE_STATE_MACHINE_ARN=self.state_machine_arn,
            EMAIL_FROM=f"notifications@{EMAIL_DOMAIN}",
            WEB_BASE_URL=WEB_BASE_URL,
            SCHEDULER_ROLE_ARN=role,
            SCHEDULE_GROUP=SCHEDULE_GROUP,
            OUTCOME_DUE_FUNCTION_ARN=self.function_arns["OutcomeDue"],
            START_WORKFLOW_FUNCTION_ARN=self.function_arns["StartWorkflow"],
            CSRF_SECRET=secrets.token_urlsafe(48),
            REFERENCE_KEY=secrets.token_urlsafe(48),
            MAX_RECEIVE_COUNT=str(MAX_RECEIVE_COUNT),
        )
        # The staff directory notifications are addressed from (throughgate.adapters.aws).
        self.cognito = cognito.LocalCognito(self.client("cognito-idp")).ensure()
        lam = self.client("lambda")
        code = io.BytesIO()
        with zipfile.ZipFile(code, "w") as archive:
            archive.writestr("README.txt", "handlers run in-process from the checkout")
        for name, spec in FUNCTIONS.items():
            lam.create_function(
                FunctionName=f"throughgate-{name}",
                Runtime="python3.13",
                Role=role,
                Handler=spec.handler,
                Code={"ZipFile": code.getvalue()},
                Timeout=30,
            )
        substitutions = {
            spec.asl_placeholder: self.function_arns[name]
            for name, spec in FUNCTIONS.items()
            if spec.asl_placeholder
        }
        definition = substitute((WORKFLOWS_DIR / f"{RELEASE_WORKFLOW}.asl.json").read_text(), substitutions)
        self.client("stepfunctions").create_state_machine(
            name=machine_name, definition=definition, roleArn=role
        )

    def _create_audit_table(self) -> None:
        self.client("dynamodb").create_table(
            TableName=AUDIT_TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": schema.AUDIT_PARTITION_KEY, "AttributeType": "S"},
                {"AttributeName": schema.AUDIT_SORT_KEY, "AttributeType": "S"},
            ],
            KeySchema=[
                {"AttributeName": schema.AUDIT_PARTITION_KEY, "KeyType": "HASH"},
                {"AttributeName": schema.AUDIT_SORT_KEY, "KeyType": "RANGE"},
            ],
        )

    def _create_table(self) -> None:
        attributes = {schema.PARTITION_KEY, schema.SORT_KEY}
        indexes = []
        for name, (pk, sk) in schema.GLOBAL_INDEXES.items():
            attributes |= {pk, sk}
            indexes.append(
                {
                    "IndexName": name,
                    "KeySchema": [
                        {"AttributeName": pk, "KeyType": "HASH"},
                        {"AttributeName": sk, "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            )
        self.client("dynamodb").create_table(
            TableName=TABLE,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in sorted(attributes)],
            KeySchema=[
                {"AttributeName": schema.PARTITION_KEY, "KeyType": "HASH"},
                {"AttributeName": schema.SORT_KEY, "KeyType": "RANGE"},
            ],
            GlobalSecondaryIndexes=indexes,
        )

    # -- what AWS does by itself -------------------------------------------------------------------
    def _invoke(self, function: str, payload: dict[str, Any]) -> tuple[Any, bool]:
        response = self.client("lambda").invoke(
            FunctionName=f"throughgate-{function}", Payload=json.dumps(payload).encode()
        )
        return json.loads(response["Payload"].read() or b"null"), bool(response.get("FunctionError"))

    def invoke(self, function: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Invoke a function through moto's Lambda (and so through the bridge), as a trigger would."""
        body, failed = self._invoke(function, payload)
        if failed:
            raise RuntimeError(
                f"{function} failed: {body.get('errorType')}: {body.get('errorMessage')} {body.get('stackTrace')}"
            )
        return body

    def pending_effects(self) -> list[dict[str, Any]]:
        """The effect items still pending (the outbox), oldest first, as DynamoDB holds them."""
        return list(
            self.client("dynamodb").query(
                TableName=TABLE,
                IndexName="open_items",
                KeyConditionExpression="open_kind = :kind",
                ExpressionAttributeValues={":kind": {"S": OPEN_EFFECT}},
            )["Items"]
        )

    def reconcile_effects(self) -> dict[str, Any]:
        """The outbox's carriers. On AWS the table's stream hands each new effect to CarryOutEffects
        within a second, and ReconcileEffects runs on a schedule for what is left; here both run
        whenever the clock moves, if anything is pending: the stream's batches (moto has no DynamoDB
        streams, so the records are made from the pending items, as the stream would carry them:
        again for effects that what ran meanwhile saved, such as a gate it opened), then the
        reconciler."""
        if not self.pending_effects():
            return {"carried_out": 0, "failed": 0, "overdue": 0}
        self._play_stream(lambda _item: True)
        result = self.invoke("ReconcileEffects", {"source": "aws.events", "detail-type": "Scheduled Event"})
        self.clock.settle()
        return result

    def settle(self) -> None:
        """After a function ran: let what it started run, then, if it wrote to the table, the
        table's stream hands the effects nobody has tried yet (the notifications a request leaves to
        the outbox's carriers, and what they start in turn) to CarryOutEffects, as on AWS within a
        second of the write. An effect its own function tried and failed waits for the clock (the
        reconciler's schedule), as the tests of failures expect."""
        self.clock.settle()
        if self.dynamodb_calls.writes == self._writes_looked_at:
            return
        self._play_stream(lambda item: item.get("attempts", {}).get("N", "0") == "0")
        self._writes_looked_at = self.dynamodb_calls.writes

    def _play_stream(self, selected: Callable[[dict[str, Any]], bool]) -> None:
        """The stream's batches of the pending effects `selected`: again for those that what ran
        meanwhile saved (such as a gate it opened), each effect once. moto has no DynamoDB streams,
        so the records are made from the pending items, as the stream would carry them; looking
        for them is the stack's own work, not counted as a function's."""
        streamed: set[str] = set()
        while True:
            with self.dynamodb_calls.uncounted():
                pending = self.pending_effects()
            fresh = [item for item in pending if selected(item) and item["sk"]["S"] not in streamed]
            if not fresh:
                return
            streamed |= {item["sk"]["S"] for item in fresh}
            records = [
                {
                    "eventID": f"local-{i}",
                    "eventName": "INSERT",
                    "eventSource": "aws:dynamodb",
                    "awsRegion": REGION,
                    "dynamodb": {"Keys": {k: item[k] for k in ("pk", "sk")}, "NewImage": item},
                }
                for i, item in enumerate(fresh)
            ]
            self.invoke("CarryOutEffects", {"Records": records})
            self.clock.settle()

    def report_ended_executions(self) -> int:
        """EventBridge's part: a "Step Functions Execution Status Change" event to ExecutionEnded for
        each execution that has failed, timed out or been stopped since the last look (on AWS within
        seconds; here whenever the clock moves)."""
        sfn = self.client("stepfunctions")
        reported = 0
        for status in ("FAILED", "TIMED_OUT", "ABORTED"):
            ended = sfn.list_executions(stateMachineArn=self.state_machine_arn, statusFilter=status)
            for execution in ended["executions"]:
                if execution["executionArn"] in self._reported_ends:
                    continue
                self._reported_ends.add(execution["executionArn"])
                detail = {
                    "executionArn": execution["executionArn"],
                    "stateMachineArn": self.state_machine_arn,
                    "name": execution["name"],
                    "status": status,
                }
                self.invoke(
                    "ExecutionEnded",
                    {
                        "source": "aws.states",
                        "detail-type": "Step Functions Execution Status Change",
                        "detail": detail,
                    },
                )
                reported += 1
        if reported:
            self.settle()
        return reported

    def run_daily_sweep(self) -> dict[str, Any]:
        result = self.invoke("DailySweep", {"source": "aws.scheduler", "detail-type": "Scheduled Event"})
        self.settle()
        return result

    def _due_schedules(self, prefix: str = "") -> list[tuple[str, datetime, str, str]]:
        """The one-time schedules (name, due, target, input) whose name starts with `prefix`, read
        from moto's own backend: exact (an update moves the due time at once) and cheap enough to
        ask on every move of the clock."""
        group = scheduler_backends[ACCOUNT][REGION].schedule_groups[SCHEDULE_GROUP]
        found = []
        for name, schedule in list(group.schedules.items()):
            if not name.startswith(prefix):
                continue
            match = _AT.match(schedule.schedule_expression)
            due = datetime.fromisoformat(match.group(1)) if match else datetime.max
            found.append((name, due, schedule.target["Arn"], schedule.target["Input"]))
        return found

    def fire_due_schedules(self, prefix: str = "") -> int:
        """EventBridge Scheduler's part: one-time `at(...)` schedules whose time has come (those whose
        name starts with `prefix`)."""
        scheduler = self.client("scheduler")
        now = self.clock.now().replace(tzinfo=None)
        fired = 0
        for name, due, target, payload in self._due_schedules(prefix):
            if due > now:
                continue
            function = target.rsplit(":function:throughgate-", 1)[1]
            self.invoke(function, json.loads(payload))
            scheduler.delete_schedule(Name=name, GroupName=SCHEDULE_GROUP)
            fired += 1
        self.settle()
        return fired

    def next_start_due(self, moment: datetime) -> datetime | None:
        """When the earliest workflow-start schedule falls due, if at or before `moment` (an alarm of
        the virtual clock: the release workflow starts at the pre-release window on its own, as
        EventBridge Scheduler would start it on AWS, without a test having to fire it)."""
        limit = moment.astimezone(UTC).replace(tzinfo=None)
        due = [d for _, d, _, _ in self._due_schedules(START_SCHEDULES) if d <= limit]
        return min(due).replace(tzinfo=UTC) if due else None

    def fire_due_starts(self) -> int:
        return self.fire_due_schedules(START_SCHEDULES)

    # -- text reminders ----------------------------------------------------------------------------
    def next_reminder_due(self, moment: datetime) -> datetime | None:
        """When the earliest text reminder not yet looked at falls due, if at or before `moment` (an
        alarm of the virtual clock: on AWS a schedule runs SendReminders every 15 minutes; here the
        clock stops at each reminder's own time)."""
        limit = moment.astimezone(UTC)
        items = self.client("dynamodb").query(
            TableName=TABLE,
            IndexName="open_items",
            KeyConditionExpression="open_kind = :kind AND due_key < :limit",
            ExpressionAttributeValues={
                ":kind": {"S": OPEN_REMINDER},
                ":limit": {"S": f"{limit.isoformat()}~"},
            },
        )["Items"]
        due = [datetime.fromisoformat(i["due_key"]["S"].split("#", 1)[0]) for i in items]
        ran = self._reminders_ran_at
        later = [d for d in due if ran is None or d > ran]  # one that failed waits for the next run
        return min(later) if later else None

    def send_reminders(self) -> dict[str, Any]:
        """SendReminders, as its schedule runs it; the texts it sent are kept for `sent_texts`."""
        result = self.invoke("SendReminders", {"source": "aws.events", "detail-type": "Scheduled Event"})
        self._reminders_ran_at = self.clock.now()
        for message_id, (to, body) in list(sns_backends[ACCOUNT][REGION].sms_messages.items()):
            if message_id not in self._texts_seen:
                self._texts_seen.add(message_id)
                self._texts.append({"to": to, "body": body, "sent_at": self.clock.now().isoformat()})
        return result

    def sent_texts(self) -> list[dict[str, str]]:
        """Every text sent to a client so far, oldest first (the local stand-in for the phone network)."""
        return list(self._texts)

    def reply_text(self, from_number: str, body: str) -> dict[str, Any]:
        """A client's reply, as End User Messaging's two-way SMS publishes it to its topic."""
        message = {
            "originationNumber": from_number,
            "destinationNumber": "+447700900000",
            "messageKeyword": "KEYWORD_" + ACCOUNT,
            "messageBody": body,
            "inboundMessageId": secrets.token_hex(8),
        }
        record = {"EventSource": "aws:sns", "Sns": {"Message": json.dumps(message), "Type": "Notification"}}
        return self.invoke("InboundTexts", {"Records": [record]})

    def send_prison_event(self, message: dict[str, Any]) -> None:
        """The prison's feed sends a change as it happens: stamped with the clock's time unless the
        message says when it happened."""
        stamped = {"occurred_at": self.clock.now().isoformat(), **message}
        self.client("sqs").send_message(QueueUrl=self.prison_events_url, MessageBody=json.dumps(stamped))

    def deliver_prison_events(self, rounds: int | None = None) -> int:
        """Lambda's SQS event source: batches in, partial failures left on the queue (then the DLQ),
        until the queue is empty or after `rounds` receives. Each record carries SQS's attributes
        (ApproximateReceiveCount among them), as Lambda's records do."""
        sqs = self.client("sqs")
        delivered = 0
        received = 0
        while rounds is None or received < rounds:
            messages = sqs.receive_message(
                QueueUrl=self.prison_events_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=0,
                MessageSystemAttributeNames=["All"],
            ).get("Messages", [])
            received += 1
            if not messages:
                return delivered
            records = [
                {
                    "messageId": m["MessageId"],
                    "receiptHandle": m["ReceiptHandle"],
                    "body": m["Body"],
                    "attributes": m.get("Attributes", {}),
                    "messageAttributes": {},
                    "eventSource": "aws:sqs",
                    "awsRegion": REGION,
                }
                for m in messages
            ]
            result, errored = self._invoke("PrisonEvents", {"Records": records})
            self.settle()
            if errored:
                # The function itself failed: Lambda reports an error and the whole batch stays queued.
                failed = {m["MessageId"] for m in messages}
            else:
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
            if failed:
                self.delivery_errors.append(result)
            done = [m for m in messages if m["MessageId"] not in failed]
            _delete(sqs, self.prison_events_url, done)
            delivered += len(done)
        return delivered

    def dead_letters(self) -> list[dict[str, Any]]:
        messages = self.client("sqs").receive_message(QueueUrl=self.dead_letter_url, MaxNumberOfMessages=10)
        return [json.loads(m["Body"]) for m in messages.get("Messages", [])]

    def read_outbox(self) -> list[dict[str, Any]]:
        """Notifications delivered since the last read, one per person, oldest first: what each
        person's in-app list gained (still unread). The table's stream first delivers what is
        pending, as it would on AWS within a second."""
        self.reconcile_effects()
        unread = self.client("dynamodb").query(
            TableName=TABLE,
            IndexName="open_items",
            KeyConditionExpression="open_kind = :kind",
            ExpressionAttributeValues={":kind": {"S": OPEN_NOTE}},
        )["Items"]
        # Not a cursor on the key: notes sent at the same moment sort by their effects' random ids.
        items = [i for i in unread if i["due_key"]["S"] not in self._outbox_read]
        self._outbox_read |= {i["due_key"]["S"] for i in items}
        return [
            {
                "to": item["username"]["S"],
                "kind": item["kind"]["S"],
                "case_id": item["case_id"]["S"],
                "recipient_role": item["recipient_role"]["S"],
                "detail": {k: v["S"] for k, v in item["detail"]["M"].items()},
                "subject": item["subject"]["S"],
                "body": item["body"]["S"],
                "link": item["link"]["S"],
            }
            for item in items
        ]

    def sent_emails(self) -> list[dict[str, Any]]:
        """Every e-mail sent through SES so far, oldest first, as moto's SES keeps them."""
        return [
            {"to": list(m.destinations.get("ToAddresses", [])), "subject": m.subject, "body": m.body}
            for m in ses_backends[ACCOUNT][REGION].sent_messages
        ]

    def read_emails(self) -> list[dict[str, Any]]:
        """E-mails sent since the last read (the stream first delivers what is pending)."""
        self.reconcile_effects()
        sent = self.sent_emails()
        new, self._emails_read = sent[self._emails_read :], len(sent)
        return new

    # -- executions --------------------------------------------------------------------------------
    def executions(self, status: str | None = None) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        kwargs: dict[str, Any] = {"stateMachineArn": self.state_machine_arn, "maxResults": 1000}
        if status:
            kwargs["statusFilter"] = status
        found: list[dict[str, Any]] = []
        while True:
            page = sfn.list_executions(**kwargs)
            found.extend(page["executions"])
            if not page.get("nextToken"):
                return found
            kwargs["nextToken"] = page["nextToken"]

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        sfn = self.client("stepfunctions")
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = sfn.get_execution_history(**kwargs)
            events.extend(page["events"])
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def state_transitions(self, execution_arn: str) -> int:
        """As AWS bills them: one per state entered. Counted in moto's own history of the execution:
        through the API (serialized, then parsed again) a lifecycle's history costs about 0.3 s."""
        history = stepfunctions_backend(ACCOUNT, REGION).get_execution_history(execution_arn)
        return sum(1 for event in history["events"] if event["type"].endswith("StateEntered"))

    def stop_all_executions(self) -> None:
        sfn = self.client("stepfunctions")
        for execution in self.executions("RUNNING"):
            sfn.stop_execution(executionArn=execution["executionArn"])
        self.clock.settle()


def _delete(sqs: Any, queue_url: str, messages: list[dict[str, Any]]) -> None:
    """One DeleteMessageBatch for a received batch (at most 10), as Lambda's event source deletes."""
    if not messages:
        return
    entries = [{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(messages)]
    failed = sqs.delete_message_batch(QueueUrl=queue_url, Entries=entries).get("Failed", [])
    if failed:
        raise RuntimeError(f"could not delete {len(failed)} message(s) from {queue_url}: {failed}")
