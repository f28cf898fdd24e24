# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""seed_load's engine against a real PostgreSQL server, with both drivers."""

import os
import shutil

import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import seeding
from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres.errors import EngineError

from support import SEED_DIR

# the engine on every PostgreSQL major the collection serves (15 to 18)
pytestmark = pytest.mark.all_versions

TENANTS = os.path.join(SEED_DIR, 'tenants.csv')
VISIBILITY = os.path.join(SEED_DIR, 'role_metric_visibility.csv')
VISIBILITY_KEY = ['tenant_id', 'role', 'metric_key']
ACME = '8a1f2c3e-0001-4b5a-9c1d-000000000001'


def snapshot(database, table):
    """Every row with its physical location and creating transaction: any write changes it."""
    return database.query('SELECT ctid::text, xmin::text, t::text FROM %s t ORDER BY 3' % table)


def load_seeds(conn):
    seeding.load(conn, table='tenants', key=['tenant_id'], path=TENANTS)
    seeding.load(conn, table='role_metric_visibility', key=VISIBILITY_KEY, path=VISIBILITY)


def test_load_then_reload_writes_nothing(shoppulse_db, driver):
    conn = shoppulse_db.connect(driver)
    first = seeding.load(conn, table='tenants', key=['tenant_id'], path=TENANTS)
    assert first == dict(changed=True, inserted=3, updated=0, unchanged=0, total=3)
    second = seeding.load(conn, table='role_metric_visibility', key=VISIBILITY_KEY, path=VISIBILITY)
    assert second['inserted'] == 132 and second['total'] == 132
    before = snapshot(shoppulse_db, 'tenants') + snapshot(shoppulse_db, 'role_metric_visibility')
    again = [seeding.load(conn, table='tenants', key=['tenant_id'], path=TENANTS),
             seeding.load(conn, table='role_metric_visibility', key=VISIBILITY_KEY, path=VISIBILITY)]
    assert [(r['changed'], r['inserted'], r['updated']) for r in again] == [(False, 0, 0), (False, 0, 0)]
    assert [r['unchanged'] for r in again] == [3, 132]
    assert snapshot(shoppulse_db, 'tenants') + snapshot(shoppulse_db, 'role_metric_visibility') == before
    settings = shoppulse_db.scalar("SELECT settings->>'region' FROM tenants WHERE slug = 'globex-home'")
    assert settings == 'eu'


def locations(database):
    """{key: (ctid, xmin)} of role_metric_visibility: a row that is written gets a new pair."""
    return dict((r[0], (r[1], r[2])) for r in database.query(
        "SELECT concat_ws('/', tenant_id, role, metric_key), ctid::text, xmin::text FROM role_metric_visibility"))


def test_only_changed_and_new_rows_are_written(shoppulse_db, driver, tmp_path):
    conn = shoppulse_db.connect(driver)
    load_seeds(conn)
    rows = open(VISIBILITY).read().splitlines()
    tenant, role, metric, visible = rows[5].split(',')
    rows[5] = ','.join([tenant, role, metric, 'false' if visible == 'true' else 'true'])
    rows.append('%s,Finance,net_promoter_score,true' % ACME)
    edited = tmp_path / 'visibility.csv'
    edited.write_text('\n'.join(rows) + '\n')
    before = locations(shoppulse_db)
    result = seeding.load(conn, table='role_metric_visibility', key=VISIBILITY_KEY, path=str(edited))
    assert (result['inserted'], result['updated'], result['unchanged'], result['total']) == (1, 1, 131, 133)
    after = locations(shoppulse_db)
    written = sorted(k for k in after if before.get(k) != after[k])
    assert written == sorted(['/'.join([tenant, role, metric]), '%s/Finance/net_promoter_score' % ACME])


def test_check_mode_reports_exact_counts_and_writes_nothing(shoppulse_db, driver):
    conn = shoppulse_db.connect(driver)
    result = seeding.load(conn, check_mode=True, table='tenants', key=['tenant_id'], path=TENANTS)
    assert (result['changed'], result['inserted']) == (True, 3)
    assert shoppulse_db.scalar('SELECT count(*) FROM tenants') == 0


