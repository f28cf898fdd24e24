# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The catalogue of bad inputs (docs/bad-inputs.md): one test each, through the modules as a playbook runs them.

Every case starts from a database with the migrations applied and the seeds loaded, gives one bad
input (a migration file, a seed file, a module option or a connection setting), and asserts that

- the task fails with a message naming what is wrong (the file and line, the column, the value, the
  option or the server), and
- nothing is lost or half written: every table's rows, the ledger and the list of relations are
  exactly as they were before.

The bad role variables (AWS and schema roles) are in test_aws_provision.py and test_modules.py,
listed in the same catalogue.
"""

import os
import shutil
import sys

import psycopg2
import pytest

from support import LATEST, ROOT, SEED_DIR, SQL_DIR
from support.database import Database
from test_modules import SCHEMA_PLAYBOOK, ansible, connection_vars, run_play, write_inventory

TENANT = '8a1f2c3e-0001-4b5a-9c1d-000000000001'
# the version a migration added after the collection's own ones takes
NEXT = '%04d' % (LATEST + 1)


def snapshot(database):
    """Every relation, and every table's rows (as a digest), the ledger included."""
    relations = database.query("SELECT relname, relkind FROM pg_class WHERE relnamespace = 'public'::regnamespace "
                               "ORDER BY 1")
    tables = [r[0] for r in relations if r[1] == 'r']
    rows = {}
    for table in tables:
        rows[table] = database.query('SELECT count(*), md5(coalesce(string_agg(t::text, \'|\' ORDER BY t::text), \'\')) '
                                     'FROM %s t' % table)[0]
    return relations, rows


def write(path, text, encoding='utf-8'):
    with open(str(path), 'wb') as handle:
        handle.write(text.encode(encoding))
    return str(path)


def migrations(tmp_path, name=None, text=None, encoding='utf-8'):
    """A copy of the collection's migrations, with one file added (or replaced)."""
    target = tmp_path / 'sql'
    shutil.copytree(SQL_DIR, str(target))
    if name:
        write(target / name, text, encoding)
    return str(target)


def repeatable(tmp_path, name, text):
    """A copy of the collection's migrations with one repeatable migration."""
    path = migrations(tmp_path)
    os.mkdir(os.path.join(path, 'repeatable'))
    write(os.path.join(path, 'repeatable', name), text)
    return path


def link(tmp_path, name, text):
    """``name`` under tmp_path, a link to a file holding ``text`` in another folder."""
    os.makedirs(str(tmp_path / 'elsewhere'), exist_ok=True)
    target = write(tmp_path / 'elsewhere' / 'secret.txt', text)
    path = tmp_path / name
    os.makedirs(str(path.parent), exist_ok=True)
    os.symlink(target, str(path))
    return str(path)


def migration_link(tmp_path):
    """A copy of the migrations with one more that is a link to a file elsewhere."""
    path = migrations(tmp_path)
    os.rename(link(tmp_path, 'linked.sql', 'SELECT 1; -- not-the-password\n'), os.path.join(path, NEXT + '_linked.sql'))
    return path


def apply(path, **options):
    return {'shoppulse.analytics.schema_apply': dict(options, path=path)}


def seed(table, key, path, **options):
    return {'shoppulse.analytics.seed_load': dict(options, table=table, key=key, path=path)}


def tenants_csv(tmp_path, body, header='tenant_id,slug,name,status,plan,default_currency,timezone,settings',
                encoding='utf-8'):
    return write(tmp_path / 'tenants.csv', header + '\n' + body, encoding)


