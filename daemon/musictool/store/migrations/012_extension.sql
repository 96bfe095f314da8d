-- The browser extension: one-time pairing codes, the pairings they made (each with a token of its own, kept
-- only as a hash), the store a wishlist item came from, and every store price the extension has seen.

CREATE TABLE pairing_codes (
    code_hash  TEXT PRIMARY KEY,          -- sha256 of the code `musictool pair` printed
    expires_at TEXT NOT NULL,
    used_at    TEXT,                      -- single use: set when a pairing redeemed it
    created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) WITHOUT ROWID;

CREATE TABLE pairings (
    id           INTEGER PRIMARY KEY,
    origin       TEXT NOT NULL,           -- chrome-extension://<id> or moz-extension://<uuid>
    name         TEXT NOT NULL DEFAULT '',
    token_hash   TEXT NOT NULL UNIQUE,    -- sha256 of the extension's own token; the token is never stored
    created_at   TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    last_used_at TEXT,
    revoked_at   TEXT                     -- revoked pairings stay listed; their token and origin stop working
);
-- one live pairing per origin: pairing the same extension again replaces the old one
CREATE UNIQUE INDEX pairings_live_origin ON pairings (origin) WHERE revoked_at IS NULL;

ALTER TABLE wishlist ADD COLUMN store TEXT;   -- bandcamp, beatport, discogs, juno, traxsource (from a store page)
CREATE INDEX wishlist_url ON wishlist (url) WHERE url IS NOT NULL;

CREATE TABLE store_prices (
    id          INTEGER PRIMARY KEY,
    wishlist_id INTEGER NOT NULL,
    store       TEXT    NOT NULL,
    url         TEXT,
    price       REAL    NOT NULL CHECK (price >= 0),
    currency    TEXT,
    observed_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX store_prices_item ON store_prices (wishlist_id, id);
