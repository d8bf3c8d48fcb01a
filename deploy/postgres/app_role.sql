-- The role the app runs as, allowed to read and write rows but not to change the schema, so the
-- audit trail and the consent records cannot be altered through the app's own credential
-- (docs/operations/SECURITY.md, Database roles).
--
-- Two steps, by two roles:
-- 1. Once per server, as a superuser or a role with CREATEROLE (a plain owner may not create
--    roles): psql "$ADMIN_URL" -c 'CREATE ROLE researchflow_app NOLOGIN'
-- 2. As the role that owns the tables (the one `deno task migrate` runs as), in the app's
--    database, after the migrations:
--      psql -v ON_ERROR_STOP=1 "$OWNER_DATABASE_URL" -f deploy/postgres/app_role.sql
--    (It creates the group itself when that role may; otherwise it stops, saying so.) Only the
--    owner's run sets the default privileges that cover the tables of later migrations: run as
--    another role (a superuser too) it stops.
-- Then create the login (CREATE ROLE ... LOGIN PASSWORD ... IN ROLE researchflow_app) and give
-- the app that login in DATABASE_URL. Run step 2 again after each release that adds a
-- migration: it is idempotent.

-- psql goes on after an error and exits 0 unless told to stop: stop at the first one, so a
-- failed step is never reported as done.
\set ON_ERROR_STOP on

DO $$
BEGIN
  IF to_regclass('public.audit_log') IS NULL THEN
    RAISE EXCEPTION 'app_role.sql: no audit_log table in this database: run deno task migrate first, and this script in the app''s database';
  END IF;
  -- ALTER DEFAULT PRIVILEGES below applies to the tables the running role creates: run by
  -- anyone but the owner, the tables of the next migration would stay closed to the app.
  IF (SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'audit_log')
     <> current_user THEN
    RAISE EXCEPTION 'app_role.sql: run it as the role that owns the tables (%), not as %',
      (SELECT tableowner FROM pg_tables WHERE schemaname = 'public' AND tablename = 'audit_log'),
      current_user;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'researchflow_app') THEN
    BEGIN
      CREATE ROLE researchflow_app NOLOGIN;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'app_role.sql: the role researchflow_app does not exist and % may not create roles: run CREATE ROLE researchflow_app NOLOGIN as a superuser or a role with CREATEROLE first (once per server), then this script again as the owner',
        current_user;
    END;
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
