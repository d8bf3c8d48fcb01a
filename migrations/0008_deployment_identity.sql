-- This database's deployment id: a random id created once per database. Every instance started on
-- the database puts it (as a short hash) on the event stream entries it appends and ignores the
-- entries of another deployment, so two deployments that share a Redis and an EVENT_STREAM_KEY
-- (staging and production) no longer show each other's events (lib/realtime/redis_bus.ts).
-- The key is not 'mode': the mode check and the mode reader never see this row. Re-running the
-- migrations keeps the id; `deno task restore-prepare` gives a restored copy a new one.
INSERT INTO governance_config (key, value)
VALUES ('deployment', jsonb_build_object('id', gen_random_uuid()::text))
ON CONFLICT (key) DO NOTHING;
