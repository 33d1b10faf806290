-- PostgreSQL's 0025 drops the account keys of alerts and notifications (each insert under a
-- key there is a locked lookup of the parent; the cascade is kept by a trigger) and keys the
-- delivery log by notification. SQLite's checks are lookups in the same process, and its log
-- is keyed so since its 0024. Nothing changes; the number keeps both engines in step.
SELECT 1;
