import { expect } from "chai";
import type { Order } from "../src/orders/order";
import { OrderRepository } from "../src/orders/order-repository";
import type { AuthorisationOutcome, AuthorisationRequest, PaymentProvider, RefundRequest, VoidRequest } from "../src/payments/payment-provider";
import { TEST_TOKENS, TestPaymentProvider } from "../src/payments/test-payment-provider";
import type { Product } from "../src/products/product";
import { requireServiceUrl } from "./support/external-services";
import { createTestSchema } from "./support/integration-schema";
import { bearer, startTestApp, type TestApp } from "./support/test-app";

interface OutboxRow {
  topic: string;
  message_key: string;
  event_type: string;
  payload: Record<string, unknown>;
}

/** A provider that is down until told otherwise, then answers as the test provider. */
class OutagePaymentProvider implements PaymentProvider {
  readonly name = "test";
  down = true;
  calls = 0;
  readonly voided: string[] = [];
  private readonly inner = new TestPaymentProvider();
  async authorise(request: AuthorisationRequest): Promise<AuthorisationOutcome> {
    this.calls += 1;
    // What an SDK's time-out says: internals (hosts, accounts) the client must never see.
    if (this.down) throw new Error("connect ETIMEDOUT 10.20.30.40:443 (acct_internal_7731)");
    return this.inner.authorise(request);
  }
  refund = this.inner.refund.bind(this.inner);
  async voidAuthorisation(request: VoidRequest): Promise<{ voidId: string }> {
    this.voided.push(request.orderId);
    return this.inner.voidAuthorisation(request);
  }
}

/** The test provider whose refunds wait until released: a slow provider. */
class SlowRefundProvider extends TestPaymentProvider {
  refundStarted: Promise<void>;
  private started!: () => void;
  private release!: () => void;
  private readonly released = new Promise<void>((resolve) => (this.release = resolve));
  constructor() {
    super();
    this.refundStarted = new Promise((resolve) => (this.started = resolve));
  }
  override async refund(request: RefundRequest): Promise<{ refundId: string }> {
    this.started();
    await this.released;
    return super.refund(request);
  }
  finish(): void {
    this.release();
  }
}

