-- Accounts, sessions and refresh tokens.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    username      TEXT    NOT NULL,
    username_key  TEXT    NOT NULL,   -- lower-cased username: unique case-insensitively
    email         TEXT    NOT NULL,   -- stored lower-cased
    password_hash TEXT    NOT NULL,
    is_admin      BOOLEAN NOT NULL DEFAULT 0,
    is_active     BOOLEAN NOT NULL DEFAULT 1,
    created_at    BIGINT  NOT NULL    -- Unix seconds
);
CREATE UNIQUE INDEX users_username_key ON users (username_key);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE sessions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id       BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at_ms BIGINT  NOT NULL,
    expires_at_ms BIGINT  NOT NULL,   -- when the newest refresh token expires
    revoked_at_ms BIGINT,
    access_iat    BIGINT  NOT NULL    -- iat of the newest access token, to re-sign it in the grace window
);
CREATE INDEX sessions_user_id ON sessions (user_id);

CREATE TABLE refresh_tokens (
    token_hash     TEXT   PRIMARY KEY, -- SHA-256 of the token, hex
    session_id     BIGINT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    created_at_ms  BIGINT NOT NULL,
    replaced_at_ms BIGINT              -- set when rotated away
);
CREATE INDEX refresh_tokens_session_id ON refresh_tokens (session_id);
