"""Text reminders to clients (throughgate.logic.reminders).

- `send_reminders`: an EventBridge schedule every 15 minutes sends the reminders now due.
- `inbound`: the SNS topic AWS End User Messaging SMS publishes clients' replies to: a STOP ends
  their texts at once. A reply holds the client's number: it is read, never logged or returned.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.data_classes import SNSEvent, event_source
from pydantic import ValidationError

logger = Logger()  # the service name is the function's POWERTOOLS_SERVICE_NAME


@logger.inject_lambda_context
def send_reminders(_event: dict[str, Any], _context: object) -> dict[str, int]:
    from throughgate.adapters.aws import SnsTexts, aws_deps
    from throughgate.logic.reminders import send_due_reminders

    report = asdict(send_due_reminders(aws_deps(), SnsTexts()))
    logger.info("text reminders", extra=report)
    return report


@logger.inject_lambda_context
@event_source(data_class=SNSEvent)
def inbound(event: SNSEvent, _context: object) -> dict[str, int]:
    from throughgate.adapters.aws import aws_deps
    from throughgate.logic.reminders import receive_text
    from throughgate.schemas import InboundText

    stopped = unreadable = 0
    for record in event.records:
        try:
            text = InboundText.model_validate_json(record.sns.message)
        except (ValidationError, json.JSONDecodeError):
            unreadable += 1  # not a two-way SMS message: nothing to act on (its content is not logged)
            continue
        stopped += receive_text(aws_deps(), text)
    logger.info("replies read", extra={"stopped": stopped, "unreadable": unreadable})
    return {"stopped": stopped, "unreadable": unreadable}
