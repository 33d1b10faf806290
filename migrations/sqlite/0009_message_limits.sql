-- The rate limit of test and verification messages counts a method's recent messages.
CREATE INDEX notifications_by_method ON notifications (method_id, created_at);
