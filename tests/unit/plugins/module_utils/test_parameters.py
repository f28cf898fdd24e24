# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The parameter values of the stack's DB parameter group (plugins/module_utils/aws/parameters.py)."""

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.aws import parameters as pm


def parameter(name, value=None, source='engine-default', apply_type='dynamic', modifiable=True):
    found = dict(ParameterName=name, Source=source, ApplyType=apply_type, IsModifiable=modifiable)
    if value is not None:
        found['ParameterValue'] = value
    return found


CURRENT = [
    parameter('rds.force_ssl', '1', source='user'),
    parameter('log_min_duration_statement'),
    parameter('shared_preload_libraries', 'pg_stat_statements', apply_type='static'),
    parameter('max_connections', '200', source='user', apply_type='static'),
    parameter('data_directory', apply_type='static', modifiable=False, source='system'),
]


def test_what_is_given_is_set_with_the_method_rds_takes_and_what_is_not_given_any_more_is_reset():
    found = pm.plan(CURRENT, {'rds.force_ssl': True, 'log_min_duration_statement': 1000,
                              'shared_preload_libraries': 'pg_stat_statements,auto_explain'})
    assert found['modify'] == [
        dict(ParameterName='log_min_duration_statement', ParameterValue='1000', ApplyMethod='immediate'),
        dict(ParameterName='shared_preload_libraries', ParameterValue='pg_stat_statements,auto_explain',
             ApplyMethod='pending-reboot')]
    assert found['reset'] == [dict(ParameterName='max_connections', ApplyMethod='pending-reboot')]
    assert pm.restart_needed(found) == ['max_connections', 'shared_preload_libraries']


def test_the_same_values_change_nothing_and_a_default_given_explicitly_is_set_once():
    assert pm.plan(CURRENT, {'rds.force_ssl': 1, 'max_connections': 200}) == dict(modify=[], reset=[])
    given = {'rds.force_ssl': 1, 'max_connections': 200, 'shared_preload_libraries': 'pg_stat_statements'}
    assert [p['ParameterName'] for p in pm.plan(CURRENT, given)['modify']] == ['shared_preload_libraries']


@pytest.mark.parametrize('given, message', [
    ({'rds.force_ssl': 1, 'max_connections': 200, 'no_such_parameter': 1}, 'no_such_parameter is not a parameter of postgres16'),
    ({'rds.force_ssl': 1, 'max_connections': 200, 'data_directory': '/x'}, 'data_directory cannot be modified'),
])
def test_a_parameter_the_group_cannot_take_is_refused_by_name_not_value(given, message):
    with pytest.raises(pm.ParameterError) as caught:
        pm.plan(CURRENT, given, 'postgres16')
    assert str(caught.value) == message and '/x' not in str(caught.value)


def test_the_diff_shows_each_changed_parameter_before_and_after():
    found = pm.plan(CURRENT, {'rds.force_ssl': 1, 'log_min_duration_statement': 1000})
    shown = pm.diff('group', CURRENT, found)
    assert shown['before'] == ('log_min_duration_statement = (none) (engine-default)\n'
                               'max_connections = 200 (user)\n')
    assert shown['after'] == ('log_min_duration_statement = 1000 (user)\n'
                              'max_connections = (none) (engine-default)\n')


class Recorder(object):
    def __init__(self):
        self.calls = []

    def modify_db_parameter_group(self, **request):
        self.calls.append(('modify', request['DBParameterGroupName'], len(request['Parameters'])))

    def reset_db_parameter_group(self, **request):
        assert request['ResetAllParameters'] is False
        self.calls.append(('reset', request['DBParameterGroupName'], len(request['Parameters'])))


def test_changes_go_to_rds_twenty_at_a_time():
    found = dict(modify=[dict(ParameterName='p%d' % n, ParameterValue='1', ApplyMethod='immediate') for n in range(45)],
                 reset=[dict(ParameterName='r', ApplyMethod='immediate')])
    client = Recorder()
    pm.apply(client, 'group', found)
    assert client.calls == [('modify', 'group', 20), ('modify', 'group', 20), ('modify', 'group', 5), ('reset', 'group', 1)]
