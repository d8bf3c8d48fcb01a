-- Sign-in throttling: failures per account and per client IP, both stored as
-- hashes (a mistyped email or an IP address is personal data).
CREATE TABLE login_throttle (
  key CHAR(64) PRIMARY KEY,
  kind TEXT NOT NULL CONSTRAINT login_throttle_kind_check CHECK (kind IN ('account', 'ip')),
  failures INTEGER NOT NULL DEFAULT 0 CONSTRAINT login_throttle_failures_check CHECK (failures >= 0),
  locked_until TIMESTAMPTZ,
  last_failure_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX login_throttle_locked_idx ON login_throttle (locked_until) WHERE locked_until IS NOT NULL;

CREATE INDEX api_tokens_active_idx ON api_tokens (token_hash) WHERE revoked_at IS NULL;
