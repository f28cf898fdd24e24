# Copyright (c) 2026, ShopPulse platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Attacks from inside: the migrator plants code for a higher identity to run (docs/privileges.md).

As the RDS-like master (not a superuser) on PostgreSQL 15 to 18: the schema role converges, the migrator plants
every attack a careful reviewer would try, the normal plays run again (seeds that update a row, remediation of a
dropped index, the drift check), and afterwards no identity holds a membership, an attribute or a privilege it
did not hold before, and no planted code ever ran as a login above the migrator. The checks the model rests on
(a login above the owner is refused; a database that is not the master's own is not bootstrapped) are proven by
breaking them one fault at a time.
"""

import psycopg2
import pytest

from test_modules import SCHEMA_PLAYBOOK, ansible, schema_vars, write_inventory

from ansible_collections.shoppulse.analytics.plugins.module_utils.postgres import privileges

VERIFY_PLAYBOOK = SCHEMA_PLAYBOOK.replace('schema.yml', 'verify.yml')

# What the planted code tries, whoever runs it: to make the migrator a member of rds_superuser and give it
# CREATEROLE, directly and after RESET ROLE. Each attempt that is refused is ignored, so the plays go on; the log
# records who ran it.
PAYLOAD = """
CREATE TABLE public.attack_log (attack text, ran_as name, session name);
GRANT INSERT ON public.attack_log TO PUBLIC;
CREATE FUNCTION public.attack_payload(attack text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.attack_log VALUES (attack, current_user, session_user);
    BEGIN EXECUTE 'GRANT rds_superuser TO shoppulse_migrator'; EXCEPTION WHEN OTHERS THEN NULL; END;
    BEGIN EXECUTE 'ALTER ROLE shoppulse_migrator CREATEROLE BYPASSRLS'; EXCEPTION WHEN OTHERS THEN NULL; END;
    BEGIN EXECUTE 'RESET ROLE'; EXECUTE 'GRANT rds_superuser TO shoppulse_migrator'; EXCEPTION WHEN OTHERS THEN NULL; END;
END
$$;
GRANT EXECUTE ON FUNCTION public.attack_payload(text) TO PUBLIC;
"""

# Each attack by name, as the migrator plants it.
ATTACKS = {
    # the trigger function of 7 tables, fired by every UPDATE (the seeds update a row)
    'updated_at trigger': """
        CREATE OR REPLACE FUNCTION update_updated_at_column() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM public.attack_payload('updated_at trigger'); NEW.updated_at := now(); RETURN NEW; END $$""",
    # a trigger of its own on a seeded table
    'another trigger': """
        CREATE FUNCTION public.attack_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN PERFORM public.attack_payload('another trigger'); RETURN NEW; END $$;
        CREATE TRIGGER attack BEFORE INSERT OR UPDATE ON role_metric_visibility
            FOR EACH ROW EXECUTE FUNCTION public.attack_trigger()""",
    # a rule that runs along every UPDATE of tenants
    'rule': """
        CREATE RULE attack AS ON UPDATE TO tenants DO ALSO SELECT public.attack_payload('rule')""",
    # a policy whose expression calls the payload (evaluated for every row a maintenance identity reads)
    'policy': """
        CREATE FUNCTION public.attack_bool() RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN PERFORM public.attack_payload('policy'); RETURN true; END $$;
        ALTER POLICY maintenance_access ON tenants USING (public.attack_bool()) WITH CHECK (public.attack_bool())""",
    # built-in names shadowed in the schema on the path (CVE-2018-1058): lower(), the uuid = operator, now()
    'shadowed function': """
        CREATE FUNCTION public.lower(text) RETURNS text LANGUAGE plpgsql AS $$
        BEGIN PERFORM public.attack_payload('shadowed function'); RETURN pg_catalog.lower($1); END $$;
        CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql AS $$
        BEGIN PERFORM public.attack_payload('shadowed function'); RETURN pg_catalog.now(); END $$""",
    'shadowed operator': """
        CREATE FUNCTION public.attack_eq(uuid, uuid) RETURNS boolean LANGUAGE plpgsql AS $$
        BEGIN PERFORM public.attack_payload('shadowed operator'); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
        CREATE OPERATOR public.= (LEFTARG = uuid, RIGHTARG = uuid, FUNCTION = public.attack_eq)""",
    # a SECURITY DEFINER function of the owner's, called from a trigger
    'security definer': """
        CREATE FUNCTION public.attack_definer() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$
        BEGIN PERFORM public.attack_payload('security definer'); RETURN NEW; END $$;
        ALTER FUNCTION public.attack_definer() OWNER TO shoppulse_owner;
        CREATE TRIGGER attack_definer BEFORE UPDATE ON tenants FOR EACH ROW EXECUTE FUNCTION public.attack_definer()""",
    # default privileges: what the owner creates from now on, the application may do anything with
    'default privileges': """
        ALTER DEFAULT PRIVILEGES FOR ROLE shoppulse_owner IN SCHEMA public GRANT ALL ON TABLES TO shoppulse_app""",
    # a view of the owner's that calls the payload, under the name of a table the plays might read
    'view': """
        CREATE VIEW public.attack_view AS SELECT public.attack_bool() AS x""",
}

# The state of the server's identities: memberships, attributes, and what each may do on the database's objects.
IDENTITIES = """
SELECT 'member', r.rolname || ' in ' || g.rolname || CASE WHEN m.admin_option THEN ' (admin)' ELSE '' END
FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member JOIN pg_roles g ON g.oid = m.roleid
UNION ALL
SELECT 'attributes', rolname || ':' || rolsuper || rolcreaterole || rolcreatedb || rolbypassrls || rolreplication
    || rolcanlogin || rolinherit FROM pg_roles
UNION ALL
SELECT 'privilege', c.relname || ' ' || a.grantee::regrole || ' ' || a.privilege_type
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(c.relacl) a
WHERE n.nspname = 'public' AND c.relname NOT LIKE 'attack%'
ORDER BY 1, 2
"""


def test_no_identity_gains_anything_from_code_the_migrator_planted(databases_of_every_version, tmp_path):
    databases = dict(('pg%d' % version, database) for version, database in databases_of_every_version.items())
    inventory = write_inventory(tmp_path, None, hosts=dict(
        (host, schema_vars(database, schema_remediate=True)) for host, database in databases.items()))
    first = ansible(SCHEMA_PLAYBOOK, tmp_path, inventory=inventory)
    assert first.returncode == 0, first.stdout[-3000:]
    before = {}
    for host, database in databases.items():
        name = database.name + '_role'
        migrator = database.server.role_password('shoppulse_migrator')
        conn = psycopg2.connect(**database.server.dsn(name, user='shoppulse_migrator', password=migrator))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(PAYLOAD)
            for attack, sql in ATTACKS.items():
                cur.execute(sql)
            # the event trigger, the one kind of code that would run for the master's DDL, is not the migrator's
            with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute("CREATE FUNCTION public.attack_event() RETURNS event_trigger LANGUAGE plpgsql AS "
                            "$$ BEGIN PERFORM public.attack_payload('event trigger'); END $$; "
                            "CREATE EVENT TRIGGER attack ON ddl_command_end EXECUTE FUNCTION public.attack_event()")
            # so that the plays have work: a seeded row changed (the seeds update it back), an index dropped
            # (remediation builds it again)
            cur.execute("SELECT set_config('app.tenant_id', '', false)")
            cur.execute("UPDATE tenants SET name = name || ' (changed)' WHERE slug = (SELECT min(slug) FROM tenants)")
            cur.execute('DELETE FROM attack_log')
            cur.execute('DROP INDEX orders_tenant_ordered_at_idx')
            cur.execute(IDENTITIES)
            before[host] = cur.fetchall()
        conn.close()

    second = ansible(SCHEMA_PLAYBOOK, tmp_path, inventory=inventory)
    drift = ansible(VERIFY_PLAYBOOK, tmp_path, inventory=inventory)  # the scheduled drift check, read-only
    for host, database in databases.items():
        name = database.name + '_role'
        conn = psycopg2.connect(**database.server.dsn(name))
        with conn.cursor() as cur:
            cur.execute(IDENTITIES)
            assert cur.fetchall() == before[host], host  # no membership, attribute or privilege gained
            cur.execute('SELECT DISTINCT attack, ran_as, session FROM attack_log ORDER BY 1')
            fired = cur.fetchall()
            cur.execute("SELECT count(*) FROM pg_indexes WHERE indexname = 'orders_tenant_ordered_at_idx'")
            rebuilt = cur.fetchone()[0]
        conn.close()
        # the plays did run the planted code (the seeds updated a row, firing the triggers and the rule): always
        # as the migrator or the owner it stands for, never as the master user
        assert {attack for attack, dummy, dummy in fired} >= {'updated_at trigger', 'rule', 'security definer'}, fired
        assert all(session == 'shoppulse_migrator' and ran_as in ('shoppulse_migrator', 'shoppulse_owner')
                   for dummy, ran_as, session in fired), (host, fired)
        assert rebuilt == 1, host
    # the second run loaded the seeds and repaired the index, then named the planted objects as drift it does not
    # repair; the drift check names them too
    assert second.returncode != 0 and 'unexpected trigger tenants.attack_definer' in second.stdout, second.stdout[-3000:]
    assert drift.returncode != 0 and 'attack_definer' in drift.stdout, drift.stdout[-3000:]


@pytest.mark.all_versions
@pytest.mark.parametrize('attribute', ['SUPERUSER', 'CREATEROLE', 'BYPASSRLS', 'REPLICATION', 'rds_superuser'])
def test_a_login_above_the_owner_is_refused_naming_what_makes_it_so(database, attribute):
    """require_not_elevated, broken one attribute at a time: each is named; a plain login passes."""
    role = 'elevated_%s' % attribute.lower()
    database.admin_execute('DROP ROLE IF EXISTS %s' % role)
    grant = 'GRANT rds_superuser TO %s' % role if attribute == 'rds_superuser' else 'ALTER ROLE %s %s' % (role, attribute)
    database.admin_execute("CREATE ROLE %s LOGIN PASSWORD 'elevated-pw-1'" % role)
    try:
        conn = psycopg2.connect(**database.server.dsn(database.name, user=role, password='elevated-pw-1'))
        assert privileges.require_not_elevated(conn, 'load seed data') == role  # not yet
        database.admin_execute(grant)
        with pytest.raises(privileges.PrivilegeError) as caught:
            privileges.require_not_elevated(conn, 'load seed data')
        conn.close()
        named = 'member of rds_superuser' if attribute == 'rds_superuser' else attribute
        assert caught.value.message.startswith('%s must not load seed data: it is %s' % (role, named))
    finally:
        database.admin_execute('DROP ROLE %s' % role)


BLOCKERS = [
    ('relation', 'CREATE TABLE t (a int); ALTER TABLE t OWNER TO {other}', 'relation t'),
    ('grant', 'CREATE TABLE t (a int); GRANT TRIGGER ON t TO {other}', 'relation t'),
    ('function', 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$; ALTER FUNCTION f() OWNER TO {other}',
     'function f()'),
    ('execute', 'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$; REVOKE EXECUTE ON FUNCTION f() FROM '
     'PUBLIC; GRANT EXECUTE ON FUNCTION f() TO {other}', 'function f()'),
    ('schema', 'CREATE SCHEMA s AUTHORIZATION {other}', 'schema s'),
    ('schema create', 'GRANT CREATE ON SCHEMA public TO {other}', 'schema public'),
    ('type', 'CREATE DOMAIN d AS int; ALTER DOMAIN d OWNER TO {other}', 'type d'),
    ('operator', 'CREATE FUNCTION f(int, int) RETURNS bool LANGUAGE sql AS $$ SELECT true $$; '
     'CREATE OPERATOR === (LEFTARG = int, RIGHTARG = int, FUNCTION = f); ALTER OPERATOR === (int, int) OWNER TO {other}',
     'operator ===(integer,integer)'),
    ('default privileges', 'ALTER DEFAULT PRIVILEGES GRANT SELECT ON TABLES TO {other}', 'default privileges'),
    ('database', 'ALTER DATABASE {db} OWNER TO {other}', 'database {db}'),
    ('extension', 'CREATE EXTENSION citext', 'extension citext'),
    ('event trigger', 'CREATE FUNCTION et() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$; '
     'CREATE EVENT TRIGGER et ON ddl_command_end EXECUTE FUNCTION et()', 'event trigger et'),
]


@pytest.mark.all_versions
@pytest.mark.parametrize('kind, sql, named', BLOCKERS, ids=[b[0] for b in BLOCKERS])
def test_a_database_that_is_not_the_masters_own_is_not_bootstrapped_naming_why(database, kind, sql, named):
    """bootstrap_blockers, broken one way at a time: a new database has none; each planted kind is named."""
    other = 'blocker_%s' % database.name
    conn = psycopg2.connect(**database.server.dsn(database.name))
    conn.autocommit = True
    assert privileges.bootstrap_blockers(conn) == []
    database.admin_execute('CREATE ROLE %s NOLOGIN' % other)
    try:
        database.admin_execute('SET search_path = public, pg_temp; ' + sql.format(other=other, db=database.name))
        found = ['%s %s' % blocker for blocker in privileges.bootstrap_blockers(conn)]
        assert any(f.startswith(named.format(db=database.name)) for f in found), (kind, found)
    finally:
        conn.close()
        database.admin_execute('REASSIGN OWNED BY %s TO CURRENT_USER' % other)  # the database, if it was given
        database.admin_execute('DROP OWNED BY %s CASCADE' % other)
        database.admin_execute('DROP ROLE %s' % other)
