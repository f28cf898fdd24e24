# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module rds_master_secret through Ansible against a moto server: the master password managed by RDS
turned on (check mode, diff, idempotence), its KMS key changed, a KMS key that does not exist refused
with nothing changed, and the password handed back to the user."""

import json

import pytest

from support import localaws
from support import playbook as runner

REGION = 'eu-west-1'
CREDENTIALS = dict(AWS_ACCESS_KEY_ID='testing', AWS_SECRET_ACCESS_KEY='testing')


@pytest.fixture(scope='module')
def moto(tmp_path_factory):
    with localaws.emulated(str(tmp_path_factory.mktemp('moto'))) as server:
        yield server


def client(moto, service):
    return moto.client(service, REGION)


@pytest.fixture
def instance(moto, request):
    name = 't-master-%s' % request.node.name[-20:].replace('_', '-').strip('-')
    client(moto, 'rds').create_db_instance(DBInstanceIdentifier=name, Engine='postgres', DBInstanceClass='db.t4g.micro',
                                           MasterUsername='shoppulse_admin', MasterUserPassword='initial-password-1',
                                           AllocatedStorage=20)
    return name


def module(moto, tmp_path, *extra, **args):
    """Run the module once on localhost; return the JSON callback's result of its task."""
    return runner.aws_module(moto, REGION, CREDENTIALS, tmp_path, 'master secret', 'rds_master_secret', args, *extra)


def secret_of(moto, name):
    return client(moto, 'rds').describe_db_instances(DBInstanceIdentifier=name)['DBInstances'][0].get('MasterUserSecret')


def test_managed_on_with_check_mode_and_diff_then_idempotent_then_a_new_key(moto, tmp_path, instance):
    done, checked = module(moto, tmp_path, '--check', '--diff', db_instance_identifier=instance, manage=True)
    assert done.returncode == 0 and checked['changed'], checked
    assert checked['diff']['before'] == {'managed': False, 'kms_key_id': None}
    assert checked['diff']['after']['managed'] is True
    assert secret_of(moto, instance) is None  # check mode changed nothing

    done, turned_on = module(moto, tmp_path, db_instance_identifier=instance, manage=True)
    assert done.returncode == 0 and turned_on['changed'], turned_on
    secret = secret_of(moto, instance)
    assert turned_on['master_user_secret']['secret_arn'] == secret['SecretArn'] and secret['SecretStatus'] == 'active'
    document = json.loads(client(moto, 'secretsmanager').get_secret_value(SecretId=secret['SecretArn'])['SecretString'])
    assert document['username'] == 'shoppulse_admin' and len(document['password']) == 32
    assert document['password'] not in done.stdout + done.stderr

    done, again = module(moto, tmp_path, db_instance_identifier=instance, manage=True)
    assert done.returncode == 0 and not again['changed'], again

    key = client(moto, 'kms').create_key(Description='shoppulse test')['KeyMetadata']
    alias = 'alias/t-%s' % instance
    client(moto, 'kms').create_alias(AliasName=alias, TargetKeyId=key['KeyId'])
    done, rekeyed = module(moto, tmp_path, '--diff', db_instance_identifier=instance, manage=True, kms_key_id=alias)
    assert done.returncode == 0 and rekeyed['changed'], rekeyed
    assert rekeyed['diff']['after'] == {'managed': True, 'kms_key_id': key['Arn']}
    assert secret_of(moto, instance) == dict(secret, KmsKeyId=key['Arn'])  # the same secret, re-encrypted
    done, again = module(moto, tmp_path, db_instance_identifier=instance, manage=True, kms_key_id=key['KeyId'])
    assert done.returncode == 0 and not again['changed'], again


def test_bad_inputs_change_nothing(moto, tmp_path, instance):
    missing_key = 'arn:aws:kms:%s:123456789012:key/00000000-0000-0000-0000-000000000000' % REGION
    for args, message in (
            (dict(db_instance_identifier=instance, manage=True, kms_key_id=missing_key),
             'KMS key %s does not exist in this account and region; nothing was changed' % missing_key),
            (dict(db_instance_identifier=instance, manage=True, kms_key_id='alias/t-no-such-alias'),
             'KMS key alias/t-no-such-alias does not exist'),
            (dict(db_instance_identifier='t-no-such-instance', manage=True), 'RDS instance t-no-such-instance does not exist'),
            (dict(db_instance_identifier=instance, manage=False, kms_key_id=missing_key), 'kms_key_id is for a password RDS manages')):
        done, result = module(moto, tmp_path, **args)
        assert done.returncode != 0 and message in result['msg'], result
    assert secret_of(moto, instance) is None
    module(moto, tmp_path, db_instance_identifier=instance, manage=True)
    done, result = module(moto, tmp_path, db_instance_identifier=instance, manage=False)
    assert done.returncode != 0 and 'a master_user_password is needed' in result['msg'], result
    assert secret_of(moto, instance)['SecretStatus'] == 'active'


def test_handed_back_to_the_user(moto, tmp_path, instance):
    module(moto, tmp_path, db_instance_identifier=instance, manage=True)
    arn = secret_of(moto, instance)['SecretArn']
    done, result = module(moto, tmp_path, '--diff', db_instance_identifier=instance, manage=False,
                          master_user_password='a-password-of-the-users-1')
    assert done.returncode == 0 and result['changed'] and result['diff']['after'] == {'managed': False, 'kms_key_id': None}
    assert secret_of(moto, instance) is None
    assert arn not in [s['ARN'] for s in client(moto, 'secretsmanager').list_secrets()['SecretList']]
    assert 'a-password-of-the-users-1' not in done.stdout + done.stderr
    done, again = module(moto, tmp_path, db_instance_identifier=instance, manage=False)
    assert done.returncode == 0 and not again['changed']
