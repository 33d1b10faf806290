-- Escalation policies (issue 17): steps of targets with waits, repeated; a company may have
-- one. `steps` is the policy's JSON ([{"targets": [...], "wait_minutes": n}]); a deleted
-- policy leaves its companies on the plain rule (everyone with access).
CREATE TABLE escalation_policies (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    steps       TEXT NOT NULL,
    repeats     BIGINT NOT NULL CHECK (repeats BETWEEN 0 AND 5),
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX escalation_policies_by_name ON escalation_policies (account_id, name_key);

ALTER TABLE companies ADD COLUMN escalation_policy_id TEXT
    REFERENCES escalation_policies (id) ON DELETE SET NULL;
