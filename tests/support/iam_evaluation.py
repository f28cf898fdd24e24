# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM policy evaluation as AWS documents it, for the requests whose safety rests on a resource or a condition
(moto_extension's correction 14).

moto evaluates a policy's actions; for most services it takes every request as acting on "*" (correction 13 lets
any Resource match then) and evaluates no condition it does not know: a request carries no context but
sts:ExternalId, and a statement whose condition fails is taken as an explicit deny. The collection's policies
rest on three things moto cannot see, so for the actions in CONTEXT the request is evaluated here instead:

- the resource it acts on: the role of iam:CreateRole and iam:PutRolePolicy (by RoleName, also before it
  exists), the secret of a Secrets Manager request (by SecretId, name or ARN);
- the condition keys AWS gives it: iam:PermissionsBoundary (the boundary a CreateRole or a
  PutRolePermissionsBoundary asks for, the one the role has for PutRolePolicy and the other role actions),
  secretsmanager:ResourceTag/<key> and aws:ResourceTag/<key> (the secret's tags);
- the evaluation logic (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html):
  an explicit Deny wins; else an Allow whose Action, Resource and every Condition match; else the implicit deny.
  A condition on a key the request lacks does not match, but for ...IfExists, Null and the negated operators
  (StringNotEquals on a key that is absent matches).

Plain Python, so that it is tested on its own (tests/unit/test_iam_evaluation.py) as well as through moto.
"""

import fnmatch
import json

# The actions evaluated here, with the request parameter naming what they act on.
ROLE_ACTIONS = ('iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy', 'iam:DeleteRolePolicy',
                'iam:DetachRolePolicy', 'iam:PutRolePermissionsBoundary', 'iam:DeleteRolePermissionsBoundary',
                'iam:UpdateAssumeRolePolicy')
SECRET_ACTIONS = ('secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue',
                  'secretsmanager:UpdateSecret', 'secretsmanager:UpdateSecretVersionStage',
                  'secretsmanager:ListSecretVersionIds', 'secretsmanager:DeleteSecret', 'secretsmanager:TagResource')


def _listed(value):
    return value if isinstance(value, list) else [value]


def _like(pattern, value):
    """IAM's wildcards: * any run of characters, ? one; case-sensitive."""
    return fnmatch.fnmatchcase(value, pattern.replace('[', '[[]'))


def _operator_matches(operator, expected, actual):
    """One condition operator (without ForAnyValue/ForAllValues) over the request's value (None: absent)."""
    if operator == 'Null':
        return (actual is None) == (str(expected[0]).lower() == 'true')
    if_exists = operator.endswith('IfExists')
    base = operator[:-len('IfExists')] if if_exists else operator
    negated = 'Not' in base
    if actual is None:  # "a negated operator (StringNotEquals, ArnNotLike...) on a key not present is true"
        return if_exists or negated
    kind = base.replace('Not', '')
    if kind in ('StringEquals', 'ArnEquals'):
        found = any(actual == e for e in expected)
    elif kind == 'StringEqualsIgnoreCase':
        found = any(actual.lower() == e.lower() for e in expected)
    elif kind in ('StringLike', 'ArnLike'):
        found = any(_like(e, actual) for e in expected)
    elif kind == 'Bool':
        found = any(str(actual).lower() == str(e).lower() for e in expected)
    else:
        raise ValueError('condition operator %s is not evaluated here' % operator)
    return not found if negated else found


def conditions_match(conditions, context):
    """Every operator and key of a statement's Condition holds for ``context`` ({key: value}), keys compared
    without regard to case as AWS does."""
    lowered = dict((k.lower(), v) for k, v in context.items())
    for operator, keys in (conditions or {}).items():
        for key, expected in keys.items():
            if not _operator_matches(operator, [str(e) for e in _listed(expected)], lowered.get(key.lower())):
                return False
    return True


def statement_applies(statement, action, resource, context):
    if 'Action' in statement and not any(_like(a.lower(), action.lower()) for a in _listed(statement['Action'])):
        return False
    if 'NotAction' in statement and any(_like(a.lower(), action.lower()) for a in _listed(statement['NotAction'])):
        return False
    if 'Resource' in statement and not any(_like(r, resource) for r in _listed(statement['Resource'])):
        return False
    if 'NotResource' in statement and any(_like(r, resource) for r in _listed(statement['NotResource'])):
        return False
    return conditions_match(statement.get('Condition'), context)


def decide(documents, action, resource, context):
    """'allowed', 'denied' (an explicit Deny) or 'implicit' (no Allow) for the policy documents together."""
    allowed = False
    for document in documents:
        document = json.loads(document) if isinstance(document, str) else document
        for statement in _listed(document.get('Statement', [])):
            if statement_applies(statement, action, resource, context):
                if statement.get('Effect') == 'Deny':
                    return 'denied'
                allowed = True
    return 'allowed' if allowed else 'implicit'


def permitted(documents, action, resource, context, boundary=None):
    """Whether identity policies ``documents`` allow the request, within the permissions ``boundary`` (a document)
    when the identity has one: both must allow it, and no explicit Deny in either."""
    if decide(documents, action, resource, context) != 'allowed':
        return False
    return boundary is None or decide([boundary], action, resource, context) == 'allowed'
