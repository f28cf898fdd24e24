-- Migration 4: marketing campaigns and their performance counters.

CREATE TABLE marketing_campaigns (
    tenant_id          uuid          NOT NULL,
    campaign_id        uuid          NOT NULL DEFAULT gen_random_uuid(),
    name               text          NOT NULL,
    channel            text          NOT NULL,
    status             text          NOT NULL DEFAULT 'draft',
    starts_on          date          NOT NULL,
    ends_on            date,
    currency           char(3)       NOT NULL,
    budget_amount      numeric(14,2),
    spend_amount       numeric(14,2) NOT NULL DEFAULT 0,
    revenue_amount     numeric(14,2) NOT NULL DEFAULT 0,
    impressions        bigint        NOT NULL DEFAULT 0,
    clicks             bigint        NOT NULL DEFAULT 0,
    conversions        bigint        NOT NULL DEFAULT 0,
    created_by_user_id uuid,
    attributes         jsonb         NOT NULL DEFAULT '{}'::jsonb,
    created_at         timestamptz   NOT NULL DEFAULT now(),
    updated_at         timestamptz   NOT NULL DEFAULT now(),
    CONSTRAINT marketing_campaigns_pkey PRIMARY KEY (tenant_id, campaign_id),
    CONSTRAINT marketing_campaigns_name_key UNIQUE (tenant_id, name),
    CONSTRAINT marketing_campaigns_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    CONSTRAINT marketing_campaigns_creator_fkey FOREIGN KEY (tenant_id, created_by_user_id)
        REFERENCES users (tenant_id, user_id) ON DELETE SET NULL (created_by_user_id),
    CONSTRAINT marketing_campaigns_channel_check CHECK (channel IN
        ('email', 'social', 'search', 'display', 'affiliate', 'sms')),
    CONSTRAINT marketing_campaigns_status_check CHECK (status IN
        ('draft', 'scheduled', 'active', 'paused', 'completed', 'cancelled')),
    CONSTRAINT marketing_campaigns_dates_check CHECK (ends_on IS NULL OR ends_on >= starts_on),
    CONSTRAINT marketing_campaigns_currency_format CHECK (currency ~ '^[A-Z]{3}$'),
    CONSTRAINT marketing_campaigns_amounts_not_negative CHECK ((budget_amount IS NULL OR budget_amount >= 0)
        AND spend_amount >= 0 AND revenue_amount >= 0),
    CONSTRAINT marketing_campaigns_funnel_check CHECK (impressions >= 0 AND clicks >= 0
        AND conversions >= 0 AND clicks <= impressions AND conversions <= clicks),
    CONSTRAINT marketing_campaigns_attributes_is_object CHECK (jsonb_typeof(attributes) = 'object')
);

CREATE INDEX marketing_campaigns_tenant_starts_on_idx ON marketing_campaigns (tenant_id, starts_on DESC);
CREATE INDEX marketing_campaigns_tenant_status_idx ON marketing_campaigns (tenant_id, status);

CREATE TRIGGER marketing_campaigns_set_updated_at
    BEFORE UPDATE ON marketing_campaigns
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