# (id, what is wrong, task builder, message fragments, connection overrides)
CASES = [
    # -- migrations -------------------------------------------------------------------------------
    ('empty-migrations-directory', 'a migrations directory without any .sql file',
     lambda t: apply(str(t)), ['holds no migration (*.sql) file'], {}),
    ('missing-migrations-directory', 'a migrations directory that does not exist',
     lambda t: apply(str(t / 'nowhere')), ['migrations directory', 'does not exist'], {}),
    ('duplicate-migration-version', 'two files with the same version',
     lambda t: apply(migrations(t, '0007_again.sql', 'SELECT 1;\n')),
     ['duplicate migration version 7', '0007_again.sql'], {}),
    ('bad-migration-file-name', 'a file whose name has no version',
     lambda t: apply(migrations(t, 'add_column.sql', 'SELECT 1;\n')), ['add_column.sql: not a migration file name'], {}),
    ('syntax-error', 'a migration with a syntax error on its third line, after a statement that worked',
     lambda t: apply(migrations(t, NEXT + '_broken.sql',
                                'CREATE TABLE half_written (id int);\n\nSELEC 1;\n')),
     [NEXT + '_broken.sql line 3', 'syntax error'], {}),
    ('unterminated-string', 'a migration whose string literal never ends',
     lambda t: apply(migrations(t, NEXT + '_quote.sql', "CREATE TABLE q (id int);\nSELECT 'abc;\n")),
     [NEXT + '_quote.sql line 2', 'unterminated'], {}),
    ('psql-meta-command', 'a migration with a psql meta-command after a statement that works',
     lambda t: apply(migrations(t, NEXT + '_meta.sql', 'CREATE TABLE m (id int);\n\\set ON_ERROR_STOP on\n')),
     [NEXT + '_meta.sql line 2: \\set is a psql meta-command, not SQL'], {}),
    ('copy-from-stdin', 'a migration with COPY ... FROM STDIN and the rows psql would read after it',
     lambda t: apply(migrations(t, NEXT + '_copy.sql', 'CREATE TABLE c (id int);\nCOPY c (id) FROM stdin;\n1\n\\.\n')),
     [NEXT + '_copy.sql line 2: COPY ... FROM STDIN reads the rows that follow it in psql\'s input'], {}),
    ('non-utf8-migration', 'a migration saved as Latin-1',
     lambda t: apply(migrations(t, NEXT + '_latin1.sql', "-- r\u00e9sum\u00e9\nSELECT 1;\n", 'latin-1')),
     [NEXT + '_latin1.sql line 1: the file is not valid UTF-8 (byte 0xe9)'], {}),
    ('edited-applied-migration', 'a migration changed after it was applied',
     lambda t: apply(migrations(t, '0003_orders_and_fulfillment.sql',
                                open(os.path.join(SQL_DIR, '0003_orders_and_fulfillment.sql')).read() + '\n-- edited\n')),
     ['applied migrations must not be edited', '0003_orders_and_fulfillment.sql'], {}),
    ('transaction-control-in-migration', 'a migration that commits on its own',
     lambda t: apply(migrations(t, NEXT + '_commit.sql', 'CREATE TABLE c (id int);\nCOMMIT;\n')),
     [NEXT + '_commit.sql line 2: transaction control (COMMIT) is not allowed'], {}),
    ('concurrently-in-a-transaction', 'CREATE INDEX CONCURRENTLY without the no-transaction directive',
     lambda t: apply(migrations(t, NEXT + '_idx.sql', 'CREATE TABLE i (id int);\nCREATE INDEX CONCURRENTLY i_idx ON i (id);\n')),
     [NEXT + '_idx.sql line 2', 'CREATE INDEX CONCURRENTLY cannot run inside a transaction block'], {}),
    ('migration-breaks-a-constraint', 'a migration whose data breaks a unique constraint',
     lambda t: apply(migrations(t, NEXT + '_dup.sql',
                                "UPDATE tenants SET name = 'Renamed';\nINSERT INTO tenants (slug, name) "
                                "VALUES ('acme-outfitters', 'Copy');\n")),
     [NEXT + '_dup.sql line 2', 'tenants_slug_key'], {}),
    ('unknown-target-version', 'a target version no migration has',
     lambda t: apply(SQL_DIR, target_version=42), ['target_version 42'], {}),
    ('bad-duration', 'a lock timeout that is not a duration',
     lambda t: apply(SQL_DIR, lock_timeout='soon'), ["lock_timeout: 'soon' is not a duration"], {}),
    ('repair-unknown-version', 'a ledger repair of a version that is neither a file nor applied',
     lambda t: apply(SQL_DIR, repair={'action': 'accept_checksum', 'version': 99, 'reason': 'a typo'}),
     ['repair: version 99 is neither a migration file nor in the ledger', 'nothing was changed'], {}),
    ('failing-repeatable-migration', 'a repeatable migration (a view) that fails on line 2',
     lambda t: apply(repeatable(t, '10_orders_per_day.sql', 'CREATE OR REPLACE VIEW orders_per_day AS\n'
                                'SELECT no_such_column FROM orders;\n')),
     ['10_orders_per_day.sql line 2: column "no_such_column" does not exist',
      'the migration was rolled back: nothing of it was applied'], {}),
    # -- seed files -------------------------------------------------------------------------------
    ('non-utf8-csv', 'a seed file saved as Latin-1',
     lambda t: seed('tenants', ['tenant_id'], tenants_csv(
         t, TENANT + ',acme-outfitters,Caf\u00e9 Acme,active,enterprise,USD,UTC,{}\n', encoding='latin-1')),
     ['tenants.csv line 2: invalid byte sequence for encoding "UTF8": 0xe9'], {}),
    ('csv-missing-column', 'a row with fewer fields than the header',
     lambda t: seed('tenants', ['tenant_id'], tenants_csv(
         t, TENANT + ',acme-outfitters,Acme,active,enterprise,USD,UTC,{}\n8a1f2c3e-0009-4b5a-9c1d-000000000009,x\n')),
     ['tenants.csv line 3: missing data for column "name"'], {}),
    ('csv-unknown-column', 'a header naming a column the table does not have',
     lambda t: seed('tenants', ['tenant_id'], tenants_csv(t, TENANT + ',acme-outfitters,red\n',
                                                          header='tenant_id,slug,colour')),
     ['tenants.csv line 1: column(s) 3 of the header name no column of table public.tenants'], {}),
    ('key-not-in-header', 'a key column the file does not have',
     lambda t: seed('tenants', ['tenant_id'], tenants_csv(t, 'acme-outfitters,Acme\n', header='slug,name')),
     ['tenants.csv: key column(s) tenant_id are missing from the data'], {}),
    ('foreign-key-violation', 'a row of a tenant that does not exist',
     lambda t: seed('role_metric_visibility', ['tenant_id', 'role', 'metric_key'], write(
         t / 'visibility.csv', 'tenant_id,role,metric_key,is_visible\n%s,Finance,revenue,false\n'
         '8a1f2c3e-0099-4b5a-9c1d-000000000099,Finance,revenue,true\n' % TENANT)),
     # as RDS's master user, PostgreSQL leaves the key's values out of the detail: row-level security is on
     # for it on tenants (a superuser is shown them); the file and line name the row
     ['visibility.csv line 3', 'role_metric_visibility_tenant_fkey', 'Key is not present in table "tenants"'], {}),
    ('bad-uuid', 'a tenant_id that is not a UUID',
     lambda t: seed('tenants', ['tenant_id'], tenants_csv(t, 'not-a-uuid,acme-outfitters,Acme,active,enterprise,USD,UTC,{}\n')),
     ['tenants.csv line 2: invalid input syntax for type uuid: "…"'], {}),  # the value is the file's, not shown
    ('check-constraint-violation', 'a status the table does not allow, after a valid row',
     lambda t: seed('tenants', ['tenant_id'], tenants_csv(
         t, TENANT + ',acme-outfitters,Acme Renamed,active,enterprise,USD,UTC,{}\n'
         '8a1f2c3e-0009-4b5a-9c1d-000000000009,new-one,New,sleeping,standard,USD,UTC,{}\n')),
     ['tenants.csv line 3', 'tenants_status_check'], {}),
    ('json-not-an-object', 'settings that are a JSON array where an object is required',
     lambda t: seed('tenants', ['tenant_id'], tenants_csv(t, TENANT + ',acme-outfitters,Acme,active,enterprise,USD,UTC,"[1,2]"\n')),
     ['tenants.csv line 2', 'tenants_settings_is_object'], {}),
    ('duplicate-keys', 'the same key on two lines',
     lambda t: seed('tenants', ['tenant_id'], tenants_csv(
         t, TENANT + ',acme-outfitters,Acme,active,enterprise,USD,UTC,{}\n' + TENANT + ',acme-2,Acme 2,active,enterprise,USD,UTC,{}\n')),
     ['tenants.csv line 2 and', 'tenants.csv line 3 hold the same key (tenant_id)'], {}),
    ('missing-seed-file', 'a seed file that does not exist',
     lambda t: seed('tenants', ['tenant_id'], str(t / 'nowhere.csv')), ['nowhere.csv does not exist'], {}),
    ('unknown-table', 'a table the database does not have',
     lambda t: seed('tenant', ['tenant_id'], os.path.join(SEED_DIR, 'tenants.csv')), ['table public.tenant does not exist'], {}),
    # -- what a file holds is never shown; a path that leaves its folder is never read ------------------
    # (the harness checks that 'not-the-password' is nowhere in the output)
    ('seed-is-a-password-file', 'a seed path pointed at a password file by mistake',
     lambda t: seed('tenants', ['tenant_id'], write(t / 'password.txt', 'not-the-password\n')),
     ['password.txt line 1: column(s) 1 of the header name no column of table public.tenants'], {}),
    ('seed-value-not-shown', 'a unique key broken by a file whose values are not to be shown',
     lambda t: seed('tenants', ['tenant_id'], tenants_csv(
         t, '8a1f2c3e-0009-4b5a-9c1d-000000000009,acme-outfitters,not-the-password,active,enterprise,USD,UTC,{}\n')),
     ['tenants.csv line 2', 'tenants_slug_key'], {}),
    ('seed-link-leaves-its-folder', 'a seed file that is a link to a file outside its folder',
     lambda t: seed('tenants', ['tenant_id'], link(t, 'seeds/tenants.csv', 'not-the-password\n')),
     ['tenants.csv is a link to a file outside its folder', 'nothing was read or loaded'], {}),
    ('migration-link-leaves-its-folder', 'a migration file that is a link to a file outside the directory',
     lambda t: apply(migration_link(t)), [NEXT + '_linked.sql is a link to a file outside', 'nothing was read'], {}),
    # -- names --------------------------------------------------------------------------------------
    ('ledger-name-too-long', 'a ledger name whose companions PostgreSQL would cut to one name',
     lambda t: apply(SQL_DIR, ledger_table='l' * 53),
     ['ledger_table is 53 bytes long', 'a ledger_table may have at most 52', 'nothing was changed'], {}),
    ('mistyped-ledger-name', 'a ledger name with a letter missing, on a database with its ledger',
     lambda t: apply(SQL_DIR, ledger_table='schema_migration'),
     ['0001_tenants_and_updated_at.sql', 'already exists'], {}),
    ('password-of-the-master', "login_passwords given the master user's password to set",
     lambda t: {'shoppulse.analytics.login_passwords': dict(passwords={'shoppulse_admin': 'not-the-password'})},
     ['role shoppulse_admin is CREATEROLE', 'member of rds_superuser', 'the login doing this',
      "the schema's login roles only", 'nothing was changed'], {'as_master': True}),
    # -- connections ------------------------------------------------------------------------------
    ('wrong-password', 'a password the server refuses',
     lambda t: apply(SQL_DIR), ['password authentication failed for user "shoppulse_migrator"'],
     {'login_password': 'not-the-password'}),
    ('unreachable-server', 'a port nothing listens on',
     lambda t: apply(SQL_DIR), ['Connection refused'], {'login_port': 1}),
    ('tls-ca-mismatch', 'a CA bundle that did not sign the server certificate',
     lambda t: apply(SQL_DIR), ['certificate verify failed'], {'ca_cert': os.path.join(ROOT, 'files', 'rds-ca-bundle.pem')}),
    ('host-name-mismatch', 'a host name the server certificate does not hold (verify-full)',
     lambda t: apply(SQL_DIR), ['does not match host name "db.example.com"'],
     {'login_host': 'db.example.com', 'connect_params': {'hostaddr': '127.0.0.1'}}),
    ('no-tls', 'a connection without TLS to a server that requires it',
     lambda t: apply(SQL_DIR), ['no encryption'], {'ssl_mode': 'disable'}),
]


