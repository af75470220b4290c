/**
 * Schema migrations, embedded in the code so the esbuild bundle carries them (no files to ship).
 * Append only: an applied migration is never edited; its id is recorded in schema_migrations.
 */
export interface Migration {
  id: string;
  sql: string;
}

export const migrations: Migration[] = [
  {
    id: "001_catalogue",
    sql: `
      CREATE TABLE products (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        sku          text NOT NULL UNIQUE,
        name         text NOT NULL,
        description  text NOT NULL DEFAULT '',
        price_cents  integer NOT NULL CHECK (price_cents >= 0),
        stock        integer NOT NULL DEFAULT 0 CHECK (stock >= 0),
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        search       tsvector GENERATED ALWAYS AS (
                       setweight(to_tsvector('simple', name), 'A') ||
                       setweight(to_tsvector('simple', description), 'B')) STORED
      );
      CREATE INDEX products_search_idx ON products USING gin (search);
    `,
  },
  {
    id: "002_orders_outbox",
    sql: `
      CREATE TABLE orders (
        id               uuid PRIMARY KEY,
        user_id          text NOT NULL,
        idempotency_key  text NOT NULL,
        request_hash     text NOT NULL,
        status           text NOT NULL,
        total_cents      bigint NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT now(),
        UNIQUE (user_id, idempotency_key)
      );
      CREATE INDEX orders_created_at_idx ON orders (created_at);
      CREATE TABLE order_items (
        order_id          uuid NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        product_id        uuid NOT NULL REFERENCES products (id),
        sku               text NOT NULL,
        quantity          integer NOT NULL CHECK (quantity > 0),
        unit_price_cents  integer NOT NULL,
        PRIMARY KEY (order_id, product_id)
      );
      CREATE TABLE outbox (
        id               uuid PRIMARY KEY,
        topic            text NOT NULL,
        message_key      text NOT NULL,
        event_type       text NOT NULL,
        payload          jsonb NOT NULL,
        created_at       timestamptz NOT NULL DEFAULT clock_timestamp(),
        published_at     timestamptz,
        attempts         integer NOT NULL DEFAULT 0,
        last_error       text
      );
      CREATE INDEX outbox_unpublished_idx ON outbox (created_at) WHERE published_at IS NULL;
      CREATE TABLE processed_events (
        consumer      text NOT NULL,
        event_id      uuid NOT NULL,
        processed_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
      );
    `,
  },
  {
    id: "003_daily_aggregates",
    sql: `
      CREATE TABLE daily_aggregates (
        day            date PRIMARY KEY,
        orders         integer NOT NULL,
        revenue_cents  bigint NOT NULL,
        top_products   jsonb NOT NULL,
        computed_at    timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    id: "004_outbox_leases",
    sql: `
      -- Claims are leases (the relay publishes outside any transaction); a row Kafka keeps refusing is set aside.
      ALTER TABLE outbox ADD COLUMN lease_until timestamptz;
      ALTER TABLE outbox ADD COLUMN dead_at timestamptz;
      DROP INDEX outbox_unpublished_idx;
      CREATE INDEX outbox_pending_idx ON outbox (created_at, id) WHERE published_at IS NULL AND dead_at IS NULL;
      -- Per-key order: a row waits while an older row of its topic and key is pending.
      CREATE INDEX outbox_pending_key_idx ON outbox (topic, message_key, created_at) WHERE published_at IS NULL AND dead_at IS NULL;
      -- Retention purge of published rows.
      CREATE INDEX outbox_published_idx ON outbox (published_at) WHERE published_at IS NOT NULL;
    `,
  },
  {
    id: "005_listing_order",
    sql: `
      -- The catalogue lists by name (then id, so the order is total); a customer's orders list newest first.
      CREATE INDEX products_name_id_idx ON products (name, id);
      CREATE INDEX orders_user_created_idx ON orders (user_id, created_at DESC, id DESC);
    `,
  },
  {
    id: "006_product_versions",
    sql: `
      -- version: bumped by every change of a product, stock included (admin writes, orders, imports). It versions
      -- cache entries (a late fill cannot overwrite a newer state) and is the product's ETag.
      -- feed_stock: the stock the catalogue feed gave at its last import, so a new import applies the feed's
      -- change to the shop's stock instead of overwriting what orders took since.
      -- IF NOT EXISTS: before the merge with the outbox and listing migrations this one was numbered 004, and a
      -- database migrated then already has both columns recorded under that id.
      ALTER TABLE products ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1;
      ALTER TABLE products ADD COLUMN IF NOT EXISTS feed_stock integer;
    `,
  },
  {
    id: "007_payments",
    sql: `
      -- The customer's address for notifications, from the token's verified email claim at order time.
      ALTER TABLE orders ADD COLUMN contact_email text;
      -- One payment per order: the authorisation, and its refund when the order is cancelled.
      CREATE TABLE payments (
        order_id          uuid PRIMARY KEY REFERENCES orders (id) ON DELETE CASCADE,
        provider          text NOT NULL,
        status            text NOT NULL CHECK (status IN ('authorised', 'failed', 'refunded')),
        amount_cents      bigint NOT NULL,
        currency          text NOT NULL,
        authorisation_id  text,
        refund_id         text,
        failure_reason    text,
        created_at        timestamptz NOT NULL DEFAULT now(),
        updated_at        timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    id: "008_outbox_trace_context",
    sql: `
      -- W3C traceparent of the request that wrote the event: the relay's produce continues that trace.
      ALTER TABLE outbox ADD COLUMN traceparent text;
    `,
  },
];
