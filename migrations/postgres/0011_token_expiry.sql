-- API tokens may expire (SPEC §3 `/api/v1/tokens`): `expires_at` in Unix milliseconds, unset
-- for a token that never does. A user's tokens are listed newest first.
ALTER TABLE api_tokens ADD COLUMN expires_at BIGINT;
CREATE INDEX api_tokens_by_user ON api_tokens (account_id, user_id, id);
