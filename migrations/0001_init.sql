-- ResearchFlow Governance: initial schema.
-- Tables of the core plan (reference 000, step 1.2) adapted to this app:
-- text ids from gen_random_uuid(), timestamptz everywhere, CHECK constraints
-- for every enumerated value, and an append-only audit log.

CREATE TABLE users (
  id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
  email TEXT NOT NULL,
  display_name TEXT NOT NULL DEFAULT '',
  role TEXT NOT NULL DEFAULT 'RESEARCHER'
    CONSTRAINT users_role_check CHECK (role IN ('RESEARCHER', 'STEWARD', 'ADMIN')),
  password_hash TEXT,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  last_login_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT users_email_check CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254)
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
  token_hash CHAR(64) NOT NULL UNIQUE,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at TIMESTAMPTZ NOT NULL,
  user_agent TEXT
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
  name TEXT NOT NULL CONSTRAINT api_tokens_name_check CHECK (length(name) BETWEEN 1 AND 100),
  token_hash CHAR(64) NOT NULL UNIQUE,
  scopes JSONB NOT NULL DEFAULT '[]'::jsonb
    CONSTRAINT api_tokens_scopes_check CHECK (jsonb_typeof(scopes) = 'array'),
  created_by TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  expires_at TIMESTAMPTZ,
  revoked_at TIMESTAMPTZ,
  last_used_at TIMESTAMPTZ
);

-- Append-only: a trigger refuses UPDATE and DELETE, and TRUNCATE is refused too.
CREATE TABLE audit_log (
  id BIGSERIAL PRIMARY KEY,
  actor_id TEXT,
  actor_type TEXT NOT NULL DEFAULT 'user'
    CONSTRAINT audit_log_actor_type_check CHECK (actor_type IN ('user', 'token', 'system', 'anonymous')),
  action TEXT NOT NULL,
  target_type TEXT,
  target_id TEXT,
  before JSONB,
  after JSONB,
  request_id TEXT,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX audit_log_created_idx ON audit_log (created_at, id);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, created_at);
CREATE INDEX audit_log_action_idx ON audit_log (action, created_at);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id, created_at);

CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update_delete
  BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change();
CREATE TRIGGER audit_log_no_truncate
  BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();

