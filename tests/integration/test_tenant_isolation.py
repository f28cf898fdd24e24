# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Tenant isolation, enforced by the database (migrations 8 to 10), with real connections.

The application role, logged in with its own password, sets its tenant per transaction with
set_config('app.tenant_id', ..., true) and sees, writes and changes only that tenant's rows, in every
table with a tenant_id; with no tenant set it sees nothing. The read-only role reads the same way and
writes nothing. The owner's sessions are held by the same policies (FORCE), so a view the owner
owns is no way around them either.
"""

import psycopg2
import psycopg2.errors
import pytest

from support import SQL_DIR, tenancy

# the engine on every PostgreSQL major the collection serves (15 to 18)
pytestmark = pytest.mark.all_versions

A = '8a1f2c3e-0001-4b5a-9c1d-000000000001'
B = '8a1f2c3e-0002-4b5a-9c1d-000000000002'
PASSWORDS = {'shoppulse_app': 'app-test-password-1', 'shoppulse_readonly': 'readonly-test-password-1'}
TENANT_TABLES = ['tenants', 'users', 'orders', 'fulfillment', 'marketing_campaigns', 'role_metric_visibility',
                 'governance_rules', 'audit_logs']


def rows_for(tenant, n):
    """One row of every tenant table for a tenant (n makes the keys unique)."""
    user = '00000000-0000-4000-8000-00000000000%d' % n
    order = '00000000-0000-4000-8000-0000000000%d0' % n
    return [
        ("INSERT INTO users (tenant_id, user_id, cognito_sub, email, role) VALUES (%s, %s, %s, %s, 'Finance')",
         (tenant, user, 'sub-%d' % n, 'user%d@example.com' % n)),
        ("INSERT INTO orders (tenant_id, order_id, external_order_id, currency, total_amount, ordered_at) "
         "VALUES (%s, %s, %s, 'USD', 10, now())", (tenant, order, 'ext-%d' % n)),
        ("INSERT INTO fulfillment (tenant_id, order_id) VALUES (%s, %s)", (tenant, order)),
        ("INSERT INTO marketing_campaigns (tenant_id, name, channel, starts_on, currency) "
         "VALUES (%s, %s, 'email', current_date, 'USD')", (tenant, 'campaign %d' % n)),
        ("INSERT INTO governance_rules (tenant_id, name, rule_type, definition) VALUES (%s, %s, 'pii_masking', '{}')",
         (tenant, 'rule %d' % n)),
        ("INSERT INTO audit_logs (tenant_id, action, resource_type) VALUES (%s, 'order.viewed', 'order')", (tenant,)),
    ]


@pytest.fixture
def tenants_db(seeded_db):
    """Two tenants with a row in every table (written by the master user, a maintenance identity)."""
    conn = seeded_db.connect()
    conn.autocommit = True
    with conn.cursor() as cur:
        for sql, params in rows_for(A, 1) + rows_for(B, 2):
            cur.execute(sql, params)
        for role, password in PASSWORDS.items():
            cur.execute('ALTER ROLE %s PASSWORD %%s' % role, (password,))
    conn.close()
    return seeded_db


def login(database, role):
    conn = psycopg2.connect(**database.dsn(user=role, password=PASSWORDS[role]))
    return conn


def as_tenant(cur, tenant):
    cur.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))


def assert_refused(database, role, sql, params=None, errors=psycopg2.errors.InsufficientPrivilege, match=None,
                   tenant=A):
    """``role``, logged in (and set to ``tenant`` unless None), is refused ``sql`` with ``errors``."""
    conn = login(database, role)
    with conn.cursor() as cur:
        if tenant:
            as_tenant(cur, tenant)
        with pytest.raises(errors, match=match):
            cur.execute(sql, params)
    conn.rollback()
    conn.close()


def tenants_seen(cur, table):
    cur.execute('SELECT DISTINCT tenant_id::text FROM %s' % table)
    return sorted(r[0] for r in cur.fetchall())


@pytest.mark.parametrize('role', sorted(PASSWORDS))
def test_a_role_with_tenant_a_sees_only_a_in_every_table(tenants_db, role):
    conn = login(tenants_db, role)
    with conn.cursor() as cur:
        as_tenant(cur, A)
        for table in TENANT_TABLES:
            assert tenants_seen(cur, table) == [A], table
    conn.close()


@pytest.mark.parametrize('role', sorted(PASSWORDS))
def test_no_tenant_set_no_rows(tenants_db, role):
    conn = login(tenants_db, role)
    with conn.cursor() as cur:
        for table in TENANT_TABLES:
            cur.execute('SELECT count(*) FROM %s' % table)
            assert cur.fetchone()[0] == 0, table
        cur.execute("SELECT set_config('app.tenant_id', '', true)")  # set, but empty: still nothing
        cur.execute('SELECT count(*) FROM orders')
        assert cur.fetchone()[0] == 0
    conn.close()


def test_the_tenant_lasts_for_the_transaction_only(tenants_db):
    conn = login(tenants_db, 'shoppulse_app')
    with conn.cursor() as cur:
        as_tenant(cur, A)
        cur.execute('SELECT count(*) FROM orders')
        assert cur.fetchone()[0] == 1
    conn.commit()
    with conn.cursor() as cur:
        cur.execute('SELECT count(*) FROM orders')
        assert cur.fetchone()[0] == 0
    conn.close()


@pytest.mark.parametrize('sql, params', [
    ("INSERT INTO users (tenant_id, cognito_sub, email, role) VALUES (%s, 'x', 'x@example.com', 'Admin')", (B,)),
    ("INSERT INTO orders (tenant_id, external_order_id, currency, total_amount, ordered_at) "
     "VALUES (%s, 'sneaky', 'USD', 1, now())", (B,)),
    ("INSERT INTO audit_logs (tenant_id, action, resource_type) VALUES (%s, 'order.viewed', 'order')", (B,)),
    ("INSERT INTO governance_rules (tenant_id, name, rule_type, definition) VALUES (%s, 'r', 'pii_masking', '{}')", (B,)),
    ("INSERT INTO role_metric_visibility (tenant_id, role, metric_key, is_visible) VALUES (%s, 'Admin', 'm', true)",
     (B,)),
])
def test_the_app_cannot_write_into_another_tenant(tenants_db, sql, params):
    assert_refused(tenants_db, 'shoppulse_app', sql, params, match='row-level security policy')


def test_the_app_cannot_change_another_tenants_rows(tenants_db):
    conn = login(tenants_db, 'shoppulse_app')
    with conn.cursor() as cur:
        as_tenant(cur, A)
        cur.execute("UPDATE orders SET total_amount = 0 WHERE tenant_id = %s", (B,))
        assert cur.rowcount == 0
        cur.execute("UPDATE users SET is_active = false WHERE tenant_id = %s", (B,))
        assert cur.rowcount == 0
        cur.execute("UPDATE orders SET total_amount = 11")  # its own: allowed
        assert cur.rowcount == 1
    conn.commit()
    conn.close()
    assert tenants_db.query("SELECT tenant_id::text, total_amount FROM orders ORDER BY 1") == [(A, 11), (B, 10)]
    assert tenants_db.scalar('SELECT count(*) FROM users WHERE is_active') == 2


@pytest.mark.parametrize('sql', ["UPDATE audit_logs SET action = 'order.edited'", 'DELETE FROM audit_logs',
                                 'TRUNCATE audit_logs'])
def test_the_app_cannot_update_or_delete_audit_logs(tenants_db, sql):
    assert_refused(tenants_db, 'shoppulse_app', sql, match='permission denied for table audit_logs')
    assert tenants_db.scalar('SELECT count(*) FROM audit_logs') == 2


@pytest.mark.parametrize('sql', ['CREATE TABLE mine (a int)', 'CREATE VIEW every_order AS SELECT * FROM orders',
                                 'ALTER TABLE orders DISABLE ROW LEVEL SECURITY', 'DROP POLICY tenant_isolation ON orders',
                                 'SELECT * FROM schema_migrations', "SET ROLE shoppulse_owner"])
def test_the_app_has_no_ddl_no_ledger_and_no_way_to_the_owner(tenants_db, sql):
    assert_refused(tenants_db, 'shoppulse_app', sql, tenant=None,
                   errors=(psycopg2.errors.InsufficientPrivilege, psycopg2.errors.UndefinedObject))


# -- what the application may write and lock (migration 11): by column, never a whole table -------------
# Each statement below is one a careless or hostile application would try; each is refused by the
# privileges alone, in its own tenant, where row-level security would let it through.

APP_REFUSED = [
    ('UPDATE orders SET tenant_id = %s', (B,), 'orders'),  # moving a row to another tenant
    ('UPDATE users SET tenant_id = %s', (B,), 'users'),
    ("UPDATE tenants SET plan = 'enterprise'", None, 'tenants'),  # upgrading itself
    ("UPDATE tenants SET status = 'active'", None, 'tenants'),  # lifting its own suspension
    ("UPDATE tenants SET slug = 'other'", None, 'tenants'),
    ("INSERT INTO tenants (slug, name) VALUES ('mine', 'Mine')", None, 'tenants'),
    ('UPDATE orders SET created_at = now()', None, 'orders'),
    ("UPDATE orders SET updated_at = '2000-01-01'", None, 'orders'),
    ('UPDATE orders SET ordered_at = now()', None, 'orders'),
    ("UPDATE users SET cognito_sub = 'stolen'", None, 'users'),
    ("INSERT INTO orders (tenant_id, external_order_id, currency, total_amount, ordered_at, created_at) "
     "VALUES (%s, 'old', 'USD', 1, now(), '2000-01-01')", (A,), 'orders'),
    ('DELETE FROM orders', None, 'orders'),
    ('DELETE FROM users', None, 'users'),
    ('TRUNCATE orders', None, 'orders'),
    # forged audit rows: its own number, its own date
    ("INSERT INTO audit_logs (tenant_id, audit_log_id, action, resource_type) OVERRIDING SYSTEM VALUE "
     "VALUES (%s, 1, 'order.viewed', 'order')", (A,), 'audit_logs'),
    ("INSERT INTO audit_logs (tenant_id, occurred_at, action, resource_type) "
     "VALUES (%s, '2000-01-01', 'order.viewed', 'order')", (A,), 'audit_logs'),
] + [('LOCK TABLE %s IN %s MODE' % (table, mode), None, table)
     for table in TENANT_TABLES
     for mode in ('SHARE UPDATE EXCLUSIVE', 'SHARE', 'SHARE ROW EXCLUSIVE', 'EXCLUSIVE', 'ACCESS EXCLUSIVE')]


@pytest.mark.parametrize('sql, params, table', APP_REFUSED, ids=[i[0][:60] for i in APP_REFUSED])
def test_the_app_writes_and_locks_only_what_it_needs(tenants_db, sql, params, table):
    assert_refused(tenants_db, 'shoppulse_app', sql, params, match='permission denied for table %s' % table)


def test_the_app_can_do_its_work(tenants_db):
    """What the refusals above leave: the writes of an application, and the locks reads and writes take."""
    conn = login(tenants_db, 'shoppulse_app')
    with conn.cursor() as cur:
        as_tenant(cur, A)
        cur.execute("UPDATE tenants SET name = 'Renamed', settings = '{\"theme\": \"dark\"}'")
        cur.execute("INSERT INTO users (tenant_id, cognito_sub, email, role) VALUES (%s, 'sub-new', 'n@example.com', "
                    "'Admin') ON CONFLICT (cognito_sub) DO UPDATE SET role = EXCLUDED.role", (A,))
        cur.execute("UPDATE users SET is_active = false, last_login_at = now() WHERE cognito_sub = 'sub-1'")
        cur.execute("UPDATE orders SET status = 'paid', total_amount = 12 RETURNING updated_at > created_at")
        assert cur.fetchone() == (True,)
        cur.execute("SELECT order_id FROM orders FOR UPDATE")
        cur.execute("UPDATE fulfillment SET status = 'shipped', shipped_at = now()")
        cur.execute("UPDATE governance_rules SET is_enabled = false")
        cur.execute("INSERT INTO audit_logs (tenant_id, action, resource_type) VALUES (%s, 'order.paid', 'order') "
                    "RETURNING occurred_at = now()", (A,))
        assert cur.fetchone() == (True,)
        for table in TENANT_TABLES:
            cur.execute('LOCK TABLE %s IN ACCESS SHARE MODE' % table)
    conn.commit()
    conn.close()
    assert tenants_db.query('SELECT name FROM tenants WHERE tenant_id = %s', (A,)) == [('Renamed',)]


def test_the_read_only_role_writes_nothing(tenants_db):
    assert_refused(tenants_db, 'shoppulse_readonly', "UPDATE orders SET total_amount = 0",
                   match='permission denied for table orders')


def test_a_view_is_no_way_around_the_policies(tenants_db):
    """The owner's own sessions are held by the policies (FORCE), so are views it owns."""
    admin = tenants_db.connect()
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute('SET ROLE shoppulse_owner')
        cur.execute('CREATE VIEW every_order AS SELECT * FROM orders')
        cur.execute('GRANT SELECT ON every_order TO shoppulse_app')
        cur.execute('RESET ROLE')
    admin.close()
    conn = login(tenants_db, 'shoppulse_app')
    with conn.cursor() as cur:
        as_tenant(cur, A)
        assert tenants_seen(cur, 'every_order') == [A]
    conn.commit()
    with conn.cursor() as cur:
        cur.execute('SELECT count(*) FROM every_order')
        assert cur.fetchone()[0] == 0
    conn.close()