def test_the_catalogue_is_large_enough_and_documented():
    assert len(CASES) >= 25
    assert len(set(case[0] for case in CASES)) == len(CASES)
    with open(os.path.join(ROOT, 'docs', 'bad-inputs.md')) as handle:
        docs = handle.read()
    missing = [case[0] for case in CASES if '`%s`' % case[0] not in docs]
    assert not missing, 'not in docs/bad-inputs.md: %s' % missing


@pytest.mark.parametrize('case', CASES, ids=[case[0] for case in CASES])
def test_a_bad_input_fails_naming_it_and_leaves_the_database_as_it_was(seeded_db, tmp_path, case):
    case_id, dummy, task, messages, overrides = case
    seeded = seeded_db
    overrides = dict(overrides)
    if overrides.pop('as_master', False):  # the server's work: the master's
        connection = connection_vars(seeded, **overrides)
    else:  # the schema's work: the migrator's
        connection = connection_vars(seeded, **dict(seeded.migrator_login(), **overrides))
    before = snapshot(seeded)
    proc, results, stats = run_play(tmp_path, [dict(task(tmp_path), name=case_id)], connection, sys.executable)
    assert proc.returncode != 0 and stats['failures'] == 1
    message = dict(results)[case_id]['msg']
    if os.environ.get('SHOPPULSE_SHOW_MESSAGES'):
        sys.stderr.write('\n%s: %s\n' % (case_id, message.replace(str(tmp_path) + '/', '')))
    for fragment in messages:
        assert fragment in message, (fragment, message)
    assert 'not-the-password' not in proc.stdout
    assert snapshot(seeded) == before


