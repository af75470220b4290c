import { expect } from "chai";
import type { Order } from "../src/orders/order";
import type { Product } from "../src/products/product";
import { bearer, startTestApp, type TestApp } from "./support/test-app";

describe("orders (embedded PGlite, fastify.inject)", () => {
  let t: TestApp;
  let alice: string;
  let bob: string;
  let products: Product[];

  const placeOrder = (token: string, key: string, items: Array<{ productId: string; quantity: number }>) =>
    t.app.inject({
      method: "POST",
      url: "/v1/orders",
      headers: { ...bearer(token), "idempotency-key": key },
      payload: { items },
    });

  const stockOf = async (id: string) => (await t.app.inject({ url: `/v1/products/${id}` })).json<Product>().stock;

  before(async () => {
    t = await startTestApp();
    alice = await t.tokenFor("alice");
    bob = await t.tokenFor("bob");
    products = (await t.app.inject({ url: "/v1/products?limit=5" })).json<{ items: Product[] }>().items;
  });
  after(() => t.close());

  it("places an order, prices it from the catalogue and takes the stock", async () => {
    const [first, second] = products as [Product, Product];
    const before = await stockOf(first.id);
    const response = await placeOrder(alice, "order-key-0001", [
      { productId: first.id, quantity: 2 },
      { productId: second.id, quantity: 1 },
    ]);
    expect(response.statusCode).to.equal(201);
    expect(response.headers["idempotent-replayed"]).to.equal("false");
    const order = response.json<Order>();
    expect(order.totalCents).to.equal(first.priceCents * 2 + second.priceCents);
    expect(order.items).to.have.length(2);
    expect(await stockOf(first.id)).to.equal(before - 2);
  });

  it("returns the same order for the same Idempotency-Key and body, without ordering twice", async () => {
    const line = [{ productId: (products[2] as Product).id, quantity: 1 }];
    const before = await stockOf(line[0]!.productId);
    const first = await placeOrder(alice, "order-key-0002", line);
    const second = await placeOrder(alice, "order-key-0002", line);
    expect(second.statusCode).to.equal(201);
    expect(second.headers["idempotent-replayed"]).to.equal("true");
    expect(second.json<Order>().id).to.equal(first.json<Order>().id);
    expect(await stockOf(line[0]!.productId)).to.equal(before - 1);
  });

  it("rejects a reused Idempotency-Key with a different body (422)", async () => {
    const productId = (products[3] as Product).id;
    await placeOrder(alice, "order-key-0003", [{ productId, quantity: 1 }]);
    const reused = await placeOrder(alice, "order-key-0003", [{ productId, quantity: 4 }]);
    expect(reused.statusCode).to.equal(422);
    expect(reused.json()).to.include({ type: "tag:shop-api,2026:problems/idempotency-key-reused" });
    expect(reused.json().detail).to.contain("Idempotency-Key");
  });

  it("scopes Idempotency-Keys per user", async () => {
    const productId = (products[3] as Product).id;
    const fromAlice = await placeOrder(alice, "shared-key-0001", [{ productId, quantity: 1 }]);
    const fromBob = await placeOrder(bob, "shared-key-0001", [{ productId, quantity: 1 }]);
    expect(fromBob.statusCode).to.equal(201);
    expect(fromBob.json<Order>().id).to.not.equal(fromAlice.json<Order>().id);
  });

  it("places exactly one order when the same request is sent concurrently", async () => {
    const productId = (products[4] as Product).id;
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => placeOrder(alice, "order-key-concurrent", [{ productId, quantity: 1 }])),
    );
    expect(responses.map((response) => response.statusCode)).to.deep.equal(Array(8).fill(201));
    expect(new Set(responses.map((response) => response.json<Order>().id)).size).to.equal(1);
  });

  it("refuses unknown products (422) and more than the stock (409), writing nothing", async () => {
    const countOrders = async () => (await t.runtime.db.query<{ n: number }>("SELECT count(*)::int AS n FROM orders")).rows[0]?.n;
    const before = await countOrders();
    const unknown = await placeOrder(alice, "order-key-0004", [{ productId: "00000000-0000-4000-8000-000000000000", quantity: 1 }]);
    expect(unknown.statusCode).to.equal(422);
    expect(unknown.json().type).to.equal("tag:shop-api,2026:problems/unknown-product");
    const greedy = await placeOrder(alice, "order-key-0005", [{ productId: (products[0] as Product).id, quantity: 100 }]);
    expect(greedy.statusCode).to.equal(409);
    expect(greedy.json().type).to.equal("tag:shop-api,2026:problems/out-of-stock");
    expect(await countOrders()).to.equal(before);
    // The failed key was not consumed: the same key can be used once the basket is fixed.
    const fixed = await placeOrder(alice, "order-key-0005", [{ productId: (products[0] as Product).id, quantity: 1 }]);
    expect(fixed.statusCode).to.equal(201);
  });

  it("writes exactly one order.placed outbox event per order", async () => {
    const counts = await t.runtime.db.query<{ orders: number; events: number }>(
      `SELECT (SELECT count(*)::int FROM orders) AS orders,
              (SELECT count(*)::int FROM outbox WHERE event_type = 'order.placed') AS events`,
    );
    expect(counts.rows[0]?.events).to.equal(counts.rows[0]?.orders);
  });

  it("shows an order to its owner only; anyone else gets 404", async () => {
    const placed = (await placeOrder(alice, "order-key-0006", [{ productId: (products[1] as Product).id, quantity: 1 }])).json<Order>();
    const own = await t.app.inject({ url: `/v1/orders/${placed.id}`, headers: bearer(alice) });
    expect(own.statusCode).to.equal(200);
    expect(own.json<Order>()).to.deep.include({ id: placed.id, totalCents: placed.totalCents });
    const other = await t.app.inject({ url: `/v1/orders/${placed.id}`, headers: bearer(bob) });
    expect(other.statusCode).to.equal(404);
    const anonymous = await t.app.inject({ url: `/v1/orders/${placed.id}` });
    expect(anonymous.statusCode).to.equal(401);
  });
});