def test_the_owner_is_held_by_the_policies_too(tenants_db):
    admin = tenants_db.connect()
    with admin.cursor() as cur:
        cur.execute('SET LOCAL ROLE shoppulse_owner')
        as_tenant(cur, B)
        for table in TENANT_TABLES:
            assert tenants_seen(cur, table) == [B], table
    admin.rollback()
    with admin.cursor() as cur:
        cur.execute('SET LOCAL ROLE shoppulse_owner')
        cur.execute('SELECT count(*) FROM orders')
        assert cur.fetchone()[0] == 0
    admin.rollback()
    admin.close()


def test_the_roles_have_no_way_around_row_level_security(tenants_db):
    rows = dict((r[0], r[1:]) for r in tenants_db.query(
        "SELECT rolname, rolcanlogin, rolsuper, rolbypassrls, rolcreaterole, rolcreatedb FROM pg_roles "
        "WHERE rolname LIKE 'shoppulse\\_%' AND rolname <> 'shoppulse_admin'"))
    assert rows == {
        'shoppulse_owner': (False, False, False, False, False),
        'shoppulse_migrator': (True, False, False, False, False),
        'shoppulse_app': (True, False, False, False, False),
        'shoppulse_readonly': (True, False, False, False, False),
    }
    owners = set(r[0] for r in tenants_db.query(
        "SELECT tableowner FROM pg_tables WHERE schemaname = 'public'"))
    assert owners == {'shoppulse_owner'}