def test_updated_at_moves_only_for_updated_rows(shoppulse_db):
    conn = shoppulse_db.connect()
    load_seeds(conn)
    stamps = dict(shoppulse_db.query('SELECT tenant_id::text, updated_at FROM tenants'))
    seeding.load(conn, table='tenants', key=['tenant_id'],
                 rows=[dict(tenant_id=ACME, name='Acme Outfitters Inc.')])
    after = dict(shoppulse_db.query('SELECT tenant_id::text, updated_at FROM tenants'))
    assert after[ACME] > stamps[ACME]
    assert all(after[t] == stamps[t] for t in stamps if t != ACME)


def test_inline_rows_with_json_and_nulls(shoppulse_db, driver):
    conn = shoppulse_db.connect(driver)
    load_seeds(conn)
    rows = [dict(tenant_id=ACME, user_id='00000000-0000-4000-8000-000000000001', cognito_sub='sub-1',
                 email='a@example.com', display_name=None, role='Finance'),
            dict(tenant_id=ACME, user_id='00000000-0000-4000-8000-000000000002', cognito_sub='sub-2',
                 email='b@example.com', display_name='', role='Admin')]
    result = seeding.load(conn, table='users', key=['tenant_id', 'user_id'], rows=rows)
    assert result['inserted'] == 2
    names = dict(shoppulse_db.query('SELECT cognito_sub, display_name FROM users'))
    assert names == {'sub-1': None, 'sub-2': ''}
    assert not seeding.load(conn, table='users', key=['tenant_id', 'user_id'], rows=rows)['changed']
    seeding.load(conn, table='governance_rules', key=['tenant_id', 'name'], rows=[dict(
        tenant_id=ACME, name='mask emails', rule_type='pii_masking', definition={'columns': ['email']})])
    assert shoppulse_db.scalar("SELECT definition->'columns'->>0 FROM governance_rules") == 'email'


def test_csv_null_and_empty_string_follow_psql(shoppulse_db, tmp_path):
    conn = shoppulse_db.connect()
    load_seeds(conn)
    users = tmp_path / 'users.csv'
    users.write_text('tenant_id,cognito_sub,email,display_name,role\n'
                     '%s,sub-a,a@example.com,,Finance\n'
                     '%s,sub-b,b@example.com,"",Finance\n'
                     '%s,sub-c,c@example.com,"Multi\nline",Admin\n' % (ACME, ACME, ACME))
    assert seeding.load(conn, table='users', key=['cognito_sub'], path=str(users))['inserted'] == 3
    names = dict(shoppulse_db.query('SELECT cognito_sub, display_name FROM users'))
    assert names == {'sub-a': None, 'sub-b': '', 'sub-c': 'Multi\nline'}


def test_works_as_a_non_superuser(shoppulse_db, driver):
    # as the RDS master user is: not a superuser, a member of the maintenance role shoppulse_migrator
    shoppulse_db.execute("CREATE ROLE seed_loader LOGIN PASSWORD 'loader-pw-1' NOSUPERUSER")
    shoppulse_db.execute('GRANT shoppulse_migrator TO seed_loader')
    try:
        conn = shoppulse_db.connect(driver, user='seed_loader', password='loader-pw-1')
        assert seeding.load(conn, table='tenants', key=['tenant_id'], path=TENANTS)['inserted'] == 3
        conn.close()
    finally:
        shoppulse_db.admin_execute('DROP OWNED BY seed_loader')
        shoppulse_db.execute('DROP ROLE seed_loader')


def test_a_loader_outside_the_maintenance_role_cannot_write_across_tenants(shoppulse_db):
    shoppulse_db.execute("CREATE ROLE seed_outsider LOGIN PASSWORD 'outsider-pw-1' NOSUPERUSER")
    shoppulse_db.execute('GRANT SELECT, INSERT, UPDATE ON tenants TO seed_outsider')
    try:
        conn = shoppulse_db.connect(user='seed_outsider', password='outsider-pw-1')
        with pytest.raises(EngineError, match='row-level security policy for table "tenants"'):
            seeding.load(conn, table='tenants', key=['tenant_id'], path=TENANTS)
        conn.close()
        assert shoppulse_db.scalar('SELECT count(*) FROM tenants') == 0
    finally:
        shoppulse_db.admin_execute('DROP OWNED BY seed_outsider')
        shoppulse_db.execute('DROP ROLE seed_outsider')


