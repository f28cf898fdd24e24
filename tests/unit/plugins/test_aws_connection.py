# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The roles' region: the inventory's, else AWS_REGION, AWS_DEFAULT_REGION, the profile's, the default."""

import pytest

from ansible_collections.shoppulse.analytics.plugins.lookup import aws_region


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
    assert aws_region.resolve(configured, environ) == expected


def test_the_profile_region_comes_before_the_default(monkeypatch, tmp_path):
    config = tmp_path / 'config'
    config.write_text('[default]\nregion = ca-central-1\n\n[profile other]\nregion = sa-east-1\n')
    monkeypatch.setenv('AWS_CONFIG_FILE', str(config))
    monkeypatch.delenv('AWS_PROFILE', raising=False)
    assert aws_region.resolve('', {}) == 'ca-central-1'
    monkeypatch.setenv('AWS_PROFILE', 'other')
    assert aws_region.resolve('', {}) == 'sa-east-1'
    assert aws_region.resolve('', dict(AWS_DEFAULT_REGION='ap-south-1')) == 'ap-south-1'
    monkeypatch.setenv('AWS_PROFILE', 'missing')
    assert aws_region.resolve('', {}) == 'eu-west-1'


def test_the_lookup_returns_one_region(no_profile, monkeypatch):
    monkeypatch.setenv('AWS_REGION', 'us-east-2')
    lookup = aws_region.LookupModule()
    assert lookup.run(['']) == ['us-east-2']
    assert lookup.run([]) == ['us-east-2']
    assert lookup.run(['eu-central-1']) == ['eu-central-1']
