-- PostgreSQL's 0027 drops the company key of alerts and the alert key of notifications (a
-- locked lookup of the parent per inserted row there; intake locks its companies once per
-- batch instead, and triggers keep the cascades). SQLite's checks are lookups in the same
-- process, behind its one writer. Nothing changes; the number keeps both engines in step.
SELECT 1;
