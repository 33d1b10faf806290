-- Which step of its company's escalation policy a notification belongs to (1-based); null
-- without a policy (issue 17).
ALTER TABLE notifications ADD COLUMN escalation_step BIGINT;
