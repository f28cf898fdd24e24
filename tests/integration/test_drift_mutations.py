# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""schema_verify's recall, measured by mutation (issue 41): a pristine database built by the migrations, then
each single change of tests/support/mutations.py on a fresh copy of it, and the report of schema_verify's engine
read as the RDS-like master on PostgreSQL 15 to 18: every change named, with its object and property, and
nothing else; the pristine copy reported clean. The same changes given to migra: benchmarks/drift_recall.py."""

import os
import uuid

import psycopg2
import pytest

from ansible_collections.shoppulse.analytics.plugins.module_utils.schema import engine
from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.inventory import read_inventory

from support import SQL_DIR
from support.database import Database
from support.mutations import MUTATIONS
from test_verify import drift, manifest  # noqa: F401  pylint: disable=unused-import

pytestmark = pytest.mark.all_versions

# every kind of object and property issue 41 names, each made to drift at least once
KINDS = {'function', 'function privilege', 'table privilege', 'column privilege', 'sequence privilege',
         'schema privilege', 'database privilege', 'database setting', 'default privileges', 'collation', 'sequence',
         'identity', 'extension', 'schema', 'type', 'rule', 'event trigger', 'statistics', 'publication', 'storage',
         'view', 'role', 'index', 'constraint', 'column', 'trigger', 'policy', 'row-level security', 'owner', 'comment'}


def _master(server, dbname='postgres'):
    conn = psycopg2.connect(**server.dsn(dbname))
    conn.autocommit = True
    return conn


@pytest.fixture(scope='session')
def pristine(pg_servers):
    """The pristine database of a version, built once by the migrations as the master: pristine(16)."""
    made = {}

    def get(version):
        if version not in made:
            server = pg_servers(version)
            name = 'pristine_' + uuid.uuid4().hex[:10]
            with _master(server).cursor() as cur:
                cur.execute('CREATE DATABASE %s' % name)
            conn = psycopg2.connect(**server.dsn(name))
            engine.run(conn, SQL_DIR)
            conn.close()
            made[version] = Database(server, name)
        return made[version]

    yield get
    for database in made.values():
        admin = psycopg2.connect(**database.server.admin_dsn())
        admin.autocommit = True
        with admin.cursor() as cur:
            cur.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % database.name)
        admin.close()


@pytest.fixture
def fresh_copy(pristine, pg_version):
    """A copy of the pristine database of the test's version (CREATE DATABASE ... TEMPLATE, by the master who owns
    it); dropped afterwards."""
    source = pristine(pg_version)
    name = 't_' + uuid.uuid4().hex[:12]
    with _master(source.server).cursor() as cur:
        cur.execute('CREATE DATABASE %s TEMPLATE %s' % (name, source.name))
    copy = Database(source.server, name)
    yield copy
    admin = psycopg2.connect(**source.server.admin_dsn())
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute('DROP DATABASE IF EXISTS %s WITH (FORCE)' % name)
    admin.close()


def verify(database, manifest):  # noqa: F811
    """schema_verify's report on ``database`` as the master, with psycopg2 (test_verify.drift)."""
    return drift(database, 'psycopg2', manifest)


def test_the_mutations_cover_every_kind_the_issue_names():
    assert len(MUTATIONS) >= 50
    assert set(m.kind for m in MUTATIONS) == KINDS


def test_a_pristine_copy_is_reported_clean(fresh_copy, manifest):  # noqa: F811
    assert verify(fresh_copy, manifest) == []


@pytest.mark.parametrize('mutation', MUTATIONS, ids=['%02d-%s' % (i, m.kind.replace(' ', '_'))
                                                     for i, m in enumerate(MUTATIONS)])
def test_every_single_change_is_named_with_its_object_and_property(fresh_copy, manifest, mutation):  # noqa: F811
    run = fresh_copy.admin_execute if mutation.admin else fresh_copy.execute
    try:
        run(mutation.sql)
        assert sorted(verify(fresh_copy, manifest)) == sorted(mutation.expected)
    finally:
        if mutation.undo:  # by whoever made it: from 16 on a membership is revoked by its grantor
            run(mutation.undo)


