-- Answers kept for Idempotency-Key (API.md v1.1), per user, for 24 hours.
CREATE TABLE idempotency_keys (
    user_id       BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    idem_key      TEXT    NOT NULL,
    fingerprint   TEXT    NOT NULL,  -- SHA-256 (hex) of the method, path and parsed body
    status        BIGINT,            -- NULL while the request is carried out
    body          TEXT,              -- the answer's body, byte for byte
    created_at_ms BIGINT  NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);
CREATE INDEX idempotency_keys_created ON idempotency_keys (created_at_ms);
