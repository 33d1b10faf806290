-- Sign-in tries per client address (SPEC §4: 20 failures from one address within 15 minutes
-- refuse its sign-ins), counted like login_failures is per email: `failures` is the number
-- of tries counted since the count last restarted, `last_failure_at` the last counted one.
CREATE TABLE login_address_failures (
    address         TEXT PRIMARY KEY,
    failures        BIGINT NOT NULL,
    last_failure_at BIGINT NOT NULL
);
