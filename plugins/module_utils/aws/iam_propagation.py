# -*- coding: utf-8 -*-
# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retry a call that hands AWS an IAM role created seconds before, while IAM has not propagated it.

IAM is eventually consistent: a role (or the policy just put on it) can take several seconds to be
visible to the service it is passed to, and the service refuses it meanwhile. The refusals are
specific, and only they are retried here, each by the service that refuses it:

- RDS (CreateDBProxy, ModifyDBProxy): InvalidParameterValue, "IAM role ARN value is invalid or does
  not include the required permissions";
- EC2 (CreateFlowLogs): InvalidParameter, "Unable to assume given IAM role".

Every other error, including the same codes with another message, is raised at once (amazon.aws's
AWSRetry handles throttling separately). The backoff is bounded: DELAYS, about two minutes in all,
as long as Terraform's AWS provider waits for IAM propagation; past it the error names the role.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import functools
import time

try:
    import botocore
except ImportError:
    pass  # the modules report a missing botocore themselves (AnsibleAWSModule)

from ansible_collections.amazon.aws.plugins.module_utils.exceptions import AnsibleAWSError

try:
    from typing import Any, Callable, Sequence, Tuple
except ImportError:  # pragma: no cover
    pass

RDS_ROLE_REFUSAL = ('InvalidParameterValue', 'IAM role ARN value is invalid or does not include the required permissions')
EC2_ROLE_REFUSAL = ('InvalidParameter', 'Unable to assume given IAM role')
# seconds between attempts: 8 retries, 2 + 4 + 8 + 16 + 20 * 4 = 110 s at most
DELAYS = (2, 4, 8, 16, 20, 20, 20, 20)


class IAMRoleNotPropagated(AnsibleAWSError):
    """The service still refused the role when the bounded backoff ended."""


def is_refusal(error, refusal):
    # type: (BaseException, Tuple[str, str]) -> bool
    """Whether a botocore ClientError is exactly the given (code, message fragment) refusal."""
    if not isinstance(error, botocore.exceptions.ClientError):
        return False
    details = error.response.get('Error', {})
    code, fragment = refusal
    return details.get('Code') == code and fragment.lower() in (details.get('Message') or '').lower()


def _sleep(seconds):
    # type: (float) -> None
    time.sleep(seconds)  # the tests replace _sleep to record the backoff without waiting


def call_while_iam_propagates(call, refusal, role_arn, action, delays=DELAYS):
    # type: (Callable[[], Any], Tuple[str, str], str, str, Sequence[float]) -> Any
    """call() until the service stops refusing role_arn with `refusal`, waiting `delays` between tries.

    Returns call()'s result; raises IAMRoleNotPropagated (naming the role and the action) when the
    refusal outlasts the delays; any other error is raised unchanged at once.
    """
    waited = 0.0
    for delay in tuple(delays) + (None,):
        try:
            return call()
        except Exception as error:  # pylint: disable=broad-except
            if not is_refusal(error, refusal):
                raise
            if delay is None:
                raise IAMRoleNotPropagated(
                    message='%s: AWS still refused the IAM role %s after %d attempts over %d s (%s); '
                            'IAM may not have propagated it yet, or it lacks the trust or permissions %s needs'
                            % (action, role_arn, len(tuple(delays)) + 1, waited,
                               error.response['Error'].get('Message'), action),  # type: ignore[attr-defined]
                    exception=error) from error
            _sleep(delay)
            waited += delay
    raise AssertionError('unreachable')  # pragma: no cover


def retry_while_iam_propagates(refusal, role_field, action):
    # type: (Tuple[str, str], str, str) -> Callable
    """Decorator form for functions called as f(client, **request): the role is request[role_field].

    A request without the field (a change that passes no role) is called once, as it is.
    """
    def wrapper(func):
        # type: (Callable) -> Callable
        @functools.wraps(func)
        def retrying(client, **request):
            # type: (Any, **Any) -> Any
            if not request.get(role_field):
                return func(client, **request)
            return call_while_iam_propagates(lambda: func(client, **request), refusal, request[role_field], action)
        return retrying
    return wrapper
