import { expect } from "chai";
import { CircuitBreaker, CircuitOpenError, CircuitTimeoutError, type CircuitState } from "../src/cache/circuit-breaker";

const fail = () => Promise.reject(new Error("ECONNREFUSED"));
const succeed = () => Promise.resolve("ok");

describe("circuit breaker", () => {
  let clock: number;
  let states: CircuitState[];
  let breaker: CircuitBreaker;

  beforeEach(() => {
    clock = 0;
    states = [];
    breaker = new CircuitBreaker({ name: "redis", failureThreshold: 3, coolDownMs: 1000, timeoutMs: 40, now: () => clock, onStateChange: (state) => states.push(state) });
  });
  afterEach(() => breaker.close());

  it("opens after N consecutive failures and then fails at once without calling", async () => {
    for (let index = 0; index < 3; index += 1) await breaker.call(fail).catch(() => undefined);
    expect(breaker.currentState).to.equal("open");
    let called = false;
    const error = await breaker.call(async () => (called = true)).catch((caught: unknown) => caught);
    expect(error).to.be.instanceOf(CircuitOpenError);
    expect(called).to.equal(false);
    expect(breaker.allowsCalls()).to.equal(false);
  });

  it("lets one probe through after the cool-down: success closes, failure opens again", async () => {
    for (let index = 0; index < 3; index += 1) await breaker.call(fail).catch(() => undefined);
    clock += 1000;
    expect(breaker.allowsCalls()).to.equal(true);
    await breaker.call(fail).catch(() => undefined);
    expect(breaker.currentState).to.equal("open");
    clock += 1000;
    expect(await breaker.call(succeed)).to.equal("ok");
    expect(states).to.deep.equal(["open", "half_open", "open", "half_open", "closed"]);
  });

  it("refuses other calls while the probe is in flight", async () => {
    for (let index = 0; index < 3; index += 1) await breaker.call(fail).catch(() => undefined);
    clock += 1000;
    let finishProbe: (value: string) => void = () => undefined;
    const probe = breaker.call(() => new Promise<string>((resolve) => (finishProbe = resolve)));
    expect(await breaker.call(succeed).catch((caught: unknown) => caught)).to.be.instanceOf(CircuitOpenError);
    finishProbe("ok");
    expect(await probe).to.equal("ok");
    expect(breaker.currentState).to.equal("closed");
  });

  it("resets the count on a success: only consecutive failures open it", async () => {
    await breaker.call(fail).catch(() => undefined);
    await breaker.call(fail).catch(() => undefined);
    await breaker.call(succeed);
    await breaker.call(fail).catch(() => undefined);
    expect(breaker.currentState).to.equal("closed");
  });

  it("fails a call that does not settle within the timeout, and counts it", async () => {
    const real = new CircuitBreaker({ name: "redis", failureThreshold: 1, timeoutMs: 40 });
    try {
      const error = await real.call(() => new Promise<never>(() => undefined)).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(CircuitTimeoutError);
      expect(real.currentState).to.equal("open");
    } finally {
      real.close();
    }
  });
});
