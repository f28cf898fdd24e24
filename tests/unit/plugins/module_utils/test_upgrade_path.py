# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What RDS upgrades an instance to, and the path it allows otherwise (plugins/module_utils/aws/upgrade_path.py)."""

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import upgrade_path

TARGETS = [dict(EngineVersion=v, IsMajorVersionUpgrade=not v.startswith('15.')) for v in ('15.11', '16.4', '16.11', '17.7')]


@pytest.mark.parametrize('current, target, which', [
    ('15.10', '15.10', 'none'), ('15.10', '15.11', 'minor'), ('15.10', '16.4', 'major'), ('16.4', '15.10', 'downgrade'),
    ('15.10', '15.9', 'downgrade'), ('15.9', '15.10', 'minor'),
])
def test_kinds(current, target, which):
    assert upgrade_path.kind(current, target) == which


def test_what_rds_lists_is_allowed_in_either_spelling():
    assert upgrade_path.refusal('15.10', '16.4', TARGETS) is None
    assert upgrade_path.refusal('15.10', '17.7', [dict(engine_version='17.7', is_major_version_upgrade=True)]) is None
    assert upgrade_path.refusal('15.10', '15.10', []) is None


@pytest.mark.parametrize('target, message', [
    ('14.9', '15.10 to 14.9 is a downgrade, which RDS does not make: go back by restoring the snapshot'),
    ('18.2', 'RDS does not upgrade 15.10 to 18.2 in one step: upgrade to PostgreSQL 17 first (one of 17.7)'),
    ('16.5', 'RDS does not upgrade 15.10 to 16.5; from 15.10 it upgrades to 15.11, 16.4, 16.11, 17.7'),
])
def test_each_refusal_names_the_allowed_path(target, message):
    assert message in upgrade_path.refusal('15.10', target, TARGETS)


def test_a_run_that_is_no_upgrade_refuses_a_major_naming_the_playbook_and_takes_a_minor():
    assert 'is a major version upgrade, which playbooks/upgrade.yml makes' in upgrade_path.refusal(
        '15.10', '16.4', TARGETS, major_allowed=False)
    assert upgrade_path.refusal('15.10', '15.11', TARGETS, major_allowed=False) is None
