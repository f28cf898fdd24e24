# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""site.yml on the local site with the master password managed by RDS (shoppulse_master_secret: managed):
the emulated RDS keeps the master secret (holding the local server's password, as RDS's would hold one its
instance accepts), RDS Proxy authenticates the master user with it, the database play reads it; no secret of
the collection's own holds the master password; the second run changes nothing. A KMS key that does not
exist stops the run before anything is created."""

import json
import os

import yaml

from support import ROOT, localsite
from support import playbook as runner


def site(base, *extra):
    return runner.run(os.path.join(ROOT, 'site.yml'), '-e', 'shoppulse_master_secret=managed', *extra,
                      inventory=os.path.join(base, 'inventories', 'local'), json_output=False,
                      extra_vars=dict(shoppulse_outputs_file=os.path.join(base, 'outputs.yml')),
                      env=runner.environment(json_output=False, aws=localsite.CREDENTIALS))


def test_the_master_password_rds_manages_end_to_end():
    # the instance is "creating" when the database role starts it, as on a first run on AWS: RDS is given the
    # password after the wait, and the proxy, started before, gets the master secret then (proxy/tasks/attach.yml)
    with localsite.local_site('shoppulse-site-managed-', SHOPPULSE_MOTO_RDS_CREATING_SECONDS='8') as (base, server):
        aws = localsite.aws(base)  # the site's emulated AWS
        missing_key = 'alias/shoppulse-no-such-key'
        refused = site(base, '-e', 'database_master_secret_kms_key_id=' + missing_key)
        assert refused.returncode != 0
        assert ('KMS key %s (database_master_secret_kms_key_id) does not exist in eu-west-1; nothing was changed'
                % missing_key) in refused.stdout, refused.stdout[-3000:]
        assert aws.client('ec2').describe_vpcs(Filters=[{'Name': 'tag:Name', 'Values': ['shoppulse-analytics']}])['Vpcs'] == []

        key = aws.client('kms').create_key(Description='master secret')['KeyMetadata']
        first = site(base, '-e', 'database_master_secret_kms_key_id=' + key['KeyId'])
        assert first.returncode == 0, first.stdout[-4000:]
        assert server.password not in first.stdout + first.stderr
        instance = aws.client('rds').describe_db_instances()['DBInstances'][0]
        managed = instance['MasterUserSecret']
        assert managed['KmsKeyId'] == key['Arn'] and managed['SecretStatus'] == 'active'
        proxy = aws.client('rds').describe_db_proxies()['DBProxies'][0]
        assert proxy['Auth'][0]['SecretArn'] == managed['SecretArn'] and len(proxy['Auth']) == 4
        secrets = aws.client('secretsmanager')
        names = [s['Name'] for s in secrets.list_secrets()['SecretList']]
        assert 'shoppulse-analytics/db-master' not in names, names
        document = json.loads(secrets.get_secret_value(SecretId=managed['SecretArn'])['SecretString'])
        assert document == {'username': 'shoppulse_admin', 'password': server.password}
        # the proxy's role may read the secret and decrypt it with the key
        role = proxy['RoleArn'].split('/')[-1]
        iam = aws.client('iam')
        policy = json.dumps([iam.get_role_policy(RoleName=role, PolicyName=name)['PolicyDocument']
                             for name in iam.list_role_policies(RoleName=role)['PolicyNames']])
        assert managed['SecretArn'] in policy and key['Arn'] in policy
        assert 'is at migration version' in first.stdout  # the database play connected with the managed secret
        with open(os.path.join(base, 'outputs.yml')) as handle:
            assert yaml.safe_load(handle)['secret_arn'] == managed['SecretArn']
        assert "TASK [shoppulse.analytics.proxy : Give the proxy the secrets it lacks]" in first.stdout
        after = first.stdout.split('Give the proxy the secrets it lacks')[1]
        assert 'included: ' in after[:300], after[:3000]

        again = site(base, '-e', 'database_master_secret_kms_key_id=' + key['KeyId'])
        assert again.returncode == 0 and ' changed=0 ' in again.stdout, again.stdout[-4000:]
