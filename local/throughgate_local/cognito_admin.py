"""What Cognito's admin operations do that moto 5.2.5 does not, on the local stack: the invitation
e-mail, and deleting a person's authenticator.

On AWS, AdminCreateUser without `MessageAction: SUPPRESS` makes a temporary password and e-mails it
to the new person. moto 5.2.5 does neither: the user gets no password at all (any password is then
wrong) and nothing is sent. Between `install()` and `uninstall()`, moto's backend does what Cognito
would: a temporary password that meets the pool's policy, and the invitation through moto's SES
from the programme's address, where the dev server's outbox and the tests read every e-mail.

AdminDeleteSoftwareToken (the only way to reset an authenticator when the pool requires MFA, as ours
does on AWS) is not in moto at all: here it forgets the person's TOTP factor, so their next sign-in
asks them to set one up again (MFA_SETUP) where the pool requires it.

Both replace or add to moto internals (`CognitoIdpBackend.admin_create_user`, `CognitoIdpResponse`
and the user's MFA attributes): private API, checked by canaries in
tests/integration/test_moto_canaries.py.
"""

from __future__ import annotations

import os
import secrets
import string
from typing import Any

from moto.cognitoidp.models import CognitoIdpBackend
from moto.cognitoidp.responses import CognitoIdpResponse
from moto.core.responses import EmptyResult
from moto.ses.models import ses_backends

_original_create = CognitoIdpBackend.admin_create_user
SUBJECT = "Your Throughgate account"


def temporary_password() -> str:
    """14 characters or more, with an upper-case and a lower-case letter, a digit and a symbol."""
    letters = "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(12))
    return f"Tg{letters}7!"


def invitation_body(username: str, password: str) -> str:
    return (
        "You have been given a Throughgate account.\n\n"
        f"Username: {username}\nTemporary password: {password}\n\n"
        "Sign in within 3 days and choose your own password."
    )


def install() -> None:
    def admin_create_user(  # noqa: PLR0917 - moto's own signature
        self: CognitoIdpBackend,
        user_pool_id: str,
        username: str,
        message_action: str,
        temporary_password_given: str,
        attributes: list[dict[str, str]],
    ) -> Any:
        invite = message_action != "SUPPRESS" and not temporary_password_given
        password = temporary_password() if invite else temporary_password_given
        if message_action == "RESEND":
            # moto would make the user afresh, out of their groups; Cognito keeps them as they are.
            user = self.admin_get_user(user_pool_id, username)
            user.password = password
        else:
            user = _original_create(self, user_pool_id, username, message_action, password, attributes)
        email = user.attribute_lookup.get("email")
        if invite and email:
            ses_backends[self.account_id][self.region_name].send_email(
                source=os.environ["EMAIL_FROM"],
                subject=SUBJECT,
                body=invitation_body(username, password),
                destinations={"ToAddresses": [email]},
            )
        return user

    CognitoIdpBackend.admin_create_user = admin_create_user  # type: ignore[method-assign, assignment]
    CognitoIdpResponse.admin_delete_software_token = admin_delete_software_token  # type: ignore[attr-defined]


def admin_delete_software_token(self: CognitoIdpResponse) -> EmptyResult:
    user = self.backend.admin_get_user(self._get_param("UserPoolId"), self._get_param("Username"))
    user.token_verified = False
    user.software_token_mfa_enabled = False
    user.preferred_mfa_setting = ""
    return EmptyResult()


def uninstall() -> None:
    CognitoIdpBackend.admin_create_user = _original_create  # type: ignore[method-assign]
    del CognitoIdpResponse.admin_delete_software_token  # type: ignore[attr-defined]
