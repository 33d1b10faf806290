-- Sign-in tries, one row each, counted over a sliding window (SPEC §4: 5 failures for one
-- email, or 20 from one client address, within 15 minutes; domain::tries decides). Replaces the
-- counters of 0003 and 0010, which restarted only after a quiet quarter of an hour.
DROP TABLE login_failures;
DROP TABLE login_address_failures;
CREATE TABLE login_tries (
    id      TEXT PRIMARY KEY,
    kind    TEXT NOT NULL CHECK (kind IN ('email', 'address')),
    subject TEXT NOT NULL,
    at      BIGINT NOT NULL
);
CREATE INDEX login_tries_by_subject ON login_tries (kind, subject, at);
