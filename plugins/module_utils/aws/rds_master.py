# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The master password of an RDS instance managed by RDS in Secrets Manager (ManageMasterUserPassword).

Plain Python over boto3's rds and kms clients (amazon.aws's is_boto3_error_code tells their errors
apart); no Ansible. amazon.aws's rds_instance has no option for it: this is what module
rds_master_secret does with it.

With the master password managed, RDS creates the secret (``rds!db-<id>``, a JSON document with
``username`` and ``password``), encrypts it with the KMS key given (else Secrets Manager's own key,
aws/secretsmanager), and rotates it itself (every seven days by default). Nobody needs to know the
password: RDS Proxy and the database play read the secret.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

try:
    from typing import Any, Dict, Optional
except ImportError:  # pragma: no cover
    pass


def describe(rds, identifier):
    # type: (Any, str) -> Dict[str, Any]
    """The instance's description; EngineError when there is no such instance."""
    try:
        return rds.describe_db_instances(DBInstanceIdentifier=identifier)['DBInstances'][0]
    except is_boto3_error_code('DBInstanceNotFound'):
        raise EngineError('RDS instance %s does not exist; nothing was changed' % identifier)


def resolve_kms_key(kms, key_id):
    # type: (Any, str) -> str
    """The ARN of the KMS key ``key_id`` (an id, ARN, alias name or alias ARN); EngineError naming the
    key when it does not exist or cannot be used."""
    try:
        metadata = kms.describe_key(KeyId=key_id)['KeyMetadata']
    except is_boto3_error_code(['NotFoundException', 'InvalidArnException']):
        raise EngineError('KMS key %s does not exist in this account and region; nothing was changed' % key_id)
    if metadata.get('KeyState') != 'Enabled':
        raise EngineError('KMS key %s is %s, not Enabled; nothing was changed' % (key_id, metadata.get('KeyState')))
    return metadata['Arn']


def state(instance):
    # type: (Dict[str, Any]) -> Dict[str, Any]
    """What the collection compares: dict(managed, kms_key_id, secret_arn, secret_status)."""
    secret = instance.get('MasterUserSecret') or {}
    return dict(managed=bool(secret), kms_key_id=secret.get('KmsKeyId'), secret_arn=secret.get('SecretArn'),
                secret_status=secret.get('SecretStatus'))


def change(instance, manage, kms_key_arn=None, password=None):
    # type: (Dict[str, Any], bool, Optional[str], Optional[str]) -> Optional[Dict[str, Any]]
    """The ModifyDBInstance parameters that bring ``instance`` to what is asked, or None when it is there.

    manage: True for a password RDS manages (with the KMS key ``kms_key_arn``, when given: None leaves the
    key as it is); False for a password of the user's (``password``, required then).
    """
    current = state(instance)
    if manage:
        if current['managed'] and (kms_key_arn is None or kms_key_arn == current['kms_key_id']):
            return None
        params = dict(ManageMasterUserPassword=True)  # type: Dict[str, Any]
        if kms_key_arn:
            params['MasterUserSecretKmsKeyId'] = kms_key_arn
        return params
    if not current['managed']:
        return None
    if not password:
        raise EngineError('a master_user_password is needed to stop RDS managing the master password of %s; '
                          'nothing was changed' % instance['DBInstanceIdentifier'])
    return dict(ManageMasterUserPassword=False, MasterUserPassword=password)


def apply(rds, instance, params):
    # type: (Any, Dict[str, Any], Dict[str, Any]) -> Dict[str, Any]
    """Modify the instance now (ApplyImmediately); it must be available."""
    if instance.get('DBInstanceStatus') != 'available':
        raise EngineError('RDS instance %s is %s: its master password can be changed once it is available; '
                          'nothing was changed' % (instance['DBInstanceIdentifier'], instance.get('DBInstanceStatus')))
    return rds.modify_db_instance(DBInstanceIdentifier=instance['DBInstanceIdentifier'], ApplyImmediately=True,
                                  **params)['DBInstance']
