import { randomBytes } from "node:crypto";
import { expect } from "chai";
import { Redis } from "ioredis";
import { ClaimHeldError, KEY_PREFIX, MemoryKeyValueStore, RedisKeyValueStore, SendOnce } from "../src/notifications/send-once";
import { closeRedis, connectRedis, type RedisClient } from "../src/redis-client";
import { requireServiceUrl } from "./support/external-services";

/**
 * The worker's Redis ACL as the platform must grant it: keys under notifications: only, and only the commands the
 * dedupe (SET NX PX, SET PX, GET, DEL), readiness (PING) and ioredis' cluster client (CLUSTER SLOTS for the
 * topology, CLUSTER INFO for its ready check) send. PEXPIRE and EXISTS are in the brief's grant but unused.
 */
const WORKER_ACL_RULES = ["on", "~notifications:*", "resetchannels", "-@all", "+set", "+get", "+del", "+pexpire", "+exists", "+ping", "+cluster|slots", "+cluster|info"];

async function sendOnceBehaviour(store: ConstructorParameters<typeof SendOnce>[0], inspect: (key: string) => Promise<string | null>) {
  const sendOnce = new SendOnce(store, { claimTtlMs: 300, sentTtlMs: 60_000 });
  const id = `event-${randomBytes(4).toString("hex")}:mail`;
  const sent: string[] = [];

  expect(await sendOnce.run(id, async () => void sent.push("first"))).to.equal("sent");
  expect(await sendOnce.run(id, async () => void sent.push("again"))).to.equal("duplicate");
  expect(sent).to.deep.equal(["first"]);
  expect(await inspect(`${KEY_PREFIX}${id}`)).to.equal("sent");

  // A failed send gives its claim back: the retry sends.
  const failing = `event-${randomBytes(4).toString("hex")}:mail`;
  await sendOnce.run(failing, async () => Promise.reject(new Error("SES throttled"))).catch(() => undefined);
  expect(await inspect(`${KEY_PREFIX}${failing}`)).to.equal(null);
  expect(await sendOnce.run(failing, async () => void sent.push("retried"))).to.equal("sent");

  // A worker that died between the provider's acceptance and the mark leaves its claim: others wait for it
  // (ClaimHeldError, retried with backoff) and send again only once it expired. That is the one duplicate window.
  const crashed = `event-${randomBytes(4).toString("hex")}:mail`;
  expect(await store.setIfAbsent(`${KEY_PREFIX}${crashed}`, "claim:dead-worker", 300)).to.equal(true);
  const held = await sendOnce.run(crashed, async () => void sent.push("too early")).catch((error: unknown) => error);
  expect(held).to.be.instanceOf(ClaimHeldError);
  await new Promise((resolve) => setTimeout(resolve, 400));
  expect(await sendOnce.run(crashed, async () => void sent.push("after the claim expired"))).to.equal("sent");
  expect(sent).to.deep.equal(["first", "retried", "after the claim expired"]);
}

describe("send-once claims", () => {
  it("in memory (local runs): once per key, a failed send released, a crashed claim waited out", async () => {
    const store = new MemoryKeyValueStore();
    await sendOnceBehaviour(store, (key) => store.get(key));
  });

  describe("on a real Redis Cluster as an ACL user with exactly the worker's grant", function () {
    this.timeout(30_000);
    const username = `notifications-test-${randomBytes(3).toString("hex")}`;
    const password = randomBytes(12).toString("hex");
    let nodes: Redis[] = [];
    let client: RedisClient;

    before(async function () {
      const clusterUrl = new URL(requireServiceUrl(this, "TEST_REDIS_CLUSTER_URL"));
      const admin = new Redis({ host: clusterUrl.hostname, port: Number(clusterUrl.port) });
      const shards = (await admin.call("CLUSTER", "SLOTS")) as Array<[number, number, [string, number]]>;
      admin.disconnect();
      nodes = shards.map(([, , [host, port]]) => new Redis({ host: host || clusterUrl.hostname, port }));
      for (const node of nodes) await node.call("ACL", "SETUSER", username, "reset", ...WORKER_ACL_RULES, `>${password}`);
      clusterUrl.username = username;
      clusterUrl.password = password;
      client = connectRedis(clusterUrl.toString(), true);
    });

    after(async () => {
      if (client) await closeRedis(client);
      for (const node of nodes) {
        await node.call("ACL", "DELUSER", username).catch(() => undefined);
        node.disconnect();
      }
    });

    it("claims, marks and releases with only SET/GET/DEL/PING under notifications:", async () => {
      const store = new RedisKeyValueStore(client);
      await store.ping();
      await sendOnceBehaviour(store, (key) => client.get(key));
    });

    it("is refused anything outside its grant (the test really runs under the ACL)", async () => {
      const outsideKeys = await client.get("shop:product:v2:1").catch((error: Error) => error);
      expect(String(outsideKeys)).to.match(/NOPERM/);
      const outsideCommands = await client.keys("notifications:*").catch((error: Error) => error);
      expect(String(outsideCommands)).to.match(/NOPERM/);
    });
  });
});