def test_a_format_1_manifest_still_compares_as_before(fresh_copy):
    """A manifest written before issue 41 (format 1, tests/integration/fixtures) reports a pristine database clean,
    names what it named then, as it named it, and is silent on the parts it did not know."""
    from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.drift import read_manifest
    old = read_manifest(os.path.join(os.path.dirname(__file__), 'fixtures', 'manifest-format-1.yml'))
    assert old['format'] == 1
    assert verify(fresh_copy, old) == []
    fresh_copy.execute('GRANT SELECT ON users TO PUBLIC')
    fresh_copy.execute('CREATE EXTENSION citext')
    fresh_copy.execute('ALTER FUNCTION update_updated_at_column() STABLE')
    fresh_copy.execute('DROP INDEX orders_tenant_ordered_at_idx')
    assert verify(fresh_copy, old) == ['missing index orders.orders_tenant_ordered_at_idx',
                                       'different table setting users.privileges (PUBLIC)']


# Kinds the pristine schema has none of: made first and recorded in a manifest of that database, then changed one
# at a time, each change named with its object and property.
EXTRA_OBJECTS = [
    "CREATE TYPE order_mood AS ENUM ('happy', 'sad')",
    "CREATE DOMAIN email_address AS text CONSTRAINT email_has_at CHECK (VALUE LIKE '%@%')",
    'CREATE VIEW open_orders AS SELECT order_id, tenant_id FROM orders',
    'CREATE STATISTICS orders_status_stats (dependencies) ON tenant_id, status FROM orders',
    'CREATE PUBLICATION user_feed FOR TABLE users',
    'CREATE RULE orders_keep AS ON DELETE TO orders DO INSTEAD NOTHING',
]
EXTRA_CHANGES = [
    ('REVOKE USAGE ON TYPE order_mood FROM PUBLIC', 'different type order_mood (privileges)'),
    ("ALTER TYPE order_mood ADD VALUE 'angry'", 'different type order_mood (labels)'),
    ('ALTER DOMAIN email_address DROP CONSTRAINT email_has_at', 'different type email_address (constraints)'),
    ('ALTER DOMAIN email_address SET NOT NULL', 'different type email_address (not_null)'),
    ('GRANT SELECT ON open_orders TO shoppulse_app', 'different view open_orders (privileges)'),
    ('ALTER VIEW open_orders OWNER TO shoppulse_migrator', 'different view open_orders (owner)'),
    ('ALTER VIEW open_orders SET (security_barrier = true)', 'different view open_orders (security_barrier)'),
    ('ALTER STATISTICS orders_status_stats SET STATISTICS 10', 'different statistics orders_status_stats (target)'),
    ('ALTER PUBLICATION user_feed ADD TABLE tenants', 'different publication user_feed (tables)'),
    ("ALTER PUBLICATION user_feed SET (publish = 'insert')", 'different publication user_feed (actions)'),
    ('ALTER TABLE orders DISABLE RULE orders_keep', 'different rule orders.orders_keep (enabled)'),
]


@pytest.mark.parametrize('sql, expected', EXTRA_CHANGES, ids=[e[1].split(' (')[0].replace(' ', '_')
                                                              + '-' + e[1].split('(')[1].rstrip(')')
                                                              for e in EXTRA_CHANGES])
def test_a_change_to_a_kind_the_pristine_schema_lacks_is_named(fresh_copy, sql, expected):
    from ansible_collections.shoppulse.analytics.plugins.module_utils.schema.drift import manifest_from_inventory
    for statement in EXTRA_OBJECTS:
        fresh_copy.execute(statement)
    conn = fresh_copy.connect()
    own = manifest_from_inventory(read_inventory(conn))
    conn.close()
    assert verify(fresh_copy, own) == []
    fresh_copy.execute(sql)
    assert verify(fresh_copy, own) == [expected]
