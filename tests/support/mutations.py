# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Single changes to a pristine ShopPulse database, made by hand as a reviewer (or an intruder) would, each with
the lines schema_verify must report for it: the object and the property. One list for the mutation test
(tests/integration/test_drift_mutations.py, in make test) and the recall benchmark against migra
(benchmarks/drift_recall.py).

A mutation runs as the RDS-like master unless ``admin`` (what needs more power than the master has: event
triggers, LEAKPROOF, REPLICATION, publications of all tables). Roles belong to the server, not to the copy of the
database a mutation gets: ``undo`` puts them back after it.
"""

import collections

Mutation = collections.namedtuple('Mutation', 'kind sql expected admin undo')

# the database-wide statements need the copy's name: EXECUTE format(..., current_database())
ON_THIS_DATABASE = "DO $$ BEGIN EXECUTE format('%s', current_database()); END $$"
EVENT_FUNCTION = ('CREATE FUNCTION watch_ddl() RETURNS event_trigger LANGUAGE plpgsql AS '
                  "$$ BEGIN RAISE NOTICE '%', tg_tag; END $$")


def _m(kind, sql, expected, admin=False, undo=None):
    return Mutation(kind, sql, [expected] if isinstance(expected, str) else list(expected), admin, undo)


FN = 'update_updated_at_column()'
TENANT_FN = 'app_current_tenant()'
SEQ = 'audit_logs_audit_log_id_seq'

MUTATIONS = [
    # functions: every attribute, the settings, the owner, EXECUTE, the body, new ones
    _m('function', 'ALTER FUNCTION %s STABLE' % FN, 'different function %s (volatility)' % FN),
    _m('function', 'ALTER FUNCTION %s VOLATILE' % TENANT_FN, 'different function %s (volatility)' % TENANT_FN),
    _m('function', 'ALTER FUNCTION %s STRICT' % FN, 'different function %s (strict)' % FN),
    _m('function', 'ALTER FUNCTION %s SECURITY DEFINER' % FN, 'different function %s (security_definer)' % FN),
    _m('function', 'ALTER FUNCTION %s LEAKPROOF' % TENANT_FN, 'different function %s (leakproof)' % TENANT_FN,
       admin=True),
    _m('function', 'ALTER FUNCTION %s PARALLEL UNSAFE' % TENANT_FN, 'different function %s (parallel)' % TENANT_FN),
    _m('function', 'ALTER FUNCTION %s COST 1' % FN, 'different function %s (cost)' % FN),
    _m('function', 'ALTER FUNCTION %s SET search_path = public, pg_temp' % FN, 'different function %s (settings)' % FN),
    _m('function', 'ALTER FUNCTION %s RESET search_path' % FN, 'different function %s (settings)' % FN),
    _m('function', "ALTER FUNCTION %s SET work_mem = '1GB'" % TENANT_FN, 'different function %s (settings)' % TENANT_FN),
    _m('function', 'ALTER FUNCTION %s OWNER TO shoppulse_migrator' % FN, 'different function %s (owner)' % FN),
    _m('function privilege', 'GRANT EXECUTE ON FUNCTION %s TO shoppulse_app' % FN,
       'different function %s (privileges)' % FN),
    _m('function privilege', 'REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC' % TENANT_FN,
       'different function %s (privileges)' % TENANT_FN),
    _m('function', "CREATE OR REPLACE FUNCTION %s RETURNS uuid LANGUAGE sql STABLE PARALLEL SAFE AS "
                   "$$ SELECT NULL::uuid $$" % TENANT_FN, 'different function %s (body_sha256)' % TENANT_FN),
    _m('function', 'CREATE FUNCTION shadow(a integer DEFAULT 1) RETURNS integer LANGUAGE sql AS $$ SELECT a $$',
       'unexpected function shadow(a integer)'),
    _m('function', 'CREATE PROCEDURE purge_tenant(t uuid) LANGUAGE sql AS $$ DELETE FROM orders WHERE tenant_id = t $$',
       'unexpected function purge_tenant(IN t uuid)'),
    # privileges of tables, columns, sequences, schemas, the database; grant options
    _m('table privilege', 'GRANT TRUNCATE ON orders TO shoppulse_readonly',
       'different table setting orders.privileges (shoppulse_readonly)'),
    _m('table privilege', 'GRANT SELECT ON orders TO shoppulse_readonly WITH GRANT OPTION',
       'different table setting orders.privileges (shoppulse_readonly)'),
    _m('table privilege', 'GRANT SELECT ON users TO PUBLIC', 'different table setting users.privileges (PUBLIC)'),
    _m('column privilege', 'GRANT UPDATE (status) ON tenants TO shoppulse_app',
       'different table setting tenants.column_privileges (status)'),
    _m('sequence privilege', 'GRANT USAGE, UPDATE ON SEQUENCE %s TO shoppulse_app' % SEQ,
       'different sequence %s (privileges)' % SEQ),
    _m('schema privilege', 'GRANT CREATE ON SCHEMA public TO shoppulse_app', 'different schema public (privileges)'),
    _m('schema privilege', 'REVOKE USAGE ON SCHEMA public FROM shoppulse_readonly',
       'different schema public (privileges)'),
    _m('database privilege', ON_THIS_DATABASE % 'GRANT CREATE ON DATABASE %I TO shoppulse_app',
       'different database setting privileges (shoppulse_app)'),
    _m('database privilege', ON_THIS_DATABASE % 'REVOKE TEMPORARY ON DATABASE %I FROM PUBLIC',
       'different database setting privileges (PUBLIC)'),
    _m('database setting', ON_THIS_DATABASE % 'ALTER DATABASE %I SET search_path = public, pg_temp',
       'different database setting settings'),
    # default privileges
    _m('default privileges', 'ALTER DEFAULT PRIVILEGES FOR ROLE shoppulse_migrator GRANT SELECT ON TABLES TO shoppulse_app',
       'unexpected default privileges shoppulse_migrator tables'),
    _m('default privileges', 'ALTER DEFAULT PRIVILEGES FOR ROLE shoppulse_owner IN SCHEMA public '
                             'GRANT EXECUTE ON FUNCTIONS TO shoppulse_app',
       'unexpected default privileges shoppulse_owner functions in public'),
    _m('default privileges', 'ALTER DEFAULT PRIVILEGES FOR ROLE shoppulse_owner REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC',
       'unexpected default privileges shoppulse_owner functions'),
    # collations
    _m('collation', 'ALTER TABLE tenants ALTER COLUMN name TYPE text COLLATE "C"',
       'different column tenants.name (collation)'),
    _m('collation', 'ALTER TABLE users ALTER COLUMN email TYPE text COLLATE "POSIX"',
       'different column users.email (collation)'),
    # sequences and identities
    _m('sequence', 'ALTER SEQUENCE %s INCREMENT BY 2' % SEQ, 'different sequence %s (increment)' % SEQ),
    _m('sequence', 'ALTER SEQUENCE %s MAXVALUE 1000' % SEQ, 'different sequence %s (maximum)' % SEQ),
    _m('sequence', 'ALTER SEQUENCE %s MINVALUE 0 START WITH 0' % SEQ, 'different sequence %s (minimum, start)' % SEQ),
    _m('sequence', 'ALTER SEQUENCE %s CACHE 50' % SEQ, 'different sequence %s (cache)' % SEQ),
    _m('sequence', 'ALTER SEQUENCE %s CYCLE' % SEQ, 'different sequence %s (cycle)' % SEQ),
    _m('sequence', 'ALTER SEQUENCE %s AS integer' % SEQ, 'different sequence %s (maximum, type)' % SEQ),
    _m('identity', 'ALTER TABLE audit_logs ALTER COLUMN audit_log_id SET GENERATED BY DEFAULT',
       'different column audit_logs.audit_log_id (identity)'),
    _m('sequence', 'CREATE SEQUENCE stray_seq', 'unexpected sequence stray_seq'),
    # extensions
    _m('extension', 'CREATE EXTENSION citext SCHEMA public', 'unexpected extension citext'),
    _m('extension', 'CREATE SCHEMA crypto; CREATE EXTENSION pgcrypto SCHEMA crypto',
       ['unexpected extension pgcrypto', 'unexpected schema crypto']),
    # schemas
    _m('schema', 'CREATE SCHEMA shadow', 'unexpected schema shadow'),
    # (the new owner's own grants are no longer listed: its privileges read differently too)
    _m('schema', 'ALTER SCHEMA public OWNER TO shoppulse_owner', 'different schema public (owner, privileges)'),
    # types, domains, enums
    _m('type', "CREATE TYPE order_mood AS ENUM ('happy', 'sad')", 'unexpected type order_mood'),
    _m('type', "CREATE DOMAIN email_address AS text CHECK (VALUE LIKE '%@%')", 'unexpected type email_address'),
    _m('type', 'CREATE TYPE money_pair AS (amount numeric, currency text)', 'unexpected type money_pair'),
    # rules
    _m('rule', 'CREATE RULE orders_keep AS ON DELETE TO orders DO INSTEAD NOTHING',
       'unexpected rule orders.orders_keep'),
    _m('rule', 'CREATE RULE tenants_copy AS ON UPDATE TO tenants DO ALSO NOTIFY tenants_changed',
       'unexpected rule tenants.tenants_copy'),
    # event triggers (only a superuser, or rds_superuser on RDS, makes them)
    _m('event trigger', EVENT_FUNCTION + '; CREATE EVENT TRIGGER watch ON ddl_command_start EXECUTE FUNCTION watch_ddl()',
       ['unexpected event trigger watch', 'unexpected function watch_ddl()'], admin=True),
    # statistics objects
    _m('statistics', 'CREATE STATISTICS orders_status_stats (dependencies) ON tenant_id, status FROM orders',
       'unexpected statistics orders_status_stats'),
    # publications
    _m('publication', 'CREATE PUBLICATION user_feed FOR TABLE users', 'unexpected publication user_feed'),
    _m('publication', 'CREATE PUBLICATION everything FOR ALL TABLES', 'unexpected publication everything', admin=True),
    # storage parameters, persistence, replica identity
    _m('storage', 'ALTER TABLE orders SET (fillfactor = 50)', 'different table setting orders.options'),
    _m('storage', 'ALTER TABLE audit_logs SET (autovacuum_enabled = false)', 'different table setting audit_logs.options'),
    _m('storage', 'ALTER TABLE audit_logs SET UNLOGGED', 'different table setting audit_logs.unlogged'),
    _m('storage', 'ALTER TABLE orders REPLICA IDENTITY FULL', 'different table setting orders.replica_identity'),
    # views
    _m('view', 'CREATE VIEW every_order AS SELECT * FROM orders', 'unexpected view every_order'),
    _m('view', 'CREATE MATERIALIZED VIEW order_totals AS SELECT tenant_id, count(*) FROM orders GROUP BY tenant_id',
       'unexpected view order_totals'),
    # roles (the server's: undone after each)
    _m('role', 'ALTER ROLE shoppulse_app SET search_path = public, pg_temp', 'different role shoppulse_app (settings)',
       undo='ALTER ROLE shoppulse_app RESET ALL'),
    _m('role', 'ALTER ROLE shoppulse_readonly REPLICATION', 'different role shoppulse_readonly (replication)',
       admin=True, undo='ALTER ROLE shoppulse_readonly NOREPLICATION'),
    _m('role', 'GRANT shoppulse_owner TO shoppulse_app', 'different role shoppulse_app (member_of)',
       undo='REVOKE shoppulse_owner FROM shoppulse_app'),
    # what schema_verify saw before: tables' parts, row-level security, owners, comments
    _m('index', 'DROP INDEX orders_tenant_ordered_at_idx', 'missing index orders.orders_tenant_ordered_at_idx'),
    _m('constraint', 'ALTER TABLE orders DROP CONSTRAINT orders_status_check',
       'missing constraint orders.orders_status_check'),
    _m('column', 'ALTER TABLE tenants ALTER COLUMN timezone DROP NOT NULL', 'different column tenants.timezone (nullable)'),
    _m('column', "ALTER TABLE tenants ALTER COLUMN timezone SET DEFAULT 'UTC+1'",
       'different column tenants.timezone (default)'),
    _m('trigger', 'ALTER TABLE users DISABLE TRIGGER users_set_updated_at',
       'different trigger users.users_set_updated_at (enabled)'),
    _m('policy', 'ALTER POLICY tenant_isolation ON tenants USING (true)', 'different policy tenants.tenant_isolation (using)'),
    _m('row-level security', 'ALTER TABLE audit_logs NO FORCE ROW LEVEL SECURITY',
       'different table setting audit_logs.force_row_security'),
    _m('owner', 'ALTER TABLE orders OWNER TO shoppulse_migrator', 'different table setting orders.owner'),
    _m('comment', "COMMENT ON TABLE tenants IS 'changed'", 'different comment table tenants'),
]
