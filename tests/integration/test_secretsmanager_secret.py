# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Module secretsmanager_secret through Ansible against a moto server: created (check mode first, with a
diff), idempotent, each setting changed on its own (value, description, tags, rotation), restored from a
scheduled deletion, deleted; no value in any output; no deprecation warning."""

import json

import pytest

from support import localaws
from support import playbook as runner

REGION = 'eu-west-1'
CREDENTIALS = dict(AWS_ACCESS_KEY_ID='testing', AWS_SECRET_ACCESS_KEY='testing')
VALUE = json.dumps({'username': 'shoppulse_app', 'password': 'Value-Never-Printed-1'})


@pytest.fixture(scope='module')
def moto(tmp_path_factory):
    with localaws.emulated(str(tmp_path_factory.mktemp('moto'))) as server:
        yield server


def module(moto, tmp_path, *extra, **args):
    """Run the module once on localhost; return the run and its task's result."""
    done, result = runner.aws_module(moto, REGION, CREDENTIALS, tmp_path, 'secret', 'secretsmanager_secret', args, *extra)
    assert 'Value-Never-Printed' not in done.text
    # no deprecation of a module (community.aws's printed one on every call from ansible-core 2.20 on)
    assert [w for dummy, task_result in done.tasks for w in task_result.get('deprecations', [])] == []
    return done, result


def test_created_then_idempotent_then_each_setting_changed_then_deleted(moto, tmp_path):
    client = moto.client('secretsmanager', REGION)
    args = dict(name='t-secret/db-app', description='app credentials', secret=VALUE, tags={'Project': 'x'}, recovery_window=0)
    done, checked = module(moto, tmp_path, '--check', '--diff', **args)
    assert done.returncode == 0 and checked['changed'] and checked['secret'] == dict(
        checked['secret'], arn='', name='t-secret/db-app', description='app credentials', tags_dict={'Project': 'x'})
    assert checked['diff']['before'] == {} and 'SecretString' in checked['diff']['after_header']
    assert client.list_secrets()['SecretList'] == []  # check mode created nothing

    done, created = module(moto, tmp_path, **args)
    assert done.returncode == 0 and created['changed'] and created['secret']['arn'].startswith('arn:aws:secretsmanager:')
    assert client.get_secret_value(SecretId='t-secret/db-app')['SecretString'] == VALUE
    done, again = module(moto, tmp_path, '--check', **args)
    assert not again['changed'] and again['secret']['arn'] == created['secret']['arn']
    done, again = module(moto, tmp_path, **args)
    assert not again['changed'], again

    # each setting on its own: changed once, then not again
    for change, check in ((dict(secret=VALUE.replace('1', '2')),
                           lambda: client.get_secret_value(SecretId='t-secret/db-app')['SecretString'] == VALUE.replace('1', '2')),
                          (dict(description='other'), lambda: client.describe_secret(SecretId='t-secret/db-app')['Description'] == 'other'),
                          (dict(tags={'Project': 'y'}),
                           lambda: client.describe_secret(SecretId='t-secret/db-app')['Tags'] == [{'Key': 'Project', 'Value': 'y'}])):
        args.update(change)
        done, checked = module(moto, tmp_path, '--check', '--diff', **args)
        assert checked['changed'] and not check(), change
        done, changed = module(moto, tmp_path, **args)
        assert changed['changed'] and check(), change
        done, again = module(moto, tmp_path, **args)
        assert not again['changed'], change
    # an option left out is left as it is
    done, kept = module(moto, tmp_path, name='t-secret/db-app')
    assert not kept['changed'] and kept['secret']['description'] == 'other'

    # scheduled for deletion, then restored by state=present
    client.delete_secret(SecretId='t-secret/db-app', RecoveryWindowInDays=7)
    done, restored = module(moto, tmp_path, **args)
    assert restored['changed'] and 'DeletedDate' not in client.describe_secret(SecretId='t-secret/db-app')
    done, deleted = module(moto, tmp_path, name='t-secret/db-app', state='absent', recovery_window=0)
    assert deleted['changed'] and deleted['secret'] == {} and client.list_secrets()['SecretList'] == []
    done, again = module(moto, tmp_path, name='t-secret/db-app', state='absent', recovery_window=0)
    assert not again['changed'], again['diff']


def test_rotation_turned_on_and_off(moto, tmp_path):
    client = moto.client('secretsmanager', REGION)
    lam = moto.client('lambda', REGION)
    role = moto.client('iam', REGION).create_role(RoleName='t-rotation', AssumeRolePolicyDocument='{}')['Role']['Arn']
    arn = lam.create_function(FunctionName='t-rotate', Runtime='python3.12', Role=role, Handler='x.h',
                              Code={'ZipFile': b'PK\x05\x06' + b'\x00' * 18})['FunctionArn']
    module(moto, tmp_path, name='t-secret/rotated', secret=VALUE)
    # the value left out from here on: the rotation Lambda changes it (the collection's roles give the value
    # they read from the secret, as a rotated one is theirs)
    args = dict(name='t-secret/rotated', recovery_window=0)
    done, on = module(moto, tmp_path, rotation_lambda=arn, rotation_interval=7, **args)
    assert done.returncode == 0 and on['changed'] and on['secret']['rotation_enabled'], done.text[-3000:]
    assert client.describe_secret(SecretId='t-secret/rotated')['RotationRules']['AutomaticallyAfterDays'] == 7
    done, again = module(moto, tmp_path, rotation_lambda=arn, rotation_interval=7, **args)
    assert not again['changed'], again['diff']['after_header']
    done, off = module(moto, tmp_path, **args)
    assert off['changed'] and not client.describe_secret(SecretId='t-secret/rotated').get('RotationEnabled')
