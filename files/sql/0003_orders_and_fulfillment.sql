-- Migration 3: orders and their fulfillment. Amounts are numeric(14,2) with an
-- ISO 4217 currency on the row; statuses are checked values.

CREATE TABLE orders (
    tenant_id         uuid          NOT NULL,
    order_id          uuid          NOT NULL DEFAULT gen_random_uuid(),
    external_order_id text          NOT NULL,
    customer_ref      text,
    channel           text          NOT NULL DEFAULT 'web',
    status            text          NOT NULL DEFAULT 'pending',
    currency          char(3)       NOT NULL,
    subtotal_amount   numeric(14,2) NOT NULL DEFAULT 0,
    discount_amount   numeric(14,2) NOT NULL DEFAULT 0,
    tax_amount        numeric(14,2) NOT NULL DEFAULT 0,
    shipping_amount   numeric(14,2) NOT NULL DEFAULT 0,
    total_amount      numeric(14,2) NOT NULL,
    item_count        integer       NOT NULL DEFAULT 1,
    ordered_at        timestamptz   NOT NULL,
    attributes        jsonb         NOT NULL DEFAULT '{}'::jsonb,
    created_at        timestamptz   NOT NULL DEFAULT now(),
    updated_at        timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT orders_pkey PRIMARY KEY (tenant_id, order_id),
    CONSTRAINT orders_external_order_id_key UNIQUE (tenant_id, external_order_id),
    CONSTRAINT orders_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    CONSTRAINT orders_channel_check CHECK (channel IN ('web', 'mobile', 'marketplace', 'pos', 'phone')),
    CONSTRAINT orders_status_check CHECK (status IN
        ('pending', 'paid', 'shipped', 'delivered', 'cancelled', 'refunded')),
    CONSTRAINT orders_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT orders_amounts_not_negative CHECK (subtotal_amount >= 0 AND discount_amount >= 0
        AND tax_amount >= 0 AND shipping_amount >= 0 AND total_amount >= 0),
    CONSTRAINT orders_item_count_check CHECK (item_count >= 0),
    CONSTRAINT orders_attributes_is_object CHECK (jsonb_typeof(attributes) = 'object')
);

CREATE INDEX orders_tenant_ordered_at_idx ON orders (tenant_id, ordered_at DESC);
CREATE INDEX orders_tenant_status_ordered_at_idx ON orders (tenant_id, status, ordered_at DESC);

CREATE TRIGGER orders_set_updated_at
    BEFORE UPDATE ON orders
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE fulfillment (
    tenant_id       uuid          NOT NULL,
    fulfillment_id  uuid          NOT NULL DEFAULT gen_random_uuid(),
    order_id        uuid          NOT NULL,
    status          text          NOT NULL DEFAULT 'pending',
    warehouse_code  text,
    carrier         text,
    tracking_number text,
    shipping_cost   numeric(12,2),
    currency        char(3),
    promised_at     timestamptz,
    shipped_at      timestamptz,
    delivered_at    timestamptz,
    details         jsonb         NOT NULL DEFAULT '{}'::jsonb,
    created_at      timestamptz   NOT NULL DEFAULT now(),
    updated_at      timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT fulfillment_pkey PRIMARY KEY (tenant_id, fulfillment_id),
    CONSTRAINT fulfillment_order_fkey FOREIGN KEY (tenant_id, order_id)
        REFERENCES orders (tenant_id, order_id) ON DELETE CASCADE,
    CONSTRAINT fulfillment_status_check CHECK (status IN
        ('pending', 'picking', 'packed', 'shipped', 'delivered', 'returned', 'cancelled')),
    CONSTRAINT fulfillment_delivered_after_shipped CHECK (delivered_at IS NULL OR shipped_at IS NULL
        OR delivered_at >= shipped_at),
    CONSTRAINT fulfillment_shipping_cost_check CHECK (shipping_cost IS NULL OR shipping_cost >= 0),
    CONSTRAINT fulfillment_cost_has_currency CHECK (shipping_cost IS NULL OR currency IS NOT NULL),
    CONSTRAINT fulfillment_currency_format CHECK (currency IS NULL OR currency ~ '^[A-Z]{3}$'),
    CONSTRAINT fulfillment_details_is_object CHECK (jsonb_typeof(details) = 'object')
);

CREATE INDEX fulfillment_tenant_order_idx ON fulfillment (tenant_id, order_id);
CREATE INDEX fulfillment_tenant_status_idx ON fulfillment (tenant_id, status);
CREATE UNIQUE INDEX fulfillment_tracking_key ON fulfillment (tenant_id, carrier, tracking_number)
    WHERE tracking_number IS NOT NULL;

CREATE TRIGGER fulfillment_set_updated_at
    BEFORE UPDATE ON fulfillment
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
