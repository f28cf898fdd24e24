-- Migration 11: each identity gets the least it needs (see docs/privileges.md and docs/tenancy.md).
--
-- 1. The functions the tables fire run with a fixed search_path. A trigger function runs with the
--    rights of whoever fires it, the master user too when it loads seeds; with search_path fixed to
--    pg_catalog, pg_temp no name in its body can resolve to an object another role planted in a
--    schema of the session's path. (Who may replace the function is the owner's business: nobody
--    below shoppulse_owner can.) app_current_tenant() is left as it is: applications call it with
--    their own rights, and a SQL function with a SET clause is no longer inlined into the queries.
--
-- 2. The application role writes by column, never a whole table. PostgreSQL lets a role LOCK a table
--    in SHARE mode or above when it holds UPDATE, DELETE or TRUNCATE on the whole table: with the
--    table-wide grants of migration 8 shoppulse_app could take ACCESS EXCLUSIVE on orders and stop
--    every tenant. With column grants it may take only the locks its reads and inserts take anyway
--    (ACCESS SHARE, ROW EXCLUSIVE), which block nobody's reads and writes.
--    What it may not write, per table:
--      every table   created_at and updated_at (the server sets them); no DELETE: rows are closed
--                    by their status (orders cancelled, users inactive, rules disabled), and a
--                    tenant's data is removed by the operators, as the owner
--      tenants       no INSERT (tenants are provisioned by the operators); not its slug, status or
--                    plan: a tenant cannot lift its own suspension or upgrade itself
--      users         not its identity (tenant_id, user_id, cognito_sub) once written
--      orders        not its identity (tenant_id, order_id, external_order_id) nor ordered_at
--      fulfillment   not its identity (tenant_id, fulfillment_id, order_id)
--      campaigns     not its identity (tenant_id, campaign_id) nor created_by_user_id
--      visibility    only is_visible once written
--      rules         not its identity (tenant_id, rule_id)
--      audit_logs    INSERT only, and neither audit_log_id nor occurred_at: the server numbers and
--                    dates every audit row (OVERRIDING SYSTEM VALUE needs the INSERT privilege on
--                    audit_log_id, which it does not have).

ALTER FUNCTION update_updated_at_column() SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION audit_logs_refuse_change() SET search_path = pg_catalog, pg_temp;

REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER
    ON tenants, users, orders, fulfillment, marketing_campaigns, role_metric_visibility, governance_rules, audit_logs
    FROM shoppulse_app;

GRANT UPDATE (name, default_currency, timezone, settings) ON tenants TO shoppulse_app;

GRANT INSERT (tenant_id, user_id, cognito_sub, email, display_name, role, is_active, last_login_at)
    ON users TO shoppulse_app;
GRANT UPDATE (email, display_name, role, is_active, last_login_at) ON users TO shoppulse_app;

GRANT INSERT (tenant_id, order_id, external_order_id, customer_ref, channel, status, currency, subtotal_amount,
              discount_amount, tax_amount, shipping_amount, total_amount, item_count, ordered_at, attributes)
    ON orders TO shoppulse_app;
GRANT UPDATE (customer_ref, channel, status, currency, subtotal_amount, discount_amount, tax_amount,
              shipping_amount, total_amount, item_count, attributes)
    ON orders TO shoppulse_app;

GRANT INSERT (tenant_id, fulfillment_id, order_id, status, warehouse_code, carrier, tracking_number, shipping_cost,
              currency, promised_at, shipped_at, delivered_at, details)
    ON fulfillment TO shoppulse_app;
GRANT UPDATE (status, warehouse_code, carrier, tracking_number, shipping_cost, currency, promised_at, shipped_at,
              delivered_at, details)
    ON fulfillment TO shoppulse_app;

GRANT INSERT (tenant_id, campaign_id, name, channel, status, starts_on, ends_on, currency, budget_amount,
              spend_amount, revenue_amount, impressions, clicks, conversions, created_by_user_id, attributes)
    ON marketing_campaigns TO shoppulse_app;
GRANT UPDATE (name, channel, status, starts_on, ends_on, currency, budget_amount, spend_amount, revenue_amount,
              impressions, clicks, conversions, attributes)
    ON marketing_campaigns TO shoppulse_app;

GRANT INSERT (tenant_id, role, metric_key, is_visible) ON role_metric_visibility TO shoppulse_app;
GRANT UPDATE (is_visible) ON role_metric_visibility TO shoppulse_app;

GRANT INSERT (tenant_id, rule_id, name, rule_type, applies_to_role, target_table, definition, priority, is_enabled)
    ON governance_rules TO shoppulse_app;
GRANT UPDATE (name, rule_type, applies_to_role, target_table, definition, priority, is_enabled)
    ON governance_rules TO shoppulse_app;

GRANT INSERT (tenant_id, actor_user_id, actor_role, action, resource_type, resource_id, request_id, source_ip,
              outcome, details)
    ON audit_logs TO shoppulse_app;
