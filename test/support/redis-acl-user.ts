import { Cluster, Redis } from "ioredis";
import { aclLine } from "../../components/redis-cluster";
import type { RedisAclUser } from "../../components/redis-cluster";

/**
 * Loads a client's ACL user (rendered by aclLine, as the operator loads it) on every node of the real Redis Cluster that
 * .ci/start-services.sh starts (ACLs are per node), under a throwaway name, for the suite that calls it; removes it
 * after. `url()` is the cluster URL logged in as that user. Skips the suite without the cluster, fails it under CI.
 */
export function withRedisAclUser(suite: Mocha.Suite, acl: RedisAclUser, password: string): { url(): string } {
    const clusterUrl = process.env.TEST_REDIS_CLUSTER_URL;
    const username = `${acl.username}-acltest-${process.pid}`;
    let nodes: Redis[] = [];

    suite.beforeAll(async function () {
        if (!clusterUrl) {
            if (process.env.CI) throw new Error("TEST_REDIS_CLUSTER_URL is not set: .ci/start-services.sh must run first");
            console.log("    (skipped: run `eval \"$(.ci/start-services.sh)\"` to test against a real Redis Cluster)");
            this.skip();
        }
        const seed = new Cluster([{ host: new URL(clusterUrl).hostname, port: Number(new URL(clusterUrl).port) }]);
        await new Promise((resolve) => seed.once("ready", resolve));
        nodes = seed.nodes("all").map((node) => new Redis({ host: node.options.host, port: node.options.port }));
        seed.disconnect();
        const rules = aclLine({ ...acl, username }, password).split(" ").slice(2);
        await Promise.all(nodes.map((node) => node.call("ACL", "SETUSER", username, ...rules)));
    });

    suite.afterAll(async () => {
        await Promise.all(nodes.map((node) => node.call("ACL", "DELUSER", username).catch(() => undefined)));
        for (const node of nodes) node.disconnect();
    });

    return {
        url() {
            const url = new URL(clusterUrl as string);
            url.username = username;
            url.password = encodeURIComponent(password);
            return url.toString();
        },
    };
}
