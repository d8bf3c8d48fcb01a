-- Experiment exposures: a subject whose variant was switched off or removed is drawn again and
-- its new assignment recorded as an `experiment.assigned` event carrying `reassigned_from` (the
-- old variant key). Such an event is counted here, in `moved_in` of the variant moved into, and not
-- in `exposures`, so each person is counted once in the exposures (in the variant first shown)
-- and the moves apart. Rows written before this migration counted re-draws as exposures.
ALTER TABLE analytics_daily_exposure ADD COLUMN moved_in BIGINT NOT NULL DEFAULT 0;