# -- the plans: the policies must leave the tenant_id indexes usable ------------------------------------
# On a small database the planner may rightly prefer to read a whole table, so seq scans are turned
# off: what is checked is that the tenant condition of the policy can be an index condition, as an
# explicit filter is. Under migration 9's policy (tenant = X OR maintenance) it never was. The same
# queries on millions of rows, timed: benchmarks/tenancy.py.


def _plans_db(database, target_version=None):
    from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine
    conn = database.connect()
    engine.run(conn, SQL_DIR, target_version=target_version)
    conn.close()
    admin = psycopg2.connect(**database.server.admin_dsn(database.name))
    admin.autocommit = True
    with admin.cursor() as cur:
        tenancy.load(cur, 1, 30, 40)
        cur.execute('ANALYZE')
        cur.execute('ALTER ROLE shoppulse_app PASSWORD %s', (PASSWORDS['shoppulse_app'],))
    return admin


def _scans(cur, query, values, explicit):
    cur.execute('SET LOCAL enable_seqscan = off')
    return tenancy.scans(tenancy.explain(cur, tenancy.sql(query, explicit), values))


@pytest.fixture
def plans_db(database):
    admin = _plans_db(database)
    yield database, admin
    admin.close()


@pytest.mark.parametrize('name, query', [(q[0], q[2]) for q in tenancy.QUERIES], ids=[q[0] for q in tenancy.QUERIES])
def test_the_applications_queries_read_one_tenant_through_its_index(plans_db, name, query):
    database, admin = plans_db
    tenant = tenancy.tenant_id(7)
    with admin.cursor() as cur:  # the set-up superuser, which row-level security does not hold: the reference
        values = tenancy.params(cur, tenant)
        cur.execute('BEGIN')
        reference = _scans(cur, query, values, explicit=True)
        cur.execute('ROLLBACK')
    conn = login(database, 'shoppulse_app')
    with conn.cursor() as cur:
        tenancy.set_tenant(cur, tenant)
        scans = _scans(cur, query, values, explicit=False)
        cur.execute(tenancy.sql(query), values)
        rows = cur.fetchall()
    conn.rollback()
    conn.close()
    assert rows, 'the query finds rows of tenant %s' % tenant
    assert all(tenancy.tenant_conditioned(scan) for scan in reference), reference
    # every table read by an index whose condition holds the tenant, the same indexes as the reference
    assert all(tenancy.tenant_conditioned(scan) for scan in scans), scans
    assert sorted(s[2] for s in scans) == sorted(s[2] for s in reference), (scans, reference)


def test_under_migration_9s_policy_the_tenant_was_no_index_condition(database):
    """The check above can fail: the policy of migration 9 hid the tenant condition behind an OR."""
    admin = _plans_db(database, target_version=9)
    admin.close()
    name, dummy, query = tenancy.QUERIES[0]
    conn = login(database, 'shoppulse_app')
    with conn.cursor() as cur:
        tenancy.set_tenant(cur, tenancy.tenant_id(7))
        scans = _scans(cur, query, {}, explicit=False)
    conn.close()
    assert not any(tenancy.tenant_conditioned(scan) for scan in scans), scans
