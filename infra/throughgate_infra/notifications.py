"""E-mail to staff through Amazon SES: the programme's sending domain as an SES identity (its DNS
records, DKIM included, are in the console once deployed: README "E-mail"). The domain is the
`email_domain` context value (cdk.json, or `-c email_domain=...`); e-mails come from
`notifications@<domain>`. Only the functions that deliver notifications may send from it
(functions.py, Access.NOTIFY).
"""

from __future__ import annotations

from aws_cdk import aws_ses as ses
from constructs import Construct


class Email(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        domain = self.node.try_get_context("email_domain")
        if not domain:
            raise ValueError("set the email_domain context value (cdk.json): the domain e-mails come from")
        self.domain = str(domain)
        self.sender = f"notifications@{self.domain}"
        self.identity = ses.EmailIdentity(self, "Identity", identity=ses.Identity.domain(self.domain))
        self.identity_arn = self.identity.email_identity_arn
