-- Audit log searches by action prefix (`action=auth.`, `analytics.`): lib/audit/query.ts matches
-- the prefix as a byte-wise range (`action ~>=~ 'auth.' AND action ~<~ 'auth/'`), which this index
-- serves under any database collation. starts_with() could use no index and read the whole log
-- (append-only, never pruned). The time window (`from`/`to`) uses audit_log_created_idx
-- (created_at, id) from 0001.
--
-- Migrations run inside a transaction, so this is a plain CREATE INDEX: it blocks writes to
-- audit_log (every audited change) while it builds, a few seconds per million entries
-- (docs/operations/DEPLOYMENT.md, "Changes that need attention").
CREATE INDEX audit_log_action_prefix_idx ON audit_log (action text_pattern_ops, id);
