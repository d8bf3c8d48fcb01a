-- The create-token form carries a one-time submission id (rendered with the form): the same form
-- posted twice (a double-click, Back then submit) finds the token its first post created instead of
-- creating a second live token whose secret nobody saw. Null for tokens created otherwise (the API,
-- `deno task user`) and before this migration.
ALTER TABLE api_tokens ADD COLUMN submission_id UUID;
CREATE UNIQUE INDEX api_tokens_submission_idx ON api_tokens (submission_id)
  WHERE submission_id IS NOT NULL;
