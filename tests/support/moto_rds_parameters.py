# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Corrections 5 and 18 of support/moto_extension.py: a DB parameter group's parameters as RDS keeps them.

5. A new DB parameter group holds its family's engine-default parameters, which DescribeDBParameters lists with
   their attributes (source, apply type, whether users may modify them). moto's starts empty, so no parameter could
   be found. POSTGRES_DEFAULTS holds the parameters the collection's tests use, with the attributes AWS gives them:
   not RDS's catalogue, but enough of each kind (dynamic, static, not modifiable).
18. (issue 42) ModifyDBParameterGroup makes a parameter's source "user"; RDS refuses ApplyMethod "immediate" for a
   static parameter and a name the family lacks; ResetDBParameterGroup puts named parameters back to the engine's
   default; a static parameter changed on a group an instance uses leaves the instance's group "pending-reboot"
   (DescribeDBInstances' DBParameterGroups[].ParameterApplyStatus) until RebootDBInstance. moto keeps the source
   the parameter had, takes any method and any name, has no ResetDBParameterGroup and reports every instance's
   group "in-sync", so a static change could never be seen waiting for a restart.
"""

DEFAULT_ATTRIBUTES = dict(Source='engine-default', IsModifiable=True, ApplyMethod='pending-reboot')
POSTGRES_DEFAULTS = dict((p['ParameterName'], dict(DEFAULT_ATTRIBUTES, **p)) for p in (
    dict(ParameterName='rds.force_ssl', ParameterValue='0', Description='Force SSL connections.',
         ApplyType='dynamic', DataType='boolean', AllowedValues='0,1'),
    dict(ParameterName='log_min_duration_statement', Description='Sets the minimum execution time above which '
         'statements will be logged.', ApplyType='dynamic', DataType='integer', AllowedValues='-1-2147483647'),
    dict(ParameterName='idle_in_transaction_session_timeout', Description='Sets the maximum allowed idle time '
         'between queries, when in a transaction.', ApplyType='dynamic', DataType='integer',
         AllowedValues='0-2147483647'),
    dict(ParameterName='shared_preload_libraries', ParameterValue='pg_stat_statements', ApplyType='static',
         Description='Lists shared libraries to preload into server.', DataType='list'),
    dict(ParameterName='max_connections', ParameterValue='LEAST({DBInstanceClassMemory/9531392},5000)',
         Description='Sets the maximum number of concurrent connections.', ApplyType='static', DataType='integer',
         AllowedValues='6-262143'),
    dict(ParameterName='data_directory', Description='Sets the data directory.', ApplyType='static',
         DataType='string', IsModifiable=False, Source='system'),
))


def _static_in(group, names):
    return any(group.parameters.get(name, {}).get('ApplyType') == 'static' for name in names)


def _mark_pending_reboot(backend, group):
    for instance in backend.databases.values():
        if (getattr(instance, 'db_parameter_group_name', None) or '').lower() == group.name:
            instance.shoppulse_pending_reboot = True


def apply(rds_models, rds_responses, rds_exceptions, action_result):
    """Patch moto's RDS (called by moto_extension.apply)."""
    group_class = rds_models.DBParameterGroup
    original_group_init = group_class.__init__

    def group_init(self, *args, **kwargs):
        original_group_init(self, *args, **kwargs)
        if (self.family or '').startswith('postgres'):
            for name, parameter in POSTGRES_DEFAULTS.items():
                self.parameters[name] = dict(parameter)

    group_class.__init__ = group_init

    def refuse(message):
        raise rds_exceptions.InvalidParameterValue(message)

    def modify_db_parameter_group(self):
        group = self.backend.describe_db_parameter_groups({'db_parameter_group_name': self.params['DBParameterGroupName']})[0]
        given = [param.original_dict() for param in self.params.get('Parameters', [])]
        for param in given:
            known = group.parameters.get(param['ParameterName'])
            if group.family.startswith('postgres') and not known:
                refuse('Could not find parameter with name: %s' % param['ParameterName'])
            if known and known.get('ApplyType') == 'static' and param.get('ApplyMethod') == 'immediate':
                raise rds_exceptions.InvalidParameterCombination(
                    'cannot use immediate apply method for static parameter')
        group.update_parameters([dict(param, Source='user') for param in given])
        if _static_in(group, [param['ParameterName'] for param in given]):
            _mark_pending_reboot(self.backend, group)
        return action_result({'DBParameterGroupName': group.name})

    def reset_db_parameter_group(self):
        group = self.backend.describe_db_parameter_groups({'db_parameter_group_name': self.params['DBParameterGroupName']})[0]
        names = [param.original_dict()['ParameterName'] for param in self.params.get('Parameters', [])]
        if self.params.get('ResetAllParameters') in (True, 'true'):
            names = [name for name, param in group.parameters.items() if param.get('Source') == 'user']
        for name in names:
            if name in POSTGRES_DEFAULTS:
                group.parameters[name] = dict(POSTGRES_DEFAULTS[name])
        if _static_in(group, names):
            _mark_pending_reboot(self.backend, group)
        return action_result({'DBParameterGroupName': group.name})

    rds_responses.RDSResponse.modify_db_parameter_group = modify_db_parameter_group
    rds_responses.RDSResponse.reset_db_parameter_group = reset_db_parameter_group

    def db_parameter_group_status_list(self):
        groups = self.db_parameter_groups()
        for group in groups:
            group.ParameterApplyStatus = 'pending-reboot' if getattr(self, 'shoppulse_pending_reboot', False) else 'in-sync'
        return groups

    rds_models.DBInstance.db_parameter_group_status_list = property(db_parameter_group_status_list)

    original_reboot = rds_models.RDSBackend.reboot_db_instance

    def reboot_db_instance(self, db_instance_identifier, *args, **kwargs):
        instance = original_reboot(self, db_instance_identifier, *args, **kwargs)
        instance.shoppulse_pending_reboot = False
        return instance

    rds_models.RDSBackend.reboot_db_instance = reboot_db_instance
