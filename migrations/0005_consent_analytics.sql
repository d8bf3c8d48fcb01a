-- Consent and PHI-safe product analytics (issue 7).

-- Consent history: every grant, decline and revoke is a new row; the newest row per
-- (user, consent type) is the current state. `seq` orders rows written in the same instant.
ALTER TABLE user_consents ADD COLUMN seq BIGINT GENERATED ALWAYS AS IDENTITY;
CREATE INDEX user_consents_seq_idx ON user_consents (user_id, consent_type, seq DESC);

-- The proof of what a user agreed to is never rewritten (rows go only with the account).
CREATE FUNCTION user_consents_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'user_consents keeps history: UPDATE is not allowed'
    USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER user_consents_no_update
  BEFORE UPDATE ON user_consents
  FOR EACH ROW EXECUTE FUNCTION user_consents_refuse_update();

-- Browser privacy signals per user: when Global Privacy Control (`Sec-GPC: 1`) was first seen.
CREATE TABLE privacy_signals (
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  signal TEXT NOT NULL CONSTRAINT privacy_signals_signal_check CHECK (signal IN ('gpc')),
  first_seen_at TIMESTAMPTZ NOT NULL,
  PRIMARY KEY (user_id, signal)
);

-- Roll-ups maintained in the same statement that inserts events (see lib/analytics/store.ts),
-- so the summary never scans analytics_events. Days are UTC dates of created_at.
CREATE TABLE analytics_daily (
  day DATE NOT NULL,
  event_name VARCHAR(120) NOT NULL,
  mode VARCHAR(20) NOT NULL CONSTRAINT analytics_daily_mode_check CHECK (mode IN ('DEMO', 'LIVE')),
  events BIGINT NOT NULL DEFAULT 0,
  redacted BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (day, event_name, mode)
);

-- Distinct users per day (distinct users over a range = distinct user_id over its days).
CREATE TABLE analytics_daily_users (
  day DATE NOT NULL,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  PRIMARY KEY (day, user_id)
);
CREATE INDEX analytics_daily_users_user_idx ON analytics_daily_users (user_id);

-- Timing histograms: log buckets of relative width 2% (see lib/analytics/timing.ts).
CREATE TABLE analytics_daily_timing (
  day DATE NOT NULL,
  event_name VARCHAR(120) NOT NULL,
  property VARCHAR(64) NOT NULL,
  bucket INTEGER NOT NULL,
  samples BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (day, event_name, property, bucket)
);

-- Experiment exposures (experiment.assigned events) per variant.
CREATE TABLE analytics_daily_exposure (
  day DATE NOT NULL,
  experiment_key VARCHAR(100) NOT NULL,
  variant VARCHAR(64) NOT NULL,
  exposures BIGINT NOT NULL DEFAULT 0,
  PRIMARY KEY (day, experiment_key, variant)
);

-- The bucket of a timing value: 0 below 1 ms, else 1 + floor(log_1.02(v)).
CREATE FUNCTION analytics_timing_bucket(v DOUBLE PRECISION) RETURNS INTEGER
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$ SELECT CASE WHEN v < 1 THEN 0 ELSE 1 + floor(ln(v) / ln(1.02))::integer END $$;
