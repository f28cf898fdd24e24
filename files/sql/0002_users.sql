-- Migration 2: users, mapped to Cognito identities, each with one analytics role.

CREATE TABLE users (
    tenant_id     uuid        NOT NULL,
    user_id       uuid        NOT NULL DEFAULT gen_random_uuid(),
    cognito_sub   text        NOT NULL,
    email         text        NOT NULL,
    display_name  text,
    role          text        NOT NULL,
    is_active     boolean     NOT NULL DEFAULT true,
    last_login_at timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_pkey PRIMARY KEY (tenant_id, user_id),
    CONSTRAINT users_cognito_sub_key UNIQUE (cognito_sub),
    CONSTRAINT users_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (tenant_id) ON DELETE CASCADE,
    CONSTRAINT users_role_check CHECK (role IN ('Finance', 'Operations', 'Marketing', 'Admin')),
    CONSTRAINT users_email_format CHECK (email ~ '^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'),
    CONSTRAINT users_cognito_sub_not_blank CHECK (btrim(cognito_sub) <> '')
);

COMMENT ON COLUMN users.cognito_sub IS 'The Cognito user pool "sub" claim: unique across all tenants.';

CREATE UNIQUE INDEX users_tenant_email_key ON users (tenant_id, lower(email));
CREATE INDEX users_tenant_role_idx ON users (tenant_id, role) WHERE is_active;

CREATE TRIGGER users_set_updated_at
    BEFORE UPDATE ON users
    FOR EACH ROW EXECUTE FUNCTION update_updated_at_column();
