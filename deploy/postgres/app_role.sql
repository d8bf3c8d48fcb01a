-- The role the app runs as, allowed to read and write rows but not to change the schema, so the
-- audit trail and the consent records cannot be altered through the app's own credential
-- (docs/operations/SECURITY.md, Database roles).
--
-- Run as the role that owns the tables (the one `deno task migrate` runs as), in the app's
-- database, after the migrations: psql "$OWNER_DATABASE_URL" -f deploy/postgres/app_role.sql
-- Then create the login (CREATE ROLE ... LOGIN PASSWORD ... IN ROLE researchflow_app) and give
-- the app that login in DATABASE_URL. Run it again after each release that adds a migration:
-- it is idempotent, and the default privileges below cover tables created later by this owner.

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'researchflow_app') THEN
    CREATE ROLE researchflow_app NOLOGIN;
  END IF;
END
$$;

-- Nothing is created through the app's credential.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO researchflow_app;

GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO researchflow_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO researchflow_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO researchflow_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
  GRANT USAGE, SELECT ON SEQUENCES TO researchflow_app;

-- Append-only: the audit log and the consent records (the proof of each grant and withdrawal)
-- take new rows only. Their triggers refuse changes too, but a table's owner can switch a
-- trigger off; this role owns nothing, so it cannot.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, user_consents FROM researchflow_app;
-- The migration ledger is the owner's: the app only reads it to check the schema at start.
REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON schema_migrations FROM researchflow_app;
