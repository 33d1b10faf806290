-- On-call schedules (issue 17): a rotation of members through day or week shifts with a
-- handoff time in the schedule's zone, and overrides. `feed_key` makes the secret iCalendar
-- URL (an HMAC of the schedule id and this key under the links key).
CREATE TABLE schedules (
    id          TEXT PRIMARY KEY,
    account_id  TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        TEXT NOT NULL,
    name_key    TEXT NOT NULL,
    timezone    TEXT NOT NULL,
    every       TEXT NOT NULL CHECK (every IN ('day', 'week')),
    count       BIGINT NOT NULL CHECK (count BETWEEN 1 AND 365),
    handoff     TEXT NOT NULL,
    weekday     TEXT,
    starts_on   TEXT NOT NULL,
    feed_key    TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX schedules_by_name ON schedules (account_id, name_key);

-- Members in rotation order; a deleted contact leaves the rotation.
CREATE TABLE schedule_members (
    schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    position    BIGINT NOT NULL,
    contact_id  TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    PRIMARY KEY (schedule_id, position)
);
CREATE INDEX schedule_members_by_contact ON schedule_members (contact_id);

CREATE TABLE schedule_overrides (
    id          TEXT PRIMARY KEY,
    schedule_id TEXT NOT NULL REFERENCES schedules (id) ON DELETE CASCADE,
    contact_id  TEXT NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    starts_at   BIGINT NOT NULL,
    ends_at     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX schedule_overrides_by_schedule ON schedule_overrides (schedule_id, ends_at);
