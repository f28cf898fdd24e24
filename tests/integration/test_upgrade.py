# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/upgrade.yml on a local site (issue 42): the emulated RDS upgrades the instance, and the local server it
stands for is upgraded with pg_upgrade from 15 to 16 (moto correction 19), as RDS upgrades in place.

What the checks refuse is refused before anything changes (no snapshot, the instance and the server as they were):
a new major through site.yml, a major RDS does not reach in one step, a downgrade, Blue/Green, a reg* column. Then
the upgrade: a snapshot, a parameter group of the new family with the same values, the instance and the server on
16, every table's rows equal, the schema verified by the playbook through the proxy; a rerun and site.yml at the new
version change nothing. Then 16 to 17 in the maintenance window: pending after the run, made when the window comes,
verified by the next run. The time the server was unavailable is printed."""

import os
import sys

import psycopg2
import pytest

from support import ROOT, localsite, pgupgrade
from support import playbook as runner

FROM, TO = '15.10', '16.4'
INSTANCE = 'shoppulse-analytics'


def _run(base, name, *extra):
    return runner.run(os.path.join(ROOT, name), *extra, inventory=os.path.join(base, 'inventories', 'local'),
                      extra_vars=dict(shoppulse_outputs_file=os.path.join(base, 'outputs.yml')),
                      env=runner.environment(aws=localsite.CREDENTIALS))


def _admin(server, sql):
    conn = psycopg2.connect(**server.admin_dsn('shoppulse'))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


@pytest.mark.long
def test_upgrade_refuses_before_anything_changes_then_upgrades_in_place_keeping_every_row():
    command = '%s -m support.pgupgrade upgrade {pg_dir}' % sys.executable
    with localsite.local_site('shoppulse-upgrade-', SHOPPULSE_MOTO_RDS_UPGRADE_COMMAND=command,
                              SHOPPULSE_MOTO_RDS_WINDOW_FILE='{pg_dir}/window') as (base, server):
        rds = localsite.aws(base).client('rds', **dict(aws_access_key_id='local', aws_secret_access_key='local'))

        def state():
            instance = rds.describe_db_instances(DBInstanceIdentifier=INSTANCE)['DBInstances'][0]
            return (instance['EngineVersion'], instance['DBParameterGroups'][0]['DBParameterGroupName'],
                    len(rds.describe_db_snapshots(DBInstanceIdentifier=INSTANCE, SnapshotType='manual')['DBSnapshots']), server.major())

        first = _run(base, 'site.yml')
        assert first.returncode == 0, first.failures()
        before = state()
        assert before[0] == FROM and before[2:] == (0, 15)
        rows = pgupgrade.fingerprint(server, 'shoppulse')
        assert rows['tenants'][0] > 0

        # refused before anything changes, each naming why (and the path)
        _admin(server, 'CREATE TABLE public.upgrade_blocker (kind regproc)')
        for playbook, extra, named in (
                ('site.yml', ['-e', 'database_engine_version=' + TO],
                 '15.10 to 16.4 is a major version upgrade, which playbooks/upgrade.yml makes'),
                ('playbooks/upgrade.yml', ['-e', 'database_engine_version=18.2'],
                 'RDS does not upgrade 15.10 to 18.2 in one step: upgrade to PostgreSQL 17 first'),
                ('playbooks/upgrade.yml', ['-e', 'database_engine_version=15.9'], '15.10 to 15.9 is a downgrade'),
                ('playbooks/upgrade.yml', ['-e', 'database_engine_version=' + TO, '-e', 'upgrade_way=blue_green'],
                 'shoppulse-analytics is a target of RDS Proxy shoppulse-analytics-proxy, which blue/green deployments '
                 'do not support'),
                ('playbooks/upgrade.yml', ['-e', 'database_engine_version=' + TO], 'upgrade_blocker')):
            refused = _run(base, playbook, *extra)
            assert refused.returncode != 0, (playbook, extra)
            assert any(named in message for message in refused.messages()), (named, refused.failures())
            assert state() == before, (playbook, extra)
        _admin(server, 'DROP TABLE public.upgrade_blocker')

        upgraded = _run(base, 'playbooks/upgrade.yml', '-e', 'database_engine_version=' + TO)
        assert upgraded.returncode == 0, [m[:3000] for f in upgraded.failures() for m in (f[0], str(f[1]))]
        version, group, snapshots, major = state()
        assert (version, snapshots, major) == (TO, 1, 16)
        assert rds.describe_db_parameter_groups(DBParameterGroupName=group)['DBParameterGroups'][0][
            'DBParameterGroupFamily'] == 'postgres16'
        values = dict((p['ParameterName'], p.get('ParameterValue')) for p in rds.describe_db_parameters(
            DBParameterGroupName=group)['Parameters'] if p.get('Source') == 'user')
        assert values == {'rds.force_ssl': '1'}
        assert rds.describe_db_snapshots(DBInstanceIdentifier=INSTANCE, SnapshotType='manual')['DBSnapshots'][0][
            'DBSnapshotIdentifier'] == 'shoppulse-analytics-before-15-10-to-16-4'
        server.bindir = pgupgrade.full_bindir(16)  # the fixture stops the server it started on 15's binaries
        assert pgupgrade.fingerprint(server, 'shoppulse') == rows
        # the playbook verified the schema on 16 through the proxy, as the migrator
        assert 'Compare the database with its migrations and manifest on the new version' in [
            name for name, result in upgraded.tasks if not result.get('skipped')]

        # a rerun has nothing to do, nor has site.yml at the new version
        again = _run(base, 'playbooks/upgrade.yml', '-e', 'database_engine_version=' + TO)
        assert again.returncode == 0 and again.stats['changed'] == 0, again.changed()
        assert state()[2] == 1
        after = _run(base, 'site.yml', '-e', 'database_engine_version=' + TO)
        assert after.returncode == 0 and after.stats['changed'] == 0, after.changed()

        # in the maintenance window: asked now, made by RDS in the window, verified by the next run
        later = '17.7'
        waiting = _run(base, 'playbooks/upgrade.yml', '-e', 'database_engine_version=' + later, '-e', 'upgrade_when=window')
        assert waiting.returncode == 0, waiting.failures()
        assert any('pending until the maintenance window' in m for m in waiting.messages())
        assert state()[0] == TO and server.major() == 16 and state()[2] == 2
        with open(os.path.join(server.dir, 'window'), 'w') as handle:
            handle.write('now')
        assert state()[0] == later and server.major() == 17  # RDS made it in the window
        server.bindir = pgupgrade.full_bindir(17)
        verified = _run(base, 'playbooks/upgrade.yml', '-e', 'database_engine_version=' + later)
        assert verified.returncode == 0 and verified.stats['changed'] == 0, verified.changed()
        assert 'Check the server runs the new major version' in [
            name for name, result in verified.tasks if result and not result.get('skipped')]
        assert pgupgrade.fingerprint(server, 'shoppulse') == rows
        after = _run(base, 'site.yml', '-e', 'database_engine_version=' + later)
        assert after.returncode == 0 and after.stats['changed'] == 0, after.changed()

        with open(os.path.join(server.dir, 'upgrades.log')) as handle:
            for line in handle:
                old, new, down = line.split()
                print('\nlocal site upgraded from PostgreSQL %s to %s by upgrade.yml: the server was unavailable %s s'
                      % (old, new, down))
