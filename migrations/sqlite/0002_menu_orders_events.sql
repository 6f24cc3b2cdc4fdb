-- The menu, orders with their items, and the retained order events for SSE replay.
CREATE TABLE menu_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    flavor      TEXT    NOT NULL,
    flavor_key  TEXT    NOT NULL,     -- lower-cased flavor: unique with size, case-insensitively
    size        TEXT    NOT NULL CHECK (size IN ('small', 'medium', 'large')),
    price_cents BIGINT  NOT NULL CHECK (price_cents BETWEEN 1 AND 1000000),
    available   BOOLEAN NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX menu_items_flavor_size_key ON menu_items (flavor_key, size);

CREATE TABLE orders (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status      TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'cancelled', 'finished')),
    total_cents BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE INDEX orders_user_id ON orders (user_id, id);
CREATE INDEX orders_user_status ON orders (user_id, status, id);
CREATE INDEX orders_status ON orders (status, id);

CREATE TABLE order_items (
    id               INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id         BIGINT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    flavor           TEXT   NOT NULL,
    size             TEXT   NOT NULL,
    quantity         BIGINT NOT NULL CHECK (quantity BETWEEN 1 AND 99),
    unit_price_cents BIGINT NOT NULL
);
CREATE INDEX order_items_order_id ON order_items (order_id, id);

-- One row per change to an order, with the order as it was then (JSON). Kept for the
-- replay of missed events (the newest 10,000), never for history.
CREATE TABLE order_events (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id      BIGINT NOT NULL,
    user_id       BIGINT NOT NULL,
    data          TEXT   NOT NULL,
    created_at_ms BIGINT NOT NULL
);
