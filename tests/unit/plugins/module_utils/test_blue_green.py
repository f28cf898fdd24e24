# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Blue/Green deployments (plugins/module_utils/aws/blue_green.py): each refusal named, one at a time; the wait."""

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import blue_green

INSTANCE = dict(DBInstanceIdentifier='analytics')


@pytest.mark.parametrize('instance, proxies, named', [
    (INSTANCE, ['analytics-proxy'], ['analytics is a target of RDS Proxy analytics-proxy']),
    (dict(INSTANCE, MasterUserSecret=dict(SecretArn='arn')), [], ['the master user password of analytics is managed']),
    (dict(INSTANCE, MasterUserSecret=dict(SecretArn='arn')), ['p'], ['target of RDS Proxy p', 'password of analytics']),
    (INSTANCE, [], []),
])
def test_each_reason_rds_documents_is_named(instance, proxies, named):
    found = blue_green.refusals(instance, proxies)
    assert len(found) == len(named) and all(n in f for n, f in zip(named, found)), found


class Paginated(object):
    def __init__(self, statuses):
        self.statuses = list(statuses)

    def get_paginator(self, dummy):
        return self

    def paginate(self):
        status = self.statuses.pop(0)
        return [dict(BlueGreenDeployments=[] if status is None else [
            dict(BlueGreenDeploymentName='bg', BlueGreenDeploymentIdentifier='bgd-1', Status=status)])]


def test_the_wait_polls_until_the_status_and_names_a_failure_or_a_timeout():
    clock = iter(range(0, 10000, 15))
    slept = []
    found = blue_green.wait_for(Paginated(['PROVISIONING', 'PROVISIONING', 'AVAILABLE']), 'bg', 'AVAILABLE', 600,
                                sleep=slept.append, clock=lambda: next(clock))
    assert found['Status'] == 'AVAILABLE' and slept == [15, 15]
    with pytest.raises(RuntimeError, match='bg is SWITCHOVER_FAILED'):
        blue_green.wait_for(Paginated(['SWITCHOVER_IN_PROGRESS', 'SWITCHOVER_FAILED']), 'bg', 'SWITCHOVER_COMPLETED', 600,
                            sleep=slept.append, clock=lambda: next(clock))
    with pytest.raises(RuntimeError, match='still PROVISIONING after 20 s'):
        blue_green.wait_for(Paginated(['PROVISIONING'] * 5), 'bg', 'AVAILABLE', 20, sleep=slept.append,
                            clock=lambda: next(clock))
