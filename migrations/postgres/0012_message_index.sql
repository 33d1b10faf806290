-- The tests, verification codes and digests of an account by time: what the rate limit of test
-- and verification messages reads, whatever the letter case of their address. Partial, so the
-- notifications of alerts (nearly all of them) do not pay for it.
CREATE INDEX notifications_messages ON notifications (account_id, created_at)
    WHERE event IN ('test', 'verification', 'digest');
