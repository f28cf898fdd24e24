-- shoppulse:supersedes eaf34c95014744957d15ef780587a41e19fd92430d1985c3f817ba36eba04bc9
--   (its text until the engine owned the ledger: it also gave the ledger to shoppulse_owner by its name, which
--   schema_apply now does for any ledger name; a ledger that records that text records this one instead)
-- Migration 8: the database's roles and what each may do.
--
--   shoppulse_owner     NOLOGIN; owns the tables, functions and the ledger. Nobody logs in as it.
--   shoppulse_migrator  LOGIN; applies migrations and loads seeds (a member of shoppulse_owner). Its
--                       members are the maintenance identities of the tenant policies (migration 9).
--   shoppulse_app       LOGIN; the applications: SELECT, INSERT, UPDATE, DELETE on the tenant tables,
--                       only SELECT and INSERT on audit_logs, no DDL, no ledger.
--   shoppulse_readonly  LOGIN; reporting: SELECT on the tenant tables.
--
-- None is a superuser, none may create roles or databases, none bypasses row-level security. Roles
-- belong to the server, not to the database: a role that exists already is kept as it is. Their
-- passwords are not set here: each lives in its own Secrets Manager secret and the schema role sets
-- it. The user running the migrations (the master user) becomes a member of shoppulse_migrator, so
-- that it can hand the objects over to the owner and keep maintaining them.

DO $$
DECLARE
    wanted record;
BEGIN
    FOR wanted IN SELECT * FROM (VALUES ('shoppulse_owner', false), ('shoppulse_migrator', true),
                                        ('shoppulse_app', true), ('shoppulse_readonly', true)) AS r (name, login)
    LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = wanted.name) THEN
            EXECUTE format('CREATE ROLE %I %s NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS NOREPLICATION',
                           wanted.name, CASE WHEN wanted.login THEN 'LOGIN' ELSE 'NOLOGIN' END);
        END IF;
    END LOOP;
END
$$;

GRANT shoppulse_owner TO shoppulse_migrator;
GRANT shoppulse_migrator TO CURRENT_USER;

GRANT USAGE, CREATE ON SCHEMA public TO shoppulse_owner;
GRANT USAGE ON SCHEMA public TO shoppulse_app, shoppulse_readonly;

ALTER TABLE tenants OWNER TO shoppulse_owner;
ALTER TABLE users OWNER TO shoppulse_owner;
ALTER TABLE orders OWNER TO shoppulse_owner;
ALTER TABLE fulfillment OWNER TO shoppulse_owner;
ALTER TABLE marketing_campaigns OWNER TO shoppulse_owner;
ALTER TABLE role_metric_visibility OWNER TO shoppulse_owner;
ALTER TABLE governance_rules OWNER TO shoppulse_owner;
ALTER TABLE audit_logs OWNER TO shoppulse_owner;
ALTER FUNCTION update_updated_at_column() OWNER TO shoppulse_owner;
ALTER FUNCTION audit_logs_refuse_change() OWNER TO shoppulse_owner;

GRANT SELECT, INSERT, UPDATE, DELETE
    ON tenants, users, orders, fulfillment, marketing_campaigns, role_metric_visibility, governance_rules
    TO shoppulse_app;
GRANT SELECT, INSERT ON audit_logs TO shoppulse_app;
GRANT SELECT
    ON tenants, users, orders, fulfillment, marketing_campaigns, role_metric_visibility, governance_rules, audit_logs
    TO shoppulse_readonly;

-- The functions are not for anybody to call directly.
REVOKE EXECUTE ON FUNCTION update_updated_at_column(), audit_logs_refuse_change() FROM PUBLIC;
