-- Distinct users over a range are counted one account at a time (an index probe per user into
-- its days), which stays fast however many events or days there are; see docs/analytics.md.
DROP INDEX analytics_daily_users_user_idx;
CREATE INDEX analytics_daily_users_user_day_idx ON analytics_daily_users (user_id, day);
