# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rotate the passwords of the database's login roles: in the database and in each role's secret.

Plain Python over a DB-API connection (autocommit) and a boto3 Secrets Manager client; no Ansible.

The strategy is the single user one, with a pending version, ordered so that the database accepts the
new password before any reader of the secret can see it:

1. the new password is stored in the role's secret as a new version with the stage AWSPENDING only
   (readers of the secret, which read AWSCURRENT, still get the old one, which still works);
2. the role's password is set in the database (ALTER ROLE, the SCRAM verifier made on the client), and
   the role must log in with it;
3. AWSCURRENT is moved to the new version (Secrets Manager gives the old one AWSPREVIOUS), and
   AWSPENDING is taken off it;
4. the old password must be refused.

Between 2 and 3 (one Secrets Manager call) the database refuses the password AWSCURRENT still holds; a
client that fails to log in reads the secret again and gets the new one. Every login attempted with what
the secret holds once it has changed succeeds. Alternating users (two roles per login, the secret
switching between them) would close that window, but every policy, grant and the manifest would have
to know both roles, and RDS Proxy authenticates a secret by its username: so not here.

A run that stopped between 1 and 3 leaves an AWSPENDING version; the next run finishes it (the database
may or may not have the pending password: a login tells) rather than making another. If the role cannot
log in with the new password after 2, the old password is set back and the pending version removed:
the database and the secret are as they were.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import secrets
import string
import uuid

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import logins
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

try:
    from typing import Any, Callable, Dict, List, Optional, Sequence
except ImportError:  # pragma: no cover
    pass

CURRENT, PENDING = 'AWSCURRENT', 'AWSPENDING'
PASSWORD_LENGTH = 32  # as the secret role generates them: letters and digits
_ALPHABET = string.ascii_letters + string.digits


def new_password():
    # type: () -> str
    return ''.join(secrets.choice(_ALPHABET) for dummy in range(PASSWORD_LENGTH))


class SecretStore:
    """The calls rotation makes to Secrets Manager (``client``: boto3's secretsmanager client)."""

    def __init__(self, client):
        # type: (Any) -> None
        self.client = client

    def versions(self, secret_id):
        # type: (str) -> Dict[str, Dict[str, Any]]
        """{version id: dict(stages, created)} of the secret's versions that have a stage."""
        found, kwargs = {}, dict(SecretId=secret_id, IncludeDeprecated=False)
        while True:
            page = self.client.list_secret_version_ids(**kwargs)
            for version in page.get('Versions', []):
                found[version['VersionId']] = dict(stages=version.get('VersionStages', []),
                                                   created=version.get('CreatedDate'))
            if not page.get('NextToken'):
                return found
            kwargs['NextToken'] = page['NextToken']

    def arn(self, secret_id):
        # type: (str) -> str
        """The secret's ARN; EngineError when there is no such secret."""
        try:
            return self.client.describe_secret(SecretId=secret_id)['ARN']
        except is_boto3_error_code('ResourceNotFoundException'):
            raise EngineError('secret %s does not exist; nothing was changed' % secret_id)

    def read(self, secret_id, version_id):
        # type: (str, str) -> Dict[str, Any]
        return json.loads(self.client.get_secret_value(SecretId=secret_id, VersionId=version_id)['SecretString'])

    def put_pending(self, secret_id, document):
        # type: (str, Dict[str, Any]) -> str
        version = str(uuid.uuid4())
        self.client.put_secret_value(SecretId=secret_id, ClientRequestToken=version, SecretString=json.dumps(document),
                                     VersionStages=[PENDING])
        return version

    def promote(self, secret_id, version_id, current_id):
        # type: (str, str, Optional[str]) -> None
        self.client.update_secret_version_stage(SecretId=secret_id, VersionStage=CURRENT, MoveToVersionId=version_id,
                                                RemoveFromVersionId=current_id)
        self.client.update_secret_version_stage(SecretId=secret_id, VersionStage=PENDING, RemoveFromVersionId=version_id)

    def drop_pending(self, secret_id, version_id):
        # type: (str, str) -> None
        self.client.update_secret_version_stage(SecretId=secret_id, VersionStage=PENDING, RemoveFromVersionId=version_id)


def _stage(versions, stage):
    # type: (Dict[str, Dict[str, Any]], str) -> Optional[str]
    return next((version for version, info in versions.items() if stage in info['stages']), None)