/** The same behaviour on the embedded database and on real PostgreSQL (the deployed engine). */
function paymentSuite(name: string, env: (context: Mocha.Context) => Promise<{ env: Record<string, string>; drop?: () => Promise<void> }>) {
  describe(`payments (${name})`, function () {
    let t: TestApp;
    let drop: (() => Promise<void>) | undefined;
    let token: string;
    let products: Product[];

    before(async function () {
      const setup = await env(this);
      drop = setup.drop;
      t = await startTestApp(setup.env);
      token = await t.runtime.localIssuer!.issue({ subject: "payer", roles: [], ttlSeconds: 600, email: "payer@example.com" });
      // Products of its own (real PostgreSQL starts empty; no demo catalogue there).
      const admin = await t.tokenFor("ops", ["admin"]);
      products = [];
      for (let index = 0; index < 5; index += 1) {
        const sku = `PAY-${name.includes("Postgre") ? "PG" : "LITE"}-${index}-${Date.now()}`;
        const created = await t.app.inject({ method: "POST", url: "/v1/products", headers: bearer(admin), payload: { sku, name: sku, priceCents: 1500, stock: 50 } });
        expect(created.statusCode, created.body).to.equal(201);
        products.push(created.json<Product>());
      }
    });
    after(async () => {
      await t?.close();
      await drop?.();
    });

    const place = (key: string, productIndex: number, paymentToken?: string) =>
      t.app.inject({
        method: "POST",
        url: "/v1/orders",
        headers: { ...bearer(token), "idempotency-key": key },
        payload: { items: [{ productId: products[productIndex]!.id, quantity: 2 }], ...(paymentToken ? { paymentToken } : {}) },
      });
    const stockOf = async (index: number) => (await t.app.inject({ url: `/v1/products/${products[index]!.id}` })).json<Product>().stock;
    // Events of one transaction share its timestamp (to the microsecond on PGlite): compare them as sets.
    const typesOf = async (orderId: string) => (await eventsOf(orderId)).map((event) => `${event.topic}/${event.event_type}`).sort();
    const eventsOf = async (orderId: string) =>
      (
        await t.runtime.db.query<OutboxRow>("SELECT topic, message_key, event_type, payload FROM outbox WHERE message_key = $1 ORDER BY created_at, id", [orderId])
      ).rows.map((row) => ({ ...row, payload: typeof row.payload === "string" ? (JSON.parse(row.payload) as Record<string, unknown>) : row.payload }));

    const waitForPending = async (key: string): Promise<string> => {
      for (;;) {
        const row = (await t.runtime.db.query<{ id: string }>("SELECT id FROM orders WHERE idempotency_key = $1 AND status = 'pending_payment'", [key])).rows[0];
        if (row) return row.id;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };

    it("authorises the payment and writes payment.authorised and order.confirmed, keyed by the order, with the verified address", async () => {
      const response = await place("pay-approved-0001", 0);
      expect(response.statusCode, response.body).to.equal(201);
      const order = response.json<Order>();
      expect(order).to.deep.include({ status: "placed", payment: { status: "authorised" } });
      const events = await eventsOf(order.id);
      expect(await typesOf(order.id)).to.deep.equal(["orders/order.confirmed", "orders/order.placed", "payments/payment.authorised"]);
      const authorised = events.find((event) => event.event_type === "payment.authorised")!;
      expect(authorised.message_key).to.equal(order.id);
      expect(authorised.payload).to.deep.include({ orderId: order.id, amountCents: order.totalCents, currency: "USD", provider: "test" });
      expect(authorised.payload.customer).to.deep.equal({ userId: "payer", email: "payer@example.com" });
      expect(authorised.payload.authorisationId).to.match(/^auth_test_/);
    });

    it("declines with 402, releases the stock, writes payment.failed once, and answers a replay the same way", async () => {
      const before = await stockOf(1);
      const response = await place("pay-declined-0001", 1, TEST_TOKENS.declined);
      expect(response.statusCode, response.body).to.equal(402);
      expect(response.json()).to.include({ type: "tag:shop-api,2026:problems/payment-declined" });
      expect(response.json().detail).to.contain("card declined");
      expect(await stockOf(1)).to.equal(before);
      const orderId = /order ([0-9a-f-]{36})/.exec(response.json<{ detail: string }>().detail)![1]!;
      const stored = (await t.app.inject({ url: `/v1/orders/${orderId}`, headers: bearer(token) })).json<Order>();
      expect(stored).to.deep.include({ status: "payment_failed", payment: { status: "failed", reason: "card declined" } });

      const replay = await place("pay-declined-0001", 1, TEST_TOKENS.approved);
      expect(replay.statusCode).to.equal(402);
      const events = await eventsOf(orderId);
      expect(events.map((event) => `${event.topic}/${event.event_type}`)).to.deep.equal(["orders/order.placed", "payments/payment.failed"]);
      expect(events[1]!.payload).to.deep.include({ reason: "card declined" });
    });

    it("cancels a paid order: refunds, gives the stock back, writes payment.refunded and order.cancelled once", async () => {
      const before = await stockOf(2);
      const order = (await place("pay-cancel-0001", 2)).json<Order>();
      expect(await stockOf(2)).to.equal(before - 2);
      const cancel = () => t.app.inject({ method: "POST", url: `/v1/orders/${order.id}/cancel`, headers: bearer(token) });
      const first = await cancel();
      expect(first.statusCode, first.body).to.equal(200);
      expect(first.json<Order>()).to.deep.include({ status: "cancelled", payment: { status: "refunded" } });
      expect(await stockOf(2)).to.equal(before);
      expect((await cancel()).statusCode).to.equal(200);
      expect(await stockOf(2)).to.equal(before);
      expect(await typesOf(order.id)).to.deep.equal([
        "orders/order.cancelled",
        "orders/order.confirmed",
        "orders/order.placed",
        "payments/payment.authorised",
        "payments/payment.refunded",
      ]);
      const refunded = (await eventsOf(order.id)).find((event) => event.event_type === "payment.refunded")!;
      expect(refunded.payload.refundId).to.match(/^refund_test_/);
    });

    it("refuses to cancel an unpaid order (409) and hides other customers' orders (404)", async () => {
      const declined = await place("pay-cancel-declined", 3, TEST_TOKENS.insufficientFunds);
      const orderId = /order ([0-9a-f-]{36})/.exec(declined.json<{ detail: string }>().detail)![1]!;
      const refused = await t.app.inject({ method: "POST", url: `/v1/orders/${orderId}/cancel`, headers: bearer(token) });
      expect(refused.statusCode).to.equal(409);
      expect(refused.json()).to.include({ type: "tag:shop-api,2026:problems/order-not-cancellable" });
      const paid = (await place("pay-cancel-other", 3)).json<Order>();
      const stranger = await t.tokenFor("stranger");
      const hidden = await t.app.inject({ method: "POST", url: `/v1/orders/${paid.id}/cancel`, headers: bearer(stranger) });
      expect(hidden.statusCode).to.equal(404);
    });

    it("refunds outside the writer transaction: a slow provider holds no row lock, and the cancel records once it answers", async () => {
      const provider = new SlowRefundProvider();
      const orders = new OrderRepository(t.runtime.db, undefined, undefined, provider);
      const before = await stockOf(0);
      const { order } = await orders.place("payer", "pay-slow-refund-0001", [{ productId: products[0]!.id, quantity: 1 }]);
      const cancelling = orders.cancel(order.id, "payer");
      await provider.refundStarted;
      // While the provider is answering, the order row can be locked at once (PGlite: the one session is free).
      const lockedMeanwhile = await Promise.race([
        t.runtime.db.transaction((tx) => tx.query(`SELECT id FROM orders WHERE id = $1 FOR UPDATE ${t.runtime.db.kind === "postgres" ? "NOWAIT" : ""}`, [order.id])).then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), 2000)),
      ]);
      expect(lockedMeanwhile, "no transaction is open during the refund").to.equal(true);
      expect((await t.runtime.db.query<{ status: string }>("SELECT status FROM orders WHERE id = $1", [order.id])).rows[0]?.status).to.equal("placed");
      provider.finish();
      expect(await cancelling).to.deep.include({ status: "cancelled", payment: { status: "refunded" } });
      expect(await stockOf(0)).to.equal(before);
      expect((await typesOf(order.id)).filter((type) => type.endsWith("cancelled") || type.endsWith("refunded"))).to.deep.equal(["orders/order.cancelled", "payments/payment.refunded"]);
    });

    it("cancels an order a provider time-out left pending: voided, stock back, order.cancelled once; no provider text reaches the client", async () => {
      const provider = new OutagePaymentProvider();
      const orders = new OrderRepository(t.runtime.db, undefined, undefined, provider);
      const before = await stockOf(3);
      const outage = await orders.place("payer", "pay-stranded-0001", [{ productId: products[3]!.id, quantity: 2 }]).then(
        () => undefined,
        (error: unknown) => error as { statusCode: number; message: string },
      );
      expect(outage).to.include({ statusCode: 503 });
      expect(outage!.message).to.equal("the payment provider did not answer; retry with the same Idempotency-Key");
      const pending = (await t.runtime.db.query<{ id: string; status: string }>("SELECT id, status FROM orders WHERE idempotency_key = 'pay-stranded-0001'")).rows[0]!;
      expect(pending.status).to.equal("pending_payment");
      expect(await stockOf(3)).to.equal(before - 2);

      const [first, concurrent] = await Promise.all([orders.cancel(pending.id, "payer"), orders.cancel(pending.id, "payer")]);
      expect(first).to.deep.include({ status: "cancelled" });
      expect(concurrent).to.deep.include({ status: "cancelled" });
      expect(provider.voided[0], "whatever the provider holds for the order is voided").to.equal(pending.id);
      expect(await stockOf(3)).to.equal(before);
      expect(await typesOf(pending.id)).to.deep.equal(["orders/order.cancelled", "orders/order.placed"]);
      // The shopper's retry of the placement now finds the cancelled order: nothing is authorised.
      provider.down = false;
      expect((await orders.place("payer", "pay-stranded-0001", [{ productId: products[3]!.id, quantity: 2 }])).order.status).to.equal("cancelled");
      expect(provider.calls).to.equal(1);
    });

    it("voids again an authorisation that went through after the order was cancelled (the provider's answer came late)", async () => {
      const provider = new OutagePaymentProvider();
      provider.down = false;
      let answer!: () => void;
      const late = new Promise<void>((resolve) => (answer = resolve));
      const authorise = provider.authorise.bind(provider);
      provider.authorise = async (request) => {
        await late;
        return authorise(request);
      };
      const orders = new OrderRepository(t.runtime.db, undefined, undefined, provider);
      const placing = orders.place("payer", "pay-late-auth-0001", [{ productId: products[4]!.id, quantity: 1 }]);
      const pending = await waitForPending("pay-late-auth-0001");
      expect(await orders.cancel(pending, "payer")).to.deep.include({ status: "cancelled" });
      answer();
      expect((await placing).order.status).to.equal("cancelled");
      expect(provider.voided).to.deep.equal([pending, pending]);
      expect(await typesOf(pending)).to.deep.equal(["orders/order.cancelled", "orders/order.placed"]);
    });

    it("keeps the order pending through a provider outage (503) and settles it once on the retry with the same key", async () => {
      const provider = new OutagePaymentProvider();
      const orders = new OrderRepository(t.runtime.db, undefined, undefined, provider);
      const lines = [{ productId: products[4]!.id, quantity: 1 }];
      const outage = await orders.place("payer", "pay-outage-0001", lines, { email: "payer@example.com" }).then(
        () => undefined,
        (error: unknown) => error as { statusCode: number; problem: string },
      );
      expect(outage).to.deep.include({ statusCode: 503, problem: "payment-unavailable" });
      const pending = await t.runtime.db.query<{ id: string; status: string }>("SELECT id, status FROM orders WHERE idempotency_key = 'pay-outage-0001'");
      expect(pending.rows[0]?.status).to.equal("pending_payment");

      provider.down = false;
      const [retry, concurrentRetry] = await Promise.all([
        orders.place("payer", "pay-outage-0001", lines),
        orders.place("payer", "pay-outage-0001", lines),
      ]);
      expect(retry.order).to.deep.include({ id: pending.rows[0]!.id, status: "placed" });
      expect(concurrentRetry.order.status).to.equal("placed");
      expect(await typesOf(retry.order.id)).to.deep.equal(["orders/order.confirmed", "orders/order.placed", "payments/payment.authorised"]);
      const payload = (await eventsOf(retry.order.id)).find((event) => event.event_type === "payment.authorised")!.payload;
      expect(payload.customer, "the address given at placement is kept for the settlement").to.deep.equal({ userId: "payer", email: "payer@example.com" });
    });
  });
}

paymentSuite("embedded PGlite", async () => ({ env: {} }));
paymentSuite("real PostgreSQL", async (context) => {
  const baseUrl = requireServiceUrl(context, "TEST_DATABASE_URL");
  const schema = await createTestSchema(baseUrl, "pay");
  return { env: { DATABASE_URL: schema.databaseUrl }, drop: schema.drop };
});
