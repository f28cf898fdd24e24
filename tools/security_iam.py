# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SP-IAM-DEPLOYER of tools/security_check.py: the policies of the identity that runs the playbooks (files/iam/),
read by what each statement means.

- Every action named; "*" as a resource only for the reads AWS does not scope to a resource.
- Nothing with which the deployer could widen what it may do (a boundary taken away, a policy's text changed),
  role writes only with the service roles' permissions boundary, the master secret of this instance only.
- EC2's and RDS Proxy's writes, whose resources have ids AWS chooses (so a policy cannot name them), only on
  resources that carry the stack's tag (ec2:ResourceTag, aws:ResourceTag) or, for a create, when the request gives
  it (aws:RequestTag); ec2:CreateTags by the request's tag only with ec2:CreateAction (tagging on creation), else
  the deployer could claim another stack's resource by tagging it; rules revoked (never added) on groups without
  the tag, as AWS creates a VPC's default group. Deny statements are allowed: they only narrow.
"""

from __future__ import annotations

import glob
import json
import os
import re

STACK_TAG, STACK_NAME = '{{ stack.tag }}', '{{ stack.name }}'
_READ = re.compile(r'^[a-z0-9-]+:(Describe|List|Get)[A-Za-z]+$')


# What AWS does not scope to a resource: the only actions a deployer policy may allow on "*".
_UNSCOPED_READS = re.compile(r'^[a-z0-9-]+:(Describe|List)[A-Za-z]+$')


def check_deployer_policies(tree):
    """files/iam/*.json, the policies of the identity that runs the playbooks (playbooks/iam-policies.yml)."""
    findings = []
    paths = sorted(glob.glob(os.path.join(tree.root, 'files', 'iam', '*.json')))
    if not paths:
        return ['files/iam/ holds no policy']
    for path in paths:
        where = os.path.relpath(path, tree.root)
        with open(path) as handle:
            try:
                document = json.load(handle)
            except ValueError as exc:
                findings.append('%s: not JSON (%s)' % (where, exc))
                continue
        for number, statement in enumerate(document.get('Statement', []), 1):
            name = statement.get('Sid') or 'statement %d' % number
            actions = statement.get('Action', [])
            actions = actions if isinstance(actions, list) else [actions]
            resources = statement.get('Resource', [])
            resources = resources if isinstance(resources, list) else [resources]
            if 'NotAction' in statement or 'NotResource' in statement or statement.get('Effect') not in ('Allow', 'Deny'):
                findings.append('%s: %s: only Allow and Deny statements with Action and Resource' % (where, name))
            wild = [action for action in actions if '*' in action or '?' in action]
            if wild:
                findings.append('%s: %s allows a wildcard action (%s)' % (where, name, ', '.join(wild)))
            if statement.get('Effect') != 'Allow':
                continue  # a Deny only narrows what the Allow statements give
            if '*' in resources:
                scoped = [action for action in actions if not _UNSCOPED_READS.match(action)]
                if scoped:
                    findings.append('%s: %s allows %s on every resource ("*")' % (where, name, ', '.join(scoped)))
            problems = _escalations(statement, actions, resources) + _beyond_the_stack(statement, actions, resources)
            findings.extend('%s: %s %s' % (where, name, problem) for problem in problems)
    return findings


# Role writes that make a role as strong as its policies say: allowed only with the service roles' boundary.
_ROLE_WRITES = ('iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:PutRolePermissionsBoundary')
# Never for the deployer: taking a boundary away, or changing a managed policy's text (the boundary's among them).
_NEVER = ('iam:DeleteRolePermissionsBoundary', 'iam:CreatePolicyVersion', 'iam:SetDefaultPolicyVersion',
          'iam:UpdateAssumeRolePolicy', 'iam:AttachUserPolicy', 'iam:PutUserPolicy', 'iam:CreateAccessKey')
# What RDS itself asks for with the caller's rights when it creates the managed master secret.
_RDS_ON_ITS_OWN = ('secretsmanager:CreateSecret', 'secretsmanager:TagResource')


def _escalations(statement, actions, resources):
    """What a deployer statement allows beyond the stack, by what it means."""
    condition = statement.get('Condition') or {}
    equals = condition.get('StringEquals') or {}
    problems = []
    never = [a for a in actions if a in _NEVER]
    if never:
        problems.append('allows %s, with which the deployer could widen what it may do' % ', '.join(never))
    writes = [a for a in actions if a in _ROLE_WRITES]
    if writes and not str(equals.get('iam:PermissionsBoundary', '')).endswith(':policy/{{ names.service_role_boundary }}'):
        problems.append('allows %s without requiring the service roles\' permissions boundary (a condition on '
                        'iam:PermissionsBoundary)' % ', '.join(writes))
    master = [a for a in actions if a.startswith('secretsmanager:') and a not in _RDS_ON_ITS_OWN]
    tag = 'secretsmanager:ResourceTag/aws:rds:primaryDBInstanceArn'
    if master and any(':secret:rds!' in r for r in resources) and not str(equals.get(tag, '')).endswith(
            ':db:{{ names.instance }}'):
        problems.append('allows %s on the master secrets RDS keeps without naming this instance (a condition on %s)'
                        % (', '.join(master), tag))
    return problems


def _stack_bound(statement):
    """The tag keys of the stack the statement requires with the stack's name (StringEquals)."""
    equals = (statement.get('Condition') or {}).get('StringEquals') or {}
    return set(key.split('/', 1)[0] for key, value in equals.items()
               if key.endswith('Tag/' + STACK_TAG) and value == STACK_NAME)


def _unbound_resources(action, resources):
    """The resources of ``resources`` that an EC2 or RDS Proxy write ``action`` could reach in another stack."""
    if _READ.match(action):
        return []
    if action.startswith('ec2:'):
        return [r for r in resources if r.startswith('arn:aws:ec2:') and '*' in r.rsplit(':', 1)[-1]]
    if action.startswith('rds:') and 'DBProxy' in action:
        return [r for r in resources if ':db-proxy:' in r and r.endswith('*')]
    return []


def _beyond_the_stack(statement, actions, resources):
    """What an Allow statement lets EC2 and RDS Proxy writes reach beyond the resources tagged as the stack's."""
    bound = _stack_bound(statement)
    untagged_only = str(((statement.get('Condition') or {}).get('Null') or {}).get(
        'ec2:ResourceTag/' + STACK_TAG, '')).lower() == 'true'
    problems = []
    unbound = [a for a in actions if _unbound_resources(a, resources)]
    if untagged_only:
        unbound = [a for a in unbound if not a.startswith('ec2:RevokeSecurityGroup')]
    elif bound:
        unbound = []
    if unbound:
        problems.append('allows %s on resources of any stack (a condition on the stack\'s tag %s: its resource\'s, '
                        'or the request\'s for a create)' % (', '.join(unbound), STACK_TAG))
    if 'ec2:CreateTags' in actions and bound == {'aws:RequestTag'} and not (
            statement.get('Condition') or {}).get('StringEquals', {}).get('ec2:CreateAction'):
        problems.append('allows ec2:CreateTags by the request\'s tag alone: the deployer could tag another stack\'s '
                        'resource as its own (ec2:CreateAction limits it to tagging on creation)')
    return problems
