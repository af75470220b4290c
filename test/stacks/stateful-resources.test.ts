import { expect } from "chai";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { STATEFUL_SELECTORS, statefulSelectorOf } from "../../tools/stateful-types";
import type { CapturedResource } from "../../tools/capture";
import { ofType, plannedStack, single, withStackFile, type PlannedStack } from "../support/plans";
import { allStacks } from "../support/stacks";

const FIXTURES = join(__dirname, "..", "fixtures", "stateful-urns");
/** Rewrites the committed lists from the plans: `UPDATE_STATEFUL_URNS=1 npx mocha ... test/stacks/stateful-resources.test.ts`. */
const UPDATE = process.env.UPDATE_STATEFUL_URNS === "1";
const HOW_TO_UPDATE = "If the change is deliberate (a rename with an alias, a resource added or retired), rewrite the list with " +
    "UPDATE_STATEFUL_URNS=1 npx mocha --no-config --node-option import=tsx --extension ts --timeout 120000 test/stacks/stateful-resources.test.ts " +
    "and commit it; otherwise a `pulumi up` would delete the resource under its old URN and create a new, empty one.";

const stateful = (stack: PlannedStack): CapturedResource[] => stack.resources.filter((r) => statefulSelectorOf(r.urn, r.type));
const name = (r: CapturedResource) => r.urn.split("::").pop() as string;

describe("stateful resources", function () {
    this.timeout(600_000);

    describe("keep their URNs in every stack (a changed URN is a delete and a create)", () => {
        for (const stackName of allStacks()) {
            it(`${stackName}: the stateful URNs equal test/fixtures/stateful-urns/${stackName}.json`, () => {
                const urns = stateful(plannedStack(stackName)).map((r) => r.urn).sort();
                const file = join(FIXTURES, `${stackName}.json`);
                if (UPDATE) {
                    mkdirSync(FIXTURES, { recursive: true });
                    writeFileSync(file, `${JSON.stringify(urns, null, 4)}\n`);
                }
                expect(existsSync(file), `no committed list ${file}. ${HOW_TO_UPDATE}`).to.equal(true);
                const committed: string[] = JSON.parse(readFileSync(file, "utf8"));
                const gone = committed.filter((urn) => !urns.includes(urn));
                const added = urns.filter((urn) => !committed.includes(urn));
                expect({ gone, added }, `stateful URNs of ${stackName} changed:\n  would be deleted: ${gone.join("\n    ") || "none"}\n  new: ${added.join("\n    ") || "none"}\n${HOW_TO_UPDATE}`)
                    .to.deep.equal({ gone: [], added: [] });
            });
        }

        it("lists every kind of stateful resource in prod (the database, keys, file system, cluster, VPC, data namespaces and CRs, buckets, zone, repository)", () => {
            const found = new Set(stateful(plannedStack("prod")).map((r) => statefulSelectorOf(r.urn, r.type)));
            expect(STATEFUL_SELECTORS.filter((s) => !found.has(s)).map((s) => s.type)).to.deep.equal([]);
        });
    });

    describe("are protected in prod, not in dev", () => {
        const PROTECTED = STATEFUL_SELECTORS;

        it("prod: the RDS instance, every KMS key, EFS, the cluster (component and its aws:eks/cluster:Cluster), the VPC, the data namespaces, Kafka, its node pools, Elasticsearch, the Redis release, the operators' CRDs, the static-site and data-lake buckets, the hosted zone and the image repository", () => {
            const prod = plannedStack("prod");
            const unprotected = prod.resources.filter((r) => PROTECTED.includes(statefulSelectorOf(r.urn, r.type)!) && r.protect !== true);
            expect(unprotected.map(name)).to.deep.equal([]);
            for (const s of PROTECTED) expect(prod.resources.some((r) => statefulSelectorOf(r.urn, r.type) === s), s.type).to.equal(true);
            expect(single(prod, "aws:eks/cluster:Cluster").protect, "the engine hands protect to the eks component's children").to.equal(true);
            expect(single(prod, "aws:ec2/vpc:Vpc").protect).to.equal(true);
        });

        it("dev: nothing stateful is protected, so `pulumi destroy` of dev finishes", () => {
            expect(plannedStack("dev").resources.filter((r) => r.protect).map(name)).to.deep.equal([]);
        });

        it("the shop's application namespaces stay unprotected in prod (nothing in them outlives a redeploy)", () => {
            const namespaces = ofType(plannedStack("prod"), "kubernetes:core/v1:Namespace").filter((r) => r.protect).map(name).sort();
            expect(namespaces).to.deep.equal(["prod-kafka-namespace", "prod-redis-namespace", "prod-search-namespace"]);
        });
    });

    describe("names that survive `pulumi stack rename`", () => {
        it("names the cluster from config, so the same config under another stack name keeps the cluster's name", () => {
            const dev = readFileSync(join(__dirname, "..", "..", "Pulumi.dev.yaml"), "utf8");
            const renamed = withStackFile(dev, (stack) => {
                const planned = plannedStack(stack);
                return single(planned, "aws:eks/cluster:Cluster").inputs.name;
            });
            expect(renamed).to.equal(single(plannedStack("dev"), "aws:eks/cluster:Cluster").inputs.name);
            expect(renamed).to.equal("ecommerce-platform-dev");
        });

        it("keeps each shipped stack's cluster name as it was (<project>-<stack>), now from config", () => {
            for (const stackName of allStacks()) {
                expect(single(plannedStack(stackName), "aws:eks/cluster:Cluster").inputs.name, stackName).to.equal(`ecommerce-platform-${stackName}`);
            }
        });
    });
});