CREATE TABLE governance_log (
  id BIGSERIAL PRIMARY KEY,
  event_type TEXT NOT NULL,
  actor_id TEXT REFERENCES users (id) ON DELETE SET NULL,
  details JSONB NOT NULL DEFAULT '{}'::jsonb,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX governance_log_created_idx ON governance_log (created_at DESC);
CREATE INDEX governance_log_event_idx ON governance_log (event_type, created_at DESC);

CREATE TABLE governance_config (
  key VARCHAR(100) PRIMARY KEY,
  value JSONB NOT NULL DEFAULT '{}'::jsonb,
  updated_by TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT governance_config_mode_check
    CHECK (key <> 'mode' OR value ->> 'mode' IN ('STANDBY', 'DEMO', 'LIVE'))
);

CREATE TABLE feature_flags (
  key VARCHAR(100) PRIMARY KEY
    CONSTRAINT feature_flags_key_check CHECK (key ~ '^[a-z][a-z0-9_.-]{0,99}$'),
  enabled BOOLEAN NOT NULL DEFAULT FALSE,
  description TEXT,
  scope VARCHAR(50) NOT NULL DEFAULT 'product'
    CONSTRAINT feature_flags_scope_check CHECK (scope IN ('product', 'governance')),
  required_modes JSONB NOT NULL DEFAULT '[]'::jsonb
    CONSTRAINT feature_flags_required_modes_check CHECK (
      jsonb_typeof(required_modes) = 'array'
      AND required_modes <@ '["STANDBY", "DEMO", "LIVE"]'::jsonb
    ),
  rollout_percent INTEGER NOT NULL DEFAULT 100
    CONSTRAINT feature_flags_rollout_check CHECK (rollout_percent BETWEEN 0 AND 100),
  target_users JSONB NOT NULL DEFAULT '[]'::jsonb
    CONSTRAINT feature_flags_target_users_check CHECK (jsonb_typeof(target_users) = 'array'),
  target_environments JSONB NOT NULL DEFAULT '[]'::jsonb
    CONSTRAINT feature_flags_target_environments_check CHECK (
      jsonb_typeof(target_environments) = 'array'
      AND target_environments <@ '["development", "staging", "production"]'::jsonb
    ),
  version INTEGER NOT NULL DEFAULT 1,
  archived_at TIMESTAMPTZ,
  updated_by TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE experiments (
  key VARCHAR(100) PRIMARY KEY
    CONSTRAINT experiments_key_check CHECK (key ~ '^[a-z][a-z0-9_.-]{0,99}$'),
  enabled BOOLEAN NOT NULL DEFAULT FALSE,
  description TEXT,
  variants JSONB NOT NULL DEFAULT '{}'::jsonb
    CONSTRAINT experiments_variants_check CHECK (jsonb_typeof(variants) = 'object'),
  allocation JSONB NOT NULL DEFAULT '{}'::jsonb
    CONSTRAINT experiments_allocation_check CHECK (jsonb_typeof(allocation) = 'object'),
  required_modes JSONB NOT NULL DEFAULT '[]'::jsonb
    CONSTRAINT experiments_required_modes_check CHECK (
      jsonb_typeof(required_modes) = 'array'
      AND required_modes <@ '["STANDBY", "DEMO", "LIVE"]'::jsonb
    ),
  version INTEGER NOT NULL DEFAULT 1,
  archived_at TIMESTAMPTZ,
  updated_by TEXT REFERENCES users (id) ON DELETE SET NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE experiment_assignments (
  id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
  experiment_key VARCHAR(100) NOT NULL REFERENCES experiments (key) ON DELETE CASCADE,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
  session_id VARCHAR(255),
  variant VARCHAR(50) NOT NULL,
  assigned_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT experiment_assignments_subject_check CHECK (user_id IS NOT NULL OR session_id IS NOT NULL)
);
-- One assignment per experiment and subject; NULLs compare equal here (portable to Postgres < 15).
CREATE UNIQUE INDEX experiment_assignments_subject_key
  ON experiment_assignments (experiment_key, COALESCE(user_id, ''), COALESCE(session_id, ''));
CREATE INDEX experiment_assignments_variant_idx ON experiment_assignments (experiment_key, variant);

CREATE TABLE user_consents (
  id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  consent_type TEXT NOT NULL
    CONSTRAINT user_consents_type_check
      CHECK (consent_type IN ('analytics', 'data_processing', 'research_use', 'contact')),
  state TEXT NOT NULL
    CONSTRAINT user_consents_state_check CHECK (state IN ('granted', 'declined', 'revoked')),
  purpose TEXT NOT NULL,
  legal_basis TEXT NOT NULL
    CONSTRAINT user_consents_legal_basis_check CHECK (
      legal_basis IN ('consent', 'contract', 'legal_obligation', 'vital_interests', 'public_task', 'legitimate_interests')
    ),
  policy_version TEXT NOT NULL,
  method TEXT NOT NULL
    CONSTRAINT user_consents_method_check CHECK (method IN ('banner', 'settings', 'api', 'admin')),
  granted_at TIMESTAMPTZ,
  revoked_at TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  CONSTRAINT user_consents_granted_check CHECK (state <> 'granted' OR granted_at IS NOT NULL),
  CONSTRAINT user_consents_revoked_check CHECK (state <> 'revoked' OR revoked_at IS NOT NULL)
);
CREATE INDEX user_consents_current_idx ON user_consents (user_id, consent_type, created_at DESC);

CREATE TABLE analytics_events (
  id TEXT PRIMARY KEY DEFAULT gen_random_uuid()::text,
  event_id UUID NOT NULL UNIQUE,
  event_name VARCHAR(120) NOT NULL,
  user_id TEXT REFERENCES users (id) ON DELETE CASCADE,
  session_id VARCHAR(255),
  research_id VARCHAR(255),
  mode VARCHAR(20) NOT NULL CONSTRAINT analytics_events_mode_check CHECK (mode IN ('DEMO', 'LIVE')),
  properties JSONB NOT NULL DEFAULT '{}'::jsonb,
  phi_redacted BOOLEAN NOT NULL DEFAULT FALSE,
  ip_hash CHAR(64),
  user_agent VARCHAR(64),
  client_ts TIMESTAMPTZ,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX analytics_events_name_created_idx ON analytics_events (event_name, created_at);
CREATE INDEX analytics_events_user_created_idx ON analytics_events (user_id, created_at);
CREATE INDEX analytics_events_research_created_idx ON analytics_events (research_id, created_at);
CREATE INDEX analytics_events_created_idx ON analytics_events (created_at);

CREATE TABLE jobs (
  id VARCHAR(255) PRIMARY KEY,
  research_id VARCHAR(255),
  status TEXT NOT NULL DEFAULT 'queued'
    CONSTRAINT jobs_status_check CHECK (status IN ('queued', 'started', 'progress', 'completed', 'failed')),
  progress INTEGER NOT NULL DEFAULT 0 CONSTRAINT jobs_progress_check CHECK (progress BETWEEN 0 AND 100),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  started_at TIMESTAMPTZ,
  finished_at TIMESTAMPTZ
);
CREATE INDEX jobs_updated_idx ON jobs (updated_at DESC);
CREATE INDEX jobs_research_idx ON jobs (research_id);
