-- ShopPulse analytics schema, migration 1: the tenants table and the
-- update_updated_at_column() trigger function every mutable table uses.

CREATE FUNCTION update_updated_at_column() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

COMMENT ON FUNCTION update_updated_at_column() IS
    'Sets updated_at to now() on every row update (BEFORE UPDATE trigger).';

CREATE TABLE tenants (
    tenant_id        uuid        NOT NULL DEFAULT gen_random_uuid(),
    slug             text        NOT NULL,
    name             text        NOT NULL,
    status           text        NOT NULL DEFAULT 'active',
    plan             text        NOT NULL DEFAULT 'standard',
    default_currency char(3)     NOT NULL DEFAULT 'USD',
    timezone         text        NOT NULL DEFAULT 'UTC',
    settings         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tenants_pkey PRIMARY KEY (tenant_id),
    CONSTRAINT tenants_slug_key UNIQUE (slug),
    CONSTRAINT tenants_slug_format CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    CONSTRAINT tenants_name_not_blank CHECK (btrim(name) <> ''),
    CONSTRAINT tenants_status_check CHECK (status IN ('active', 'suspended', 'closed')),
    CONSTRAINT tenants_plan_check CHECK (plan IN ('trial', 'standard', 'enterprise')),
    CONSTRAINT tenants_currency_format CHECK (default_currency ~ '^[A-Z]{3}$'),
    CONSTRAINT tenants_settings_is_object CHECK (jsonb_typeof(settings) = 'object')
);

COMMENT ON TABLE tenants IS 'One row per customer organisation; every other table is scoped by tenant_id.';

CREATE TRIGGER tenants_set_updated_at
    BEFORE UPDATE ON tenants
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
