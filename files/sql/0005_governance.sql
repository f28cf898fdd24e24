-- Migration 5: which metrics each role may see, and the tenant's data governance rules.

CREATE TABLE role_metric_visibility (
    tenant_id  uuid        NOT NULL,
    role       text        NOT NULL,
    metric_key text        NOT NULL,
    is_visible boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT role_metric_visibility_pkey PRIMARY KEY (tenant_id, role, metric_key),
    CONSTRAINT role_metric_visibility_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    CONSTRAINT role_metric_visibility_role_check CHECK (role IN ('Finance', 'Operations', 'Marketing', 'Admin')),
    CONSTRAINT role_metric_visibility_metric_key_format CHECK (metric_key ~ '^[a-z][a-z0-9_]{0,62}$')
);

CREATE INDEX role_metric_visibility_tenant_metric_idx ON role_metric_visibility (tenant_id, metric_key);

CREATE TRIGGER role_metric_visibility_set_updated_at
    BEFORE UPDATE ON role_metric_visibility
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();

CREATE TABLE governance_rules (
    tenant_id       uuid        NOT NULL,
    rule_id         uuid        NOT NULL DEFAULT gen_random_uuid(),
    name            text        NOT NULL,
    rule_type       text        NOT NULL,
    applies_to_role text,
    target_table    text,
    definition      jsonb       NOT NULL,
    priority        integer     NOT NULL DEFAULT 100,
    is_enabled      boolean     NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT governance_rules_pkey PRIMARY KEY (tenant_id, rule_id),
    CONSTRAINT governance_rules_name_key UNIQUE (tenant_id, name),
    CONSTRAINT governance_rules_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    CONSTRAINT governance_rules_rule_type_check CHECK (rule_type IN
        ('data_retention', 'pii_masking', 'access_restriction', 'export_control')),
    CONSTRAINT governance_rules_role_check CHECK (applies_to_role IS NULL
        OR applies_to_role IN ('Finance', 'Operations', 'Marketing', 'Admin')),
    CONSTRAINT governance_rules_priority_check CHECK (priority BETWEEN 0 AND 1000),
    CONSTRAINT governance_rules_definition_is_object CHECK (jsonb_typeof(definition) = 'object')
);

CREATE INDEX governance_rules_tenant_enabled_idx ON governance_rules (tenant_id, rule_type, priority)
    WHERE is_enabled;

CREATE TRIGGER governance_rules_set_updated_at
    BEFORE UPDATE ON governance_rules
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
