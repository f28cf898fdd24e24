# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS connection: the region (the inventory's, else AWS_REGION, AWS_DEFAULT_REGION, the profile's, the
default), the endpoint and the session token when set."""

import pytest

from ansible_collections.shoppulse.analytics.plugins.lookup import aws_connection


@pytest.fixture
def no_profile(monkeypatch, tmp_path):
    monkeypatch.setenv('AWS_CONFIG_FILE', str(tmp_path / 'none'))
    monkeypatch.delenv('AWS_PROFILE', raising=False)


@pytest.mark.parametrize('configured, environ, expected', [
    ('us-west-2', dict(AWS_REGION='us-east-2', AWS_DEFAULT_REGION='ap-south-1'), 'us-west-2'),
    ('', dict(AWS_REGION='us-east-2', AWS_DEFAULT_REGION='ap-south-1'), 'us-east-2'),
    (None, dict(AWS_DEFAULT_REGION='ap-south-1'), 'ap-south-1'),
    ('', dict(AWS_REGION='', AWS_DEFAULT_REGION='ap-south-1'), 'ap-south-1'),
    ('', {}, 'eu-west-1'),
])
def test_the_first_region_set_wins(no_profile, configured, environ, expected):
    assert aws_connection.resolve(configured, environ) == expected


def test_the_profile_region_comes_before_the_default(monkeypatch, tmp_path):
    config = tmp_path / 'config'
    config.write_text('[default]\nregion = ca-central-1\n\n[profile other]\nregion = sa-east-1\n')
    monkeypatch.setenv('AWS_CONFIG_FILE', str(config))
    monkeypatch.delenv('AWS_PROFILE', raising=False)
    assert aws_connection.resolve('', {}) == 'ca-central-1'
    monkeypatch.setenv('AWS_PROFILE', 'other')
    assert aws_connection.resolve('', {}) == 'sa-east-1'
    assert aws_connection.resolve('', dict(AWS_DEFAULT_REGION='ap-south-1')) == 'ap-south-1'
    monkeypatch.setenv('AWS_PROFILE', 'missing')
    assert aws_connection.resolve('', {}) == 'eu-west-1'


def test_the_region_alone_when_nothing_else_is_set(no_profile):
    assert aws_connection.connection(environ={}) == dict(region='eu-west-1')
    assert aws_connection.connection('', '', '', environ=dict(AWS_REGION='us-east-2')) == dict(region='us-east-2')
    assert aws_connection.connection('eu-central-1', environ=dict(AWS_REGION='us-east-2')) == dict(region='eu-central-1')


def test_the_endpoint_and_the_token_when_set(no_profile):
    assert aws_connection.connection('eu-west-1', 'http://127.0.0.1:5000', 'token') == dict(
        region='eu-west-1', endpoint_url='http://127.0.0.1:5000', session_token='token')


def test_the_token_from_either_variable_an_awx_injects():
    """The options' sources, as ansible-doc shows them: the inventory's variables, the two token variables."""
    import yaml
    options = yaml.safe_load(aws_connection.DOCUMENTATION)['options']
    assert options['region']['vars'] == [dict(name='shoppulse_aws_region')]
    assert options['endpoint_url']['vars'] == [dict(name='shoppulse_aws_endpoint_url')]
    assert options['session_token']['env'] == [dict(name='AWS_SESSION_TOKEN'), dict(name='AWS_SECURITY_TOKEN')]