def proxy_secret_arns(rds_client, proxy_name):
    # type: (Any, str) -> List[str]
    """The ARNs of the secrets RDS Proxy ``proxy_name`` authenticates with."""
    proxies = rds_client.describe_db_proxies(DBProxyName=proxy_name)['DBProxies']
    return [auth['SecretArn'] for proxy in proxies for auth in proxy.get('Auth', []) if auth.get('SecretArn')]


def plan(conn, store, role_secrets, older_than_days=0, now=None, allowed_arns=None):
    # type: (Any, Any, Dict[str, str], int, Any, Optional[Sequence[str]]) -> List[Dict[str, Any]]
    """What a rotation of ``role_secrets`` (role -> secret id) would do, checked before anything is changed.

    Raises EngineError naming the role or the secret when a secret is not among ``allowed_arns`` (when
    given: the secrets the proxy authenticates with), has no current version or names another user, or
    a role does not exist or cannot log in. Returns a list of
    dict(role, secret, current, pending, action) with action 'rotate', 'finish' (a pending version
    left by an interrupted run) or 'skip' (rotated less than ``older_than_days`` ago), and ``reason``.
    """
    now = now or datetime.datetime.now(datetime.timezone.utc)
    names = sorted(role_secrets)
    logins.check_login_roles(conn, names)
    steps = []
    for role in names:
        secret = role_secrets[role]
        arn = store.arn(secret)
        if allowed_arns is not None and arn not in allowed_arns:
            raise EngineError('secret %s of role %s is not one the proxy authenticates with: a rotated password the '
                              'applications could not use through the proxy; nothing was changed' % (secret, role))
        versions = store.versions(secret)
        current = _stage(versions, CURRENT)
        if current is None:
            raise EngineError('secret %s of role %s has no AWSCURRENT version; nothing was changed' % (secret, role))
        document = store.read(secret, current)
        if document.get('username') != role:
            raise EngineError('secret %s holds the credentials of %r, not of role %s; nothing was changed'
                              % (secret, document.get('username'), role))
        pending = _stage(versions, PENDING)
        step = dict(role=role, secret=secret, current=current, pending=pending if pending != current else None)
        created = versions[current]['created']
        # never below 0: a version stamped by a clock ahead of this one (Secrets Manager's) is new, not from the future
        age = max(0.0, (now - created).total_seconds() / 86400) if created else None
        if step['pending']:
            step.update(action='finish', reason='a pending version left by an interrupted rotation')
        elif older_than_days and age is not None and age < older_than_days:
            step.update(action='skip', reason='rotated %.1f days ago (rotated after %s days)' % (age, older_than_days))
        else:
            step.update(action='rotate', reason='the password is %s days old' % ('?' if age is None else '%.1f' % age))
        steps.append(step)
    return steps


def rotate(conn, store, steps, try_login, password=new_password):
    # type: (Any, Any, List[Dict[str, Any]], Callable[[str, str], Optional[str]], Callable[[], str]) -> List[Dict[str, Any]]
    """Carry out the steps of plan(). ``try_login(role, password)`` is None when the role logs in, else the
    error. Returns the roles rotated. Raises EngineError naming the role (what was done before it stays
    done: each role is rotated completely or not at all)."""
    rotated = []
    for step in steps:
        if step['action'] == 'skip':
            continue
        role, secret = step['role'], step['secret']
        old = store.read(secret, step['current'])
        if step['pending']:
            version, new = step['pending'], store.read(secret, step['pending'])['password']
        else:
            new = password()
            version = store.put_pending(secret, dict(old, password=new))
        if try_login(role, new) is not None:
            logins.set_password(conn, role, new)
            error = try_login(role, new)
            if error is not None:
                logins.set_password(conn, role, old['password'])
                store.drop_pending(secret, version)
                raise EngineError('role %s cannot log in with its new password (%s); its old password was set back '
                                  'and the secret %s left as it was' % (role, error, secret))
        store.promote(secret, version, step['current'])
        if try_login(role, old['password']) is None and old['password'] != new:
            raise EngineError('role %s still logs in with its old password after the rotation: does the server '
                              'check passwords for it (pg_hba.conf)?' % role)
        rotated.append(role)
    return rotated
