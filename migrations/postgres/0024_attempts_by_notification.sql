-- SQLite keeps the delivery log in one b-tree by notification from here (its 0024). PostgreSQL
-- keeps the log as it was: a heap, its key and `delivery_attempts_by_notification`, each page
-- logged in full once per checkpoint, not once per commit. Nothing changes; the number keeps
-- both engines' migrations in step.
SELECT 1;
