-- Sessions no longer keep the client's User-Agent: the header is whatever the client sends (a
-- kiosk or a malicious client can put a patient's name or MRN in it), nothing reads the column,
-- and it reached backups. The app now writes NULL; this empties the rows written before. The
-- column stays (dropping it would break instances of the previous release during a roll-out).
UPDATE sessions SET user_agent = NULL WHERE user_agent IS NOT NULL;
COMMENT ON COLUMN sessions.user_agent IS 'Unused, always NULL (migration 0007): never store the raw User-Agent';
