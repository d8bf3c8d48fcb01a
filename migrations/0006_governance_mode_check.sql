-- A mode row must name a mode: the first check let through any value whose 'mode' is missing
-- (the column default '{}', JSON null), because `NULL IN (...)` is not false. The app reads
-- such a row as corrupt (fail closed), and from now on the database refuses to write one.
-- NOT VALID: a corrupt row already present does not stop the migration; the app reports it.
ALTER TABLE governance_config DROP CONSTRAINT governance_config_mode_check;
ALTER TABLE governance_config ADD CONSTRAINT governance_config_mode_check
  CHECK (key <> 'mode' OR coalesce(value ->> 'mode', '') IN ('STANDBY', 'DEMO', 'LIVE')) NOT VALID;