# -- the server and the login: refused by the schema role's first check, before the database exists ----

def role_run_refused(database, tmp_path, message, **inventory):
    path = write_inventory(tmp_path, database, **inventory)
    proc = ansible(SCHEMA_PLAYBOOK, tmp_path, inventory=path, json_output=False)
    assert proc.returncode != 0
    assert message in proc.stdout, proc.stdout[-3000:]
    assert 'Create the database if it is missing' not in proc.stdout
    return proc


def test_a_server_version_the_collection_does_not_serve_is_refused(pg_servers, tmp_path):
    """`unsupported-server-version`: PostgreSQL 14, which RDS no longer offers for new instances."""
    server = pg_servers(14)
    old = Database(server, 'shoppulse_14')
    role_run_refused(old, tmp_path,
                     'the server runs PostgreSQL 14.23, which this collection does not serve (it serves 15, 16, 17, 18')
    conn = psycopg2.connect(**server.dsn())
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_database WHERE datname = 'shoppulse_14_role'")
        assert cur.fetchone()[0] == 0
    conn.close()
    # a module on its own refuses it too, before it reads or writes anything
    proc, results, dummy = run_play(tmp_path, [dict(apply(SQL_DIR), name='apply')],
                                    connection_vars(old, login_db='postgres'), sys.executable)
    assert proc.returncode != 0 and 'does not serve' in dict(results)['apply']['msg']


@pytest.mark.parametrize('attributes, lacking', [
    ('CREATEDB', 'lacks CREATEROLE, which it needs to create the login roles'),
    ('CREATEROLE', 'lacks CREATEDB, which it needs to create the database'),
    ('', 'lacks CREATEROLE and CREATEDB'),
])
def test_a_login_without_the_privileges_the_role_needs_is_refused(database, tmp_path, attributes, lacking):
    """`login-lacks-createrole` / `login-lacks-createdb`: a login that is not the master user."""
    role = 'weak_%s' % (attributes.lower() or 'none')
    database.execute("CREATE ROLE %s LOGIN %s PASSWORD 'weak-pw-1'" % (role, attributes))
    try:
        role_run_refused(database, tmp_path, 'the login %s %s' % (role, lacking),
                         schema_db_user=role, schema_db_password='weak-pw-1')
        assert not database.scalar('SELECT count(*) FROM pg_database WHERE datname = %s', (database.name + '_role',))
    finally:
        database.execute('DROP ROLE %s' % role)