def bad_copy(tmp_path, source, line, replacement):
    """A copy of ``source`` with physical line ``line`` (1-based) replaced."""
    lines = open(source, 'rb').read().split(b'\n')
    lines[line - 1] = replacement if isinstance(replacement, bytes) else replacement.encode('utf-8')
    path = tmp_path / os.path.basename(source)
    path.write_bytes(b'\n'.join(lines))
    return str(path)


FOREIGN = '8a1f2c3e-0009-4b5a-9c1d-000000000009'


@pytest.mark.parametrize('line, replacement, message', [
    (7, '%s,Finance,revenue,true,extra' % ACME, 'extra data after last expected column'),
    (9, '%s,Finance' % ACME, 'missing data for column "metric_key"'),
    (11, '%s,Finance,x_metric,maybe' % ACME, 'invalid input syntax for type boolean: "…"'),  # the file's value is not shown
    (12, '%s,Finance,x_metric,true' % FOREIGN, 'violates foreign key constraint "role_metric_visibility_tenant_fkey"'),
    (13, '%s,Intern,x_metric,true' % ACME, 'violates check constraint "role_metric_visibility_role_check"'),
    (14, b'8a1f2c3e-0001-4b5a-9c1d-000000000001,Finance,caf\xe9,true', 'invalid byte sequence for encoding "UTF8"'),
    (15, 'not-a-uuid,Finance,x_metric,true', 'invalid input syntax for type uuid'),
    (16, ',Finance,x_metric,true', 'a key column (tenant_id, role, metric_key) is empty'),
])
def test_a_bad_row_names_file_and_line_and_changes_nothing(shoppulse_db, driver, tmp_path, line, replacement,
                                                           message):
    conn = shoppulse_db.connect(driver)
    load_seeds(conn)
    before = snapshot(shoppulse_db, 'role_metric_visibility')
    path = bad_copy(tmp_path, VISIBILITY, line, replacement)
    # a changed row before the bad one, so that a partial load would show
    path_text = open(path, 'rb').read().replace(b'Finance,revenue,true', b'Finance,revenue,false', 1)
    open(path, 'wb').write(path_text)
    with pytest.raises(EngineError) as info:
        seeding.load(conn, table='role_metric_visibility', key=VISIBILITY_KEY, path=path)
    assert info.value.message.startswith('%s line %d: ' % (path, line)), info.value.message
    assert message in info.value.message
    assert snapshot(shoppulse_db, 'role_metric_visibility') == before


def test_duplicate_keys_in_the_file_name_both_lines(shoppulse_db, tmp_path):
    conn = shoppulse_db.connect()
    load_seeds(conn)
    rows = open(VISIBILITY).read().splitlines()
    path = bad_copy(tmp_path, VISIBILITY, 20, rows[3])
    with pytest.raises(EngineError) as info:
        seeding.load(conn, table='role_metric_visibility', key=VISIBILITY_KEY, path=path)
    assert info.value.message.startswith('%s line 4 and %s line 20 hold the same key' % (path, path))


def test_line_numbers_count_physical_lines_after_a_multiline_field(shoppulse_db, tmp_path):
    conn = shoppulse_db.connect()
    load_seeds(conn)
    users = tmp_path / 'users.csv'
    users.write_text('tenant_id,cognito_sub,email,display_name,role\n'
                     '%s,sub-a,a@example.com,"three\nline\nname",Finance\n'
                     '%s,sub-b,b@example.com,fine,Boss\n' % (ACME, ACME))
    with pytest.raises(EngineError) as info:
        seeding.load(conn, table='users', key=['cognito_sub'], path=str(users))
    assert info.value.message.startswith('%s line 5: ' % users) and 'users_role_check' in info.value.message
    assert shoppulse_db.scalar('SELECT count(*) FROM users') == 0


