# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The least-privilege policies (files/iam/) proven on the emulated AWS with IAM authorization on.

A moto server whose IAM authorization starts after the set-up requests (INITIAL_NO_AUTH_ACTION_COUNT), and
records each action it authorizes (moto_extension, SHOPPULSE_MOTO_ACTION_LOG). Two users hold exactly the
policies playbooks/iam-policies.yml writes for the local inventory: the deployer runs site.yml (provision and
database, first run, no-op run, check mode), verify.yml and rotate.yml; the other runs teardown.yml; both
paths of the master password, generated and managed (the instance "creating" at first, as on AWS). Every
playbook passes, and the actions each user called are exactly its policy's actions, but for the permissions
AWS checks without an API call of the user's (IMPLICIT)."""

import json
import os

import pytest

from support import ROOT, localsite
from support import playbook as runner

ACCOUNT = '123456789012'  # moto's
SETUP = dict(aws_access_key_id='AKIAIOSFODNN7EXAMPLE', aws_secret_access_key='setup')
USERS = {'deployer': 'deployer-policy.json', 'teardown': 'teardown-policy.json'}
# Permissions in the policies that no recorded API call shows: AWS checks them when it acts on the caller's behalf.
IMPLICIT = {
    'iam:PassRole': 'checked when RDS Proxy and the flow logs are given their roles (CreateDBProxy, CreateFlowLogs)',
    'kms:DescribeKey': "RDS describes the master secret's KMS key with the caller's rights (ManageMasterUserPassword)",
    'secretsmanager:TagResource': "RDS tags the master secret it creates with the caller's rights",
}
ALWAYS_ALLOWED = {'sts:GetCallerIdentity'}  # needs no permission on AWS (the lookup aws_connection's checks)


def actions_of(policy):
    return set(action for statement in policy['Statement'] for action in
               (statement['Action'] if isinstance(statement['Action'], list) else [statement['Action']]))


@pytest.mark.long
def test_every_playbook_passes_with_exactly_the_policies_and_calls_all_their_actions(tmp_path):
    log = str(tmp_path / 'actions.log')
    with localsite.local_site('shoppulse-iam-', INITIAL_NO_AUTH_ACTION_COUNT=str(3 * len(USERS)),
                              SHOPPULSE_MOTO_ACTION_LOG=log, SHOPPULSE_MOTO_RDS_CREATING_SECONDS='3') as (base, server):
        inventory = os.path.join(base, 'inventories', 'local')
        outputs = os.path.join(base, 'outputs.yml')

        def run(playbook, user_keys, *extra):
            return runner.run(os.path.join(ROOT, playbook), *extra, inventory=inventory, json_output=False,
                              extra_vars=dict(shoppulse_outputs_file=outputs),
                              env=runner.environment(json_output=False, aws=user_keys))

        written = run('playbooks/iam-policies.yml', {}, '-e', 'shoppulse_aws_account_id=' + ACCOUNT)
        assert written.returncode == 0, written.stdout[-3000:]
        policies = {}
        for user, name in USERS.items():
            with open(os.path.join(base, 'iam', name)) as handle:
                policies[user] = json.load(handle)
        rendered = json.dumps(policies)
        assert '{{' not in rendered and 'arn:aws:rds:eu-west-1:%s:db:shoppulse-analytics"' % ACCOUNT in rendered

        # the set-up requests, before IAM authorization starts: a user of each policy
        iam = localsite.aws(base).client('iam', 'eu-west-1', **SETUP)
        keys = {}
        for user in USERS:
            iam.create_user(UserName=user)
            iam.put_user_policy(UserName=user, PolicyName=user, PolicyDocument=json.dumps(policies[user]))
            key = iam.create_access_key(UserName=user)['AccessKey']
            keys[user] = dict(AWS_ACCESS_KEY_ID=key['AccessKeyId'], AWS_SECRET_ACCESS_KEY=key['SecretAccessKey'])

        def passed(done, *context):
            failures = [line for line in done.stdout.splitlines() if 'fatal' in line or 'FAILED' in line][-6:]
            return done.returncode == 0, (context, failures, open(log).read()[-1500:])

        for mode in ('generated', 'managed'):
            master = ['-e', 'shoppulse_master_secret=' + mode]
            first = run('site.yml', keys['deployer'], *master)
            assert passed(first, mode)[0], passed(first, mode)[1]
            if mode == 'generated':
                # the policies are enforced: the deployer may not tear down, and is refused at its first deletion
                # (the alarms); the no-op run after it shows that nothing was removed
                refused = run('playbooks/teardown.yml', keys['deployer'], *master)
                assert refused.returncode != 0 and 'AccessDenied' in refused.stdout, refused.stdout[-3000:]
            for extra in ([], ['--check']):
                done = run('site.yml', keys['deployer'], *(master + extra))
                assert passed(done, mode, extra)[0] and ' changed=0 ' in done.stdout, passed(done, mode, extra)[1]
            for playbook in ('playbooks/verify.yml', 'playbooks/rotate.yml'):
                done = run(playbook, keys['deployer'], *master)
                assert passed(done, mode, playbook)[0], passed(done, mode, playbook)[1]
            for dummy in range(2):  # the second finds nothing to remove
                done = run('playbooks/teardown.yml', keys['teardown'], *master)
                assert passed(done, mode, 'teardown')[0], passed(done, mode, 'teardown')[1]

    with open(log) as handle:
        calls = [line.split() for line in handle]
    for user, policy in policies.items():
        mine = [(action, outcome) for key, action, outcome in calls if key == keys[user]['AWS_ACCESS_KEY_ID']]
        denied = sorted(set(action for action, outcome in mine if outcome == 'denied'))
        called = set(action for action, outcome in mine if outcome == 'allowed') - ALWAYS_ALLOWED
        if user == 'deployer':
            assert denied == ['cloudwatch:DeleteAlarms']  # the refused teardown, and nothing else
        else:
            assert denied == []
        granted = actions_of(policy)
        assert sorted(called - granted) == [], '%s called actions its policy lacks' % user
        assert sorted(granted - called - set(IMPLICIT)) == [], '%s: actions in the policy that no playbook called' % user


def test_a_policy_edited_with_a_wildcard_is_refused_and_nothing_is_written(tmp_path):
    source = tmp_path / 'iam'
    source.mkdir()
    for name in USERS.values():
        with open(os.path.join(ROOT, 'files', 'iam', name)) as handle:
            text = handle.read()
        (source / name).write_text(text.replace('"rds:ModifyDBProxy"', '"rds:Modify*"'))
    done = runner.run(os.path.join(ROOT, 'playbooks', 'iam-policies.yml'), inventory=os.path.join(ROOT, 'inventories', 'dev'),
                      json_output=False, env=runner.environment(json_output=False),
                      extra_vars=dict(shoppulse_aws_account_id=ACCOUNT, iam_policy_source_dir=str(source),
                                      shoppulse_outputs_file=str(tmp_path / 'out' / 'dev.yml')))
    assert done.returncode != 0
    assert '%s/deployer-policy.json: the action(s) rds:Modify* hold a wildcard' % source in done.stdout, done.stdout[-2000:]
    assert 'nothing was written' in done.stdout and not (tmp_path / 'out').exists()
