"""Cognito on the local stack: moto's user pool, the web app client, synthetic staff.

What the CDK app deploys, as far as the sign-in flow can tell: the programme's groups, an app client
allowing USER_PASSWORD_AUTH with hour-long tokens, a 14-character password policy, optional TOTP
(so a test can enrol an authenticator). moto signs every token with the private half of the key set
it ships (`cognitoidp/resources/jwks-public.json`, kid "dummy"); the Authorizer reads the public half
from a file:// URL exactly as it reads the pool's https one on AWS.

The users and their password are synthetic and known: the dev server's sign-in page lists them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from moto.utilities.utils import load_resource

from throughgate.caches import reset_caches

GROUPS = ("coordinator", "mentor", "manager")
DEMO_PASSWORD = "Synthetic-demo-pass-1"  # noqa: S105 - synthetic users only; meets the 14-character policy
FIXED_STAFF = (("coordinator-0001", "coordinator"), ("manager-0001", "manager"))
TOKEN_MINUTES = 60
PASSWORD_POLICY = {
    "MinimumLength": 14,
    "RequireUppercase": True,
    "RequireLowercase": True,
    "RequireNumbers": True,
    "RequireSymbols": True,
    "TemporaryPasswordValidityDays": 3,
}


@dataclass(frozen=True)
class DemoUser:
    username: str
    group: str
    password: str = DEMO_PASSWORD


_ENV = ("USER_POOL_ID", "USER_POOL_CLIENT_ID", "JWKS_URL")


@dataclass
class LocalCognito:
    """The user pool of one local stack, made on first use: most stacks (workflow tests, the
    simulation) sign no one in, and moto takes about half a second to make a pool (it loads its
    RSA key each time)."""

    client: Any  # boto3 cognito-idp client on the local stack
    pool_id: str = ""
    client_id: str = ""
    users: dict[str, DemoUser] = field(default_factory=dict)
    _seeded: set[str] = field(default_factory=set)  # demo users with a staff record

    def __post_init__(self) -> None:
        # A previous stack's pool is gone with its moto: no function may use its settings.
        for name in _ENV:
            os.environ.pop(name, None)
        reset_caches()

    def ensure(self) -> LocalCognito:
        """The pool, groups, app client and fixed staff, and the functions' settings (once)."""
        if self.pool_id:
            return self
        self.pool_id = self.client.create_user_pool(
            PoolName="throughgate-local-staff",
            Policies={"PasswordPolicy": PASSWORD_POLICY},
            AdminCreateUserConfig={"AllowAdminCreateUserOnly": True},
            UsernameConfiguration={"CaseSensitive": False},
        )["UserPool"]["Id"]
        self.client.set_user_pool_mfa_config(
            UserPoolId=self.pool_id,
            SoftwareTokenMfaConfiguration={"Enabled": True},
            MfaConfiguration="OPTIONAL",
        )
        for group in GROUPS:
            self.client.create_group(UserPoolId=self.pool_id, GroupName=group)
        self.client_id = self.client.create_user_pool_client(
            UserPoolId=self.pool_id,
            ClientName="throughgate-local-web",
            GenerateSecret=False,
            ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"],
            PreventUserExistenceErrors="ENABLED",
            IdTokenValidity=TOKEN_MINUTES,
            AccessTokenValidity=TOKEN_MINUTES,
            TokenValidityUnits={"IdToken": "minutes", "AccessToken": "minutes"},
        )["UserPoolClient"]["ClientId"]
        # What the SignIn and Authorizer functions read (throughgate.config.auth_settings).
        os.environ.update(
            USER_POOL_ID=self.pool_id,
            USER_POOL_CLIENT_ID=self.client_id,
            JWKS_URL=public_key_set_file().as_uri(),
        )
        reset_caches()
        for username, group in FIXED_STAFF:
            self.add_user(username, group)
        return self

    def add_user(self, username: str, group: str, password: str = DEMO_PASSWORD) -> DemoUser:
        """A confirmed user in one group (again: nothing changes)."""
        self.ensure()
        if username not in self.users:
            self.client.admin_create_user(
                UserPoolId=self.pool_id,
                Username=username,
                MessageAction="SUPPRESS",
                UserAttributes=[
                    {"Name": "email", "Value": staff_email(username)},
                    {"Name": "email_verified", "Value": "true"},
                ],
            )
            self.client.admin_set_user_password(
                UserPoolId=self.pool_id, Username=username, Password=password, Permanent=True
            )
            self.client.admin_add_user_to_group(UserPoolId=self.pool_id, Username=username, GroupName=group)
            self.users[username] = DemoUser(username, group, password)
        return self.users[username]

    def add_mentors(self, mentor_ids: Iterable[str]) -> None:
        """A mentor signs in with their mentor_id as username; one a coordinator added in the app
        already has an account (and their own password): it is left as it is."""
        for mentor_id in mentor_ids:
            try:
                self.add_user(mentor_id, "mentor")
            except self.client.exceptions.UsernameExistsException:
                continue

    def seed_staff_records(self, names: dict[str, str], now: datetime) -> None:
        """A staff record for each demo user without one (the app's own adds write theirs): the
        name colleagues know them by, from `names` (a mentor's display name) or made up from the id."""
        from throughgate.domain.case_steps import Role
        from throughgate.domain.staff import StaffRecord, StaffStatus
        from throughgate.store.staff import StaffStore

        store = StaffStore()
        for user in self.users.values():
            if user.username in self._seeded:
                continue
            number = user.username.rsplit("-", 1)[-1]
            store.seed_staff(
                StaffRecord(
                    username=user.username,
                    role=Role(user.group),
                    display_name=names.get(user.username) or f"{user.group.title()} {number}",
                    status=StaffStatus.ACTIVE,
                    changed_at=now,
                    changed_by="system:throughgate",
                )
            )
            self._seeded.add(user.username)

    def id_token(self, username: str) -> str:
        """A real ID token for a demo user, as USER_PASSWORD_AUTH gives it (for tests)."""
        self.ensure()
        result = self.client.initiate_auth(
            ClientId=self.client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": username, "PASSWORD": self.users[username].password},
        )
        return str(result["AuthenticationResult"]["IdToken"])


def staff_email(username: str) -> str:
    """A synthetic person's synthetic address, on a domain reserved for examples."""
    return f"{username}@staff.throughgate.example"


def public_key_set_file() -> Path:
    """moto's public key set as a plain JSON file (moto ships it gzipped), replaced atomically so
    stacks in parallel test workers never read half a file."""
    path = Path(tempfile.gettempdir()) / "throughgate-local" / "moto-cognito-jwks.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp") as part:
        json.dump(load_resource("cognitoidp/resources/jwks-public.json"), part)
    os.replace(part.name, path)
    return path
