-- Migration 6: the audit trail. Append-only: rows are never updated or deleted,
-- so the table has no updated_at, and a statement trigger refuses UPDATE,
-- DELETE and TRUNCATE for every role, the owner included.

CREATE TABLE audit_logs (
    tenant_id       uuid        NOT NULL,
    audit_log_id    bigint      GENERATED ALWAYS AS IDENTITY,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    actor_user_id   uuid,
    actor_role      text,
    action          text        NOT NULL,
    resource_type   text        NOT NULL,
    resource_id     text,
    request_id      text,
    source_ip       inet,
    outcome         text        NOT NULL DEFAULT 'success',
    details         jsonb       NOT NULL DEFAULT '{}'::jsonb,
    CONSTRAINT audit_logs_pkey PRIMARY KEY (tenant_id, audit_log_id),
    CONSTRAINT audit_logs_tenant_fkey FOREIGN KEY (tenant_id)
        REFERENCES tenants (tenant_id) ON DELETE RESTRICT,
    CONSTRAINT audit_logs_action_format CHECK (action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
    CONSTRAINT audit_logs_actor_role_check CHECK (actor_role IS NULL
        OR actor_role IN ('Finance', 'Operations', 'Marketing', 'Admin', 'System')),
    CONSTRAINT audit_logs_outcome_check CHECK (outcome IN ('success', 'denied', 'error')),
    CONSTRAINT audit_logs_details_is_object CHECK (jsonb_typeof(details) = 'object')
);

COMMENT ON COLUMN audit_logs.actor_user_id IS
    'Not a foreign key on purpose: the audit trail outlives the users it names.';

CREATE INDEX audit_logs_tenant_occurred_at_idx ON audit_logs (tenant_id, occurred_at DESC);
CREATE INDEX audit_logs_tenant_resource_idx ON audit_logs (tenant_id, resource_type, resource_id);
CREATE INDEX audit_logs_tenant_actor_idx ON audit_logs (tenant_id, actor_user_id, occurred_at DESC)
    WHERE actor_user_id IS NOT NULL;

CREATE FUNCTION audit_logs_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_logs is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit records are kept as written; insert a correcting record instead.';
END;
$$;

CREATE TRIGGER audit_logs_append_only
    BEFORE UPDATE OR DELETE OR TRUNCATE ON audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_refuse_change();
