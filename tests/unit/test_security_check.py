# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""tools/security_check.py: every check passes on the collection and fails on a bad example of it.

Each bad example is the collection with one promise broken, the way a change or an inventory could
break it: the check that keeps the promise must fail, naming the place.
"""

import os
import shutil

import pytest

import security_check
from support import ROOT


def results(root):
    return dict((check_id, findings) for check_id, dummy, findings in security_check.run(root))


def test_every_check_passes_on_the_collection():
    found = results(ROOT)
    assert len(found) == 13
    assert found == dict((check_id, []) for check_id in found)


@pytest.fixture()
def copy(tmp_path):
    for part in ('roles', 'playbooks', 'inventories', 'files/iam'):
        shutil.copytree(os.path.join(ROOT, part), str(tmp_path / part), symlinks=True,
                        ignore=shutil.ignore_patterns('collections'))
    return tmp_path


def edit(root, path, old, new):
    full = os.path.join(str(root), path)
    with open(full) as handle:
        text = handle.read()
    assert old in text, (path, old)
    with open(full, 'w') as handle:
        handle.write(text.replace(old, new, 1))


# the deployer's revoking of rules on groups without the stack's tag (a VPC's default group)
DEFAULT_GROUP_REVOKE = ('"ec2:RevokeSecurityGroupIngress"\n      ],\n'
                        '      "Resource": "arn:aws:ec2:{{ region }}:{{ account }}:security-group/*"')
# the condition of the deployer's changes to the network: the stack's tag on the resource
CHANGE_CONDITION = '"ec2:ResourceTag/{{ stack.tag }}": "{{ stack.name }}"\n        },\n        "StringEqualsIfExists"'
LOGS = 'enable_cloudwatch_logs_exports: "{{ ([\'postgresql\'] + database_log_exports) | unique | sort }}"'
BAD_EXAMPLES = [
    ('SP-RDS-ENCRYPTED', 'roles/database/tasks/present.yml', 'storage_encrypted: true', 'storage_encrypted: false',
     'storage_encrypted is False'),
    ('SP-RDS-ENCRYPTED', 'roles/database/tasks/present.yml', 'storage_encrypted: true',
     'storage_encrypted: "{{ database_encrypted }}"', 'storage_encrypted is a template'),
    ('SP-RDS-PRIVATE', 'roles/database/tasks/present.yml', 'publicly_accessible: false', 'publicly_accessible: true',
     'publicly_accessible is True'),
    ('SP-RDS-ISOLATED', 'roles/database/defaults/main.yml', 'subnet_ids.isolated', 'subnet_ids.public',
     'not the isolated ones'),
    ('SP-RDS-LOGS', 'roles/database/tasks/present.yml', LOGS, 'enable_cloudwatch_logs_exports: [upgrade]',
     'a list without the postgresql log'),
    ('SP-RDS-LOGS', 'roles/database/tasks/present.yml', LOGS,
     'enable_cloudwatch_logs_exports: "{{ database_log_exports }}"', 'a list without the postgresql log'),
    ('SP-RDS-LOGS', 'roles/database/tasks/present.yml', LOGS,
     'enable_cloudwatch_logs_exports: "{{ ([\'upgrade\'] + database_log_exports) | unique | sort }}"',
     'a list without the postgresql log'),
    ('SP-RDS-LOGS', 'roles/database/tasks/present.yml', LOGS,
     'enable_cloudwatch_logs_exports: "{{ ([\'postgresql\'] + database_log_exports) | unique | reject(\'eq\', \'postgresql\') }}"',
     'a list without the postgresql log'),
    ('SP-RDS-MINOR', 'roles/database/tasks/present.yml', 'auto_minor_version_upgrade: true',
     'auto_minor_version_upgrade: false', 'auto_minor_version_upgrade is False'),
    ('SP-RDS-SSL', 'roles/database/tasks/present.yml', "combine({'rds.force_ssl': 1})", "combine({'rds.force_ssl': 0})",
     'does not set rds.force_ssl to 1'),
    # the inventory's parameters last: they could turn it off
    ('SP-RDS-SSL', 'roles/database/tasks/present.yml', "database_parameters | combine({'rds.force_ssl': 1})",
     "{'rds.force_ssl': 1} | combine(database_parameters)", 'does not set rds.force_ssl to 1'),
    ('SP-PROXY-TLS', 'roles/proxy/tasks/present.yml', 'require_tls: true', 'require_tls: false',
     'require_tls is False'),
    ('SP-PROXY-TLS', 'roles/proxy/tasks/present.yml', 'require_tls: true', 'require_tls: "{{ proxy_require_tls }}"',
     'require_tls is a template'),
    ('SP-PROXY-TLS', 'roles/proxy/tasks/present.yml', '    require_tls: true', '    #', 'require_tls is \'left out\''),
    # CIDRs by what they reach: each way of writing the internet, one at a time
    ('SP-SG-5432', 'inventories/production/group_vars/all.yml', 'database_client_cidrs: []',
     'database_client_cidrs: [10.0.0.0/8, 0.0.0.0/0]', 'database_client_cidrs[1]: 0.0.0.0/0 reaches 4277075968 addresses'),
    ('SP-SG-5432', 'inventories/production/group_vars/all.yml', 'database_client_cidrs: []',
     'database_client_cidrs: [1.2.3.4/0]', 'database_client_cidrs[0]: 1.2.3.4/0 has host bits set: AWS takes it as 0.0.0.0/0'),
    ('SP-SG-5432', 'inventories/production/group_vars/all.yml', 'database_client_cidrs: []',
     'database_client_cidrs: [0.0.0.0/1, 128.0.0.0/1]', 'database_client_cidrs together reach 4277075968 addresses'),
    ('SP-SG-5432', 'inventories/dev/group_vars/all.yml', 'database_client_cidrs: []',
     'database_client_cidrs: ["::/0"]', 'database_client_cidrs[0]: ::/0 reaches'),
    ('SP-SG-5432', 'inventories/dev/group_vars/all.yml', 'database_client_cidrs: []',
     'database_client_cidrs: [10.0.0.0/7]', 'database_client_cidrs[0]: 10.0.0.0/7 reaches 16777216 addresses'),
    ('SP-SG-5432', 'inventories/dev/group_vars/all.yml', 'network_cidr: 10.20.0.0/16', 'network_cidr: 20.20.0.0/16',
     'network_cidr[0]: 20.20.0.0/16 reaches 65536 addresses'),
    # a user's private ranges widened to the internet, in the inventory or the defaults
    ('SP-SG-5432', 'inventories/dev/group_vars/all.yml', 'database_client_cidrs: []',
     'shoppulse_private_cidrs: [0.0.0.0/0]\ndatabase_client_cidrs: [0.0.0.0/0]',
     'shoppulse_private_cidrs[0]: 0.0.0.0/0 reaches'),
    ('SP-SG-5432', 'roles/shoppulse/defaults/main.yml', '[10.0.0.0/8, 172.16.0.0/12',
     '[0.0.0.0/1, 128.0.0.0/1, 10.0.0.0/8, 172.16.0.0/12', 'shoppulse_private_cidrs together reach'),
    ('SP-SG-5432', 'roles/database/tasks/present.yml',
     '    rules:\n      - proto: tcp\n        ports: ["{{ shoppulse_db_port }}"]\n        group_id: "{{ database_proxy_sg.group_id }}"',
     '    rules:\n      - proto: tcp\n        ports: ["{{ shoppulse_db_port }}"]\n        cidr_ip: 0.0.0.0/0',
     'a rule for 5432[0]: 0.0.0.0/0 reaches'),
    ('SP-VPC-FLOWLOGS', 'roles/network/tasks/present.yml', 'traffic_type: ALL', 'traffic_type: REJECT',
     "traffic_type is 'REJECT'"),
    ('SP-LOGS-RETENTION', 'roles/network/tasks/present.yml',
     '        retention: "{{ network_flow_logs_retention_days }}"\n', '', 'has no retention'),
    ('SP-LOGS-RETENTION', 'inventories/dev/group_vars/all.yml', 'network_flow_logs_retention_days: 30',
     'network_flow_logs_retention_days: 0', 'sets network_flow_logs_retention_days to 0'),
    ('SP-IAM-SECRETS', 'roles/access/templates/read-secret.json.j2', '"secretsmanager:GetSecretValue"',
     '"secretsmanager:*"', 'allows a wildcard action (secretsmanager:*)'),
    ('SP-IAM-SECRETS', 'roles/proxy/templates/read-secret.json.j2',
     '"Resource": {{ proxy_secret_arns | to_json }}',
     '"Resource": ["*"]', 'allows secrets actions on a wildcard resource (*)'),
    ('SP-IAM-DEPLOYER', 'files/iam/deployer-policy.json', '"rds:ModifyDBProxy"', '"rds:Modify*"',
     'files/iam/deployer-policy.json: ChangeOnlyThisStacksProxy allows a wildcard action (rds:Modify*)'),
    # escalations by what a statement means: each one at a time
    ('SP-IAM-DEPLOYER', 'files/iam/deployer-policy.json',
     ':policy/{{ names.service_role_boundary }}"\n', ':policy/*"\n',
     'CreateTheServiceRolesOnlyInsideTheirBoundary allows iam:CreateRole, iam:PutRolePolicy without requiring'),
    ('SP-IAM-DEPLOYER', 'files/iam/deployer-policy.json', '"iam:ListRolePolicies",',
     '"iam:ListRolePolicies", "iam:DeleteRolePermissionsBoundary",',
     'allows iam:DeleteRolePermissionsBoundary, with which the deployer could widen'),
    ('SP-IAM-DEPLOYER', 'files/iam/deployer-policy.json', '"iam:ListRolePolicies",', '"iam:ListRolePolicies", "iam:CreatePolicyVersion",',
     'allows iam:CreatePolicyVersion, with which'),
    ('SP-IAM-DEPLOYER', 'files/iam/teardown-policy.json', ':db:{{ names.instance }}"\n', ':db:*"\n',
     'TheMasterSecretRdsKeepsForThisInstanceOnly allows secretsmanager:DeleteSecret, secretsmanager:DescribeSecret on the '
     'master secrets RDS keeps without naming this instance'),
    # EC2 and RDS Proxy writes beyond the stack's tagged resources, each one at a time
    ('SP-IAM-DEPLOYER', 'files/iam/deployer-network-policy.json', CHANGE_CONDITION,
     CHANGE_CONDITION.replace('"{{ stack.name }}"', '"*"'),
     'ChangeOnlyThisStacksNetwork allows ec2:AssociateRouteTable, ec2:AttachInternetGateway'),
    ('SP-IAM-DEPLOYER', 'files/iam/deployer-network-policy.json', '"aws:RequestTag/{{ stack.tag }}": "{{ stack.name }}"\n',
     '"aws:RequestTag/{{ stack.tag }}": "other"\n', 'CreateNetworkResourcesOnlyTaggedAsThisStacks allows ec2:AllocateAddress'),
    ('SP-IAM-DEPLOYER', 'files/iam/deployer-network-policy.json', '"ec2:CreateAction": [', '"ec2:CreateActions": [',
     'TagOnCreationOnly allows ec2:CreateTags by the request\'s tag alone'),
    ('SP-IAM-DEPLOYER', 'files/iam/deployer-network-policy.json', DEFAULT_GROUP_REVOKE,
     DEFAULT_GROUP_REVOKE.replace('Ingress"', 'Ingress", "ec2:AuthorizeSecurityGroupIngress"'),
     'EmptyTheDefaultGroupAwsCreatesUntagged allows ec2:AuthorizeSecurityGroupIngress on resources of any stack'),
    ('SP-IAM-DEPLOYER', 'files/iam/deployer-policy.json', '"aws:ResourceTag/{{ stack.tag }}": "{{ stack.name }}"',
     '"aws:ResourceTag/Project": "{{ stack.name }}"', 'ChangeOnlyThisStacksProxy allows rds:ModifyDBProxy, '
     'rds:RegisterDBProxyTargets on resources of any stack'),
    ('SP-IAM-DEPLOYER', 'files/iam/teardown-policy.json', '"Sid": "RemoveOnlyThisStacksNetwork",\n      "Effect": "Allow",',
     '"Sid": "RemoveOnlyThisStacksNetwork",\n      "Effect": "Allow", "NotResource": "x",',
     'RemoveOnlyThisStacksNetwork: only Allow and Deny'),
    ('SP-IAM-DEPLOYER', 'files/iam/teardown-policy.json', '"aws:ResourceTag/{{ stack.tag }}": "{{ stack.name }}"',
     '"aws:ResourceTag/{{ stack.tag }}X": "{{ stack.name }}"', 'RemoveOnlyThisStacksProxy allows rds:DeleteDBProxy on resources of any stack'),
    ('SP-IAM-TRUST', 'roles/proxy/templates/trust.json.j2', '"Condition": {', '"Conditions": {',
     'the trust of rds.amazonaws.com has no condition on'),
    ('SP-IAM-TRUST', 'roles/network/templates/flow-logs-trust.json.j2', '"aws:SourceArn"', '"aws:Source"',
     'the trust of vpc-flow-logs.amazonaws.com has no condition on aws:SourceArn'),
    ('SP-IAM-DEPLOYER', 'files/iam/teardown-policy.json', '"ec2:DescribeAddresses",', '"ec2:DescribeAddresses", "ec2:DeleteVpc",',
     'ReadWhatAwsDoesNotScope allows ec2:DeleteVpc on every resource ("*")'),
]


@pytest.mark.parametrize('check_id, path, old, new, message', BAD_EXAMPLES,
                         ids=['%s-%d' % (example[0], i) for i, example in enumerate(BAD_EXAMPLES)])
def test_each_check_fails_on_a_bad_example(copy, check_id, path, old, new, message):
    edit(copy, path, old, new)
    found = results(str(copy))
    assert found[check_id], check_id
    assert any(message in finding for finding in found[check_id]), found[check_id]
    assert not [other for other, findings in found.items() if findings and other != check_id]


def test_the_command_exits_non_zero_and_prints_the_findings(copy, capsys):
    edit(copy, 'roles/database/tasks/present.yml', 'publicly_accessible: false', 'publicly_accessible: true')
    assert security_check.main([str(copy)]) == 1
    out = capsys.readouterr().out
    assert 'SP-RDS-PRIVATE     FAIL' in out and '1 of 13 checks failed' in out
    assert security_check.main([ROOT]) == 0
