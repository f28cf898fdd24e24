# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run an AWS module's main() with a boto3 client whose every call is scripted by botocore's Stubber.

Each expected call names its operation, the exact request and the response (or the error), in
order; a call the module makes that is not scripted, or one it fails to make, fails the test.
"""

import contextlib
import json

import boto3
import pytest
from botocore.stub import Stubber

from ansible.module_utils import basic
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

try:
    from ansible.module_utils.testing import patch_module_args  # ansible-core 2.19 and later
except ImportError:  # ansible-core 2.17 and 2.18: the module reads its arguments from basic._ANSIBLE_ARGS
    @contextlib.contextmanager
    def patch_module_args(args):
        saved = basic._ANSIBLE_ARGS
        basic._ANSIBLE_ARGS = json.dumps({'ANSIBLE_MODULE_ARGS': args}).encode('utf-8')
        try:
            yield
        finally:
            basic._ANSIBLE_ARGS = saved


class Result(dict):
    pass


def run_module(monkeypatch, capsys, main, args, service, calls, check_mode=False):
    client = boto3.client(service, region_name='eu-west-1', aws_access_key_id='testing',
                          aws_secret_access_key='testing')
    stubber = Stubber(client)
    for call in calls:
        operation, request = call[0], call[1]
        response = call[2] if len(call) > 2 else {}
        if isinstance(response, Exception):
            stubber.add_client_error(operation, service_error_code=response.args[0], expected_params=request,
                                     service_message=response.args[1] if len(response.args) > 1 else '',
                                     http_status_code=400)
        else:
            stubber.add_response(operation, response, request)
    monkeypatch.setattr(AnsibleAWSModule, 'client', lambda self, *a, **k: client)
    module_args = dict(region='eu-west-1', access_key='testing', secret_key='testing')
    module_args.update(args)
    if check_mode:
        module_args['_ansible_check_mode'] = True
    with stubber, patch_module_args(module_args):
        with pytest.raises(SystemExit):
            main()
        stubber.assert_no_pending_responses()
    return Result(json.loads(capsys.readouterr().out))


class AwsError(Exception):
    """A scripted error response: AwsError('DBProxyNotFoundFault'), or AwsError(code, message)."""
