-- shoppulse:no-transaction
-- Migration 7: indexes for the reporting queries, built without blocking writes
-- (CREATE INDEX CONCURRENTLY cannot run inside a transaction block, hence the
-- directive above). Each statement is re-runnable: IF NOT EXISTS.

CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_tenant_customer_idx
    ON orders (tenant_id, customer_ref, ordered_at DESC) WHERE customer_ref IS NOT NULL;

CREATE INDEX CONCURRENTLY IF NOT EXISTS fulfillment_tenant_shipped_at_idx
    ON fulfillment (tenant_id, shipped_at DESC) WHERE shipped_at IS NOT NULL;

CREATE INDEX CONCURRENTLY IF NOT EXISTS marketing_campaigns_tenant_channel_idx
    ON marketing_campaigns (tenant_id, channel, starts_on DESC);
