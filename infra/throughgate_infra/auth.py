"""Who may sign in: a Cognito user pool for programme staff only.

Groups are the roles `throughgate.handlers.identity` reads from `cognito:groups`; the username is the
person's staff id (`coordinator-0001`; a mentor's is their mentor_id), which the app reads from
`cognito:username`, and an e-mail address may stand in for it when signing in. Accounts are made by
a coordinator from the app's Staff pages (throughgate.logic.staff; no self sign-up); MFA is required, by authenticator app (TOTP: no SMS cost, no
SIM swap); threat protection is enforced; the pool is kept if the stack is deleted.

The web app's SignIn function signs people in from the server with USER_PASSWORD_AUTH (the only flow
the app client allows) and keeps the ID token alone, in the session cookie: a session lasts as long
as that token, an hour.
"""

from __future__ import annotations

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from throughgate_infra import naming

GROUPS = ("coordinator", "mentor", "manager")
"""The staff values of `throughgate.logic.ports.Role` (not imported here: that module reads the
settings on import; a test checks the two agree)."""
SESSION = Duration.minutes(60)
"""The ID token's life, and so a web session's (throughgate.handlers.sign_in sets the cookie to it)."""


class Auth(Construct):
    def __init__(self, scope: Construct, construct_id: str) -> None:
        super().__init__(scope, construct_id)
        self.user_pool = cognito.UserPool(
            self,
            "Staff",
            user_pool_name=f"{naming.prefix(self)}-staff",
            self_sign_up_enabled=False,
            sign_in_aliases=cognito.SignInAliases(username=True, email=True),
            sign_in_case_sensitive=False,
            auto_verify=cognito.AutoVerifiedAttrs(email=True),
            mfa=cognito.Mfa.REQUIRED,
            mfa_second_factor=cognito.MfaSecondFactor(otp=True, sms=False),
            password_policy=cognito.PasswordPolicy(
                min_length=14,
                require_lowercase=True,
                require_uppercase=True,
                require_digits=True,
                require_symbols=True,
                temp_password_validity=Duration.days(3),
            ),
            account_recovery=cognito.AccountRecovery.EMAIL_ONLY,
            feature_plan=cognito.FeaturePlan.PLUS,
            standard_threat_protection_mode=cognito.StandardThreatProtectionMode.FULL_FUNCTION,
            deletion_protection=True,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for group in GROUPS:
            cognito.UserPoolGroup(
                self,
                f"{group.capitalize()}Group",
                user_pool=self.user_pool,
                group_name=group,
                description=f"Throughgate {group}s",
            )
        self.client = self.user_pool.add_client(
            "Web",
            user_pool_client_name=f"{naming.prefix(self)}-web",
            generate_secret=False,
            auth_flows=cognito.AuthFlow(user_password=True),
            disable_o_auth=True,  # no hosted UI or OAuth redirects: tokens come from InitiateAuth only
            prevent_user_existence_errors=True,
            id_token_validity=SESSION,
            access_token_validity=Duration.hours(1),
            refresh_token_validity=Duration.hours(12),  # a working day, then sign in again
        )
