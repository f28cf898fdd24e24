-- Migration 9: tenant isolation enforced by the database.
--
-- Every table with a tenant_id has row-level security enabled and FORCED (so it holds for the
-- owner too) and one policy: a row is visible, and may be written, only when its tenant_id is the
-- tenant the transaction has set:
--
--     SELECT set_config('app.tenant_id', '<tenant uuid>', true);   -- true: for this transaction only
--
-- set_config(..., true) lasts for the transaction, so it does not pin RDS Proxy connections the way
-- a session SET would. A setting never made reads as '' (or NULL), which matches no tenant: no tenant
-- set, no rows. The maintenance identities (members of shoppulse_migrator: the migrator and the master
-- user, which apply migrations and load seeds across tenants) see every row.

CREATE FUNCTION app_current_tenant() RETURNS uuid
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT nullif(current_setting('app.tenant_id', true), '')::uuid
$$;

COMMENT ON FUNCTION app_current_tenant() IS
    'The tenant of the current transaction (set_config(''app.tenant_id'', ..., true)); NULL when none is set.';

CREATE FUNCTION app_is_maintenance() RETURNS boolean
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT pg_catalog.pg_has_role(current_user, 'shoppulse_migrator', 'MEMBER')
$$;

COMMENT ON FUNCTION app_is_maintenance() IS
    'True for the maintenance identities (members of shoppulse_migrator), which see every tenant.';

ALTER FUNCTION app_current_tenant() OWNER TO shoppulse_owner;
ALTER FUNCTION app_is_maintenance() OWNER TO shoppulse_owner;

DO $$
DECLARE
    tenant_table text;
BEGIN
    FOREACH tenant_table IN ARRAY ARRAY['tenants', 'users', 'orders', 'fulfillment', 'marketing_campaigns',
                                        'role_metric_visibility', 'governance_rules', 'audit_logs']
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', tenant_table);
        EXECUTE format('CREATE POLICY tenant_isolation ON %I '
                       'USING (tenant_id = app_current_tenant() OR app_is_maintenance()) '
                       'WITH CHECK (tenant_id = app_current_tenant() OR app_is_maintenance())', tenant_table);
    END LOOP;
END
$$;