@pytest.mark.parametrize('header, message', [
    ('tenant_id,role,metric,is_visible', 'line 1: column(s) 3 of the header name no column of table public.role_metric_visibility'),
    ('tenant_id,metric_key,is_visible', 'key column(s) role are missing from the data'),
    ('tenant_id,role,role,is_visible', 'line 1: columns 2 and 3 of the header have the same name'),
    ('', 'the file has no header line'),
])
def test_a_bad_header_is_refused(shoppulse_db, tmp_path, header, message):
    conn = shoppulse_db.connect()
    path = tmp_path / 'v.csv'
    path.write_text(header + '\n%s,Finance,revenue,true\n' % ACME)
    with pytest.raises(EngineError) as info:
        seeding.load(conn, table='role_metric_visibility', key=VISIBILITY_KEY, path=str(path))
    assert message in info.value.message


def test_a_missing_table_or_file_is_named(shoppulse_db, tmp_path):
    conn = shoppulse_db.connect()
    with pytest.raises(EngineError, match='table public.nope does not exist'):
        seeding.load(conn, table='nope', key=['tenant_id'], path=TENANTS)
    with pytest.raises(EngineError, match='seed file .*missing.csv does not exist'):
        seeding.load(conn, table='tenants', key=['tenant_id'], path=str(tmp_path / 'missing.csv'))


def test_latin1_files_load_with_their_encoding(shoppulse_db, tmp_path):
    conn = shoppulse_db.connect()
    path = tmp_path / 'tenants.csv'
    shutil.copy(TENANTS, path)
    path.write_bytes(open(TENANTS, 'rb').read().replace(b'Globex Home & Garden', 'Globex Café'.encode('latin-1')))
    seeding.load(conn, table='tenants', key=['tenant_id'], path=str(path), encoding='LATIN1')
    assert shoppulse_db.scalar("SELECT name FROM tenants WHERE slug = 'globex-home'") == 'Globex Café'


def test_rows_go_in_in_the_files_order_on_a_first_load_and_on_a_later_one(shoppulse_db, driver, tmp_path):
    """Identity values follow the file's order, as with psql's \\copy: on a first load (a plain scan of the file's
    temporary table, no sort) and on a later one (the new rows only, sorted back into the file's order)."""
    shoppulse_db.execute('CREATE TABLE seed_order (id bigint GENERATED ALWAYS AS IDENTITY, k text PRIMARY KEY, v int)')
    keys = ['k%05d' % ((n * 7919) % 20000) for n in range(20000)]  # not in any sorted order
    first = tmp_path / 'first.csv'
    first.write_text('k,v\n' + ''.join('%s,%d\n' % (k, n) for n, k in enumerate(keys[:15000])))
    conn = shoppulse_db.connect(driver)
    assert seeding.load(conn, table='seed_order', key=['k'], path=str(first))['inserted'] == 15000
    later = tmp_path / 'later.csv'
    later.write_text('k,v\n' + ''.join('%s,%d\n' % (k, n) for n, k in reversed(list(enumerate(keys)))))
    assert seeding.load(conn, table='seed_order', key=['k'], path=str(later))['inserted'] == 5000
    order = [r[0] for r in shoppulse_db.query('SELECT k FROM seed_order ORDER BY id')]
    assert order == keys[:15000] + list(reversed(keys[15000:]))


@pytest.mark.parametrize('unique', [True, False], ids=['unique-index-on-the-key', 'no-unique-index'])
def test_a_key_repeated_on_a_first_load_names_both_lines_and_loads_nothing(shoppulse_db, tmp_path, unique):
    """Into an empty table whose key a unique index covers, the insert itself finds the repeat (then the lines are
    looked for); without such an index, the file is checked first."""
    shoppulse_db.execute('CREATE TABLE seed_repeat (k text %s, v int)' % ('PRIMARY KEY' if unique else 'NOT NULL'))
    path = tmp_path / 'repeat.csv'
    path.write_text('k,v\n' + ''.join('k%d,%d\n' % (n, n) for n in range(50)) + 'k7,7\n')
    with pytest.raises(EngineError) as info:
        seeding.load(shoppulse_db.connect(), table='seed_repeat', key=['k'], path=str(path))
    assert info.value.message.startswith('%s line 9 and %s line 52 hold the same key (k)' % (path, path))
    assert shoppulse_db.scalar('SELECT count(*) FROM seed_repeat') == 0
