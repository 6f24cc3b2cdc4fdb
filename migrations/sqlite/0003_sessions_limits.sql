-- v1.1: what a session shows (GET /auth/sessions), refresh tokens by generation, failed
-- sign-ins shared by every server process, and the indexes the cleanup and the replay use.

-- The User-Agent (cut to 200 characters) and client address at sign-in, and the last
-- sign-in or refresh (NULL on sessions older than this migration: their created_at_ms).
ALTER TABLE sessions ADD COLUMN user_agent TEXT;
ALTER TABLE sessions ADD COLUMN address TEXT;
ALTER TABLE sessions ADD COLUMN last_used_at_ms BIGINT;
-- A refresh token names its session and generation and is authenticated with the server
-- key, so no row is kept per token: refresh_gen is the current generation (0 for sessions
-- whose tokens are still rows in refresh_tokens), rotated_at_ms when it last moved on.
ALTER TABLE sessions ADD COLUMN refresh_gen BIGINT NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN rotated_at_ms BIGINT;
CREATE INDEX sessions_revoked_at ON sessions (revoked_at_ms);
CREATE INDEX sessions_expires_at ON sessions (expires_at_ms);

-- One row per counted attempt: failed (or in-progress) sign-ins per account ('account:<id>')
-- and per address ('address:<ip>'), sign-ups per address ('signup:<ip>'). Rows older than
-- the window are deleted by the cleanup task.
CREATE TABLE login_attempts (
    id    INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT   NOT NULL,
    at_ms BIGINT NOT NULL
);
CREATE INDEX login_attempts_scope ON login_attempts (scope, at_ms);
CREATE INDEX login_attempts_at ON login_attempts (at_ms);

-- The replay reads one user's events after an id.
CREATE INDEX order_events_user_id ON order_events (user_id, id);
