import { expect } from "chai";
import { Analytics } from "../../../components/analytics/analytics";
import { DAILY_AGGREGATES_COLUMNS } from "../../../components/analytics/daily-aggregates-table";
import { declared, Registered } from "../../support/mock-runtime";

interface Transition { days: number; storageClass: string }
interface Rule { id: string; transitions?: Transition[]; expiration?: { days: number } }

describe("components/analytics/analytics", () => {
    let analytics: Registered;
    before(async () => {
        analytics = await declared("lakeetest", () => new Analytics("lakeetest", { bytesScannedCutoffMib: 256, resultRetentionDays: 3 }));
    });
    const buckets = () => analytics.ofType("aws:s3/bucket:Bucket");
    const bucketNamed = (part: string) => buckets().find((b) => b.urn.endsWith(`::lakeetest-${part}`))!;
    const ofBucket = (type: string, part: string) => analytics.ofType(type).find((r) => r.inputs.bucket === bucketNamed(part).outputs.bucket)!;

    it("keeps the data lake and the results buckets private and encrypted, TLS only", () => {
        expect(buckets()).to.have.length(2);
        for (const part of ["lake", "results"]) {
            expect(ofBucket("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", part).inputs).to.include({ blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
            expect(ofBucket("aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", part).inputs.rules).to.deep.equal([{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }]);
            expect(ofBucket("aws:s3/bucketOwnershipControls:BucketOwnershipControls", part).inputs.rule).to.deep.equal({ objectOwnership: "BucketOwnerEnforced" });
            const policy = JSON.parse(String(ofBucket("aws:s3/bucketPolicy:BucketPolicy", part).inputs.policy)).Statement as { Effect: string }[];
            expect(policy.map((s) => s.Effect)).to.deep.equal(["Deny"]);
        }
    });

    it("tiers the lake to Infrequent Access then Glacier Instant Retrieval, and expires query results", () => {
        const lake = ofBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "lake").inputs.rules as Rule[];
        expect(lake.find((r) => r.id === "tier-down")?.transitions).to.deep.equal([{ days: 30, storageClass: "STANDARD_IA" }, { days: 90, storageClass: "GLACIER_IR" }]);
        const results = ofBucket("aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "results").inputs.rules as Rule[];
        expect(results.find((r) => r.id === "expire-results")?.expiration).to.deep.equal({ days: 3 });
    });

    it("enforces the workgroup's settings: the bytes-scanned cutoff, encrypted results in the results bucket", () => {
        const config = analytics.one("aws:athena/workgroup:Workgroup").inputs.configuration as Record<string, unknown>;
        expect(config).to.include({ enforceWorkgroupConfiguration: true, bytesScannedCutoffPerQuery: 256 * 1024 * 1024 });
        expect(config.resultConfiguration).to.deep.equal({
            outputLocation: `s3://${bucketNamed("results").outputs.bucket}/`,
            encryptionConfiguration: { encryptionOption: "SSE_S3" },
        });
    });

    it("refuses a cutoff below Athena's 10 MB minimum", () => {
        expect(() => new Analytics("lakeetest-small", { bytesScannedCutoffMib: 5 })).to.throw(/at least 10/);
    });

    it("describes exactly what the analyse job writes: its key layout as projected dt partitions, its JSON fields as columns", async () => {
        const { aggregateObjectKey, toNdjson } = await import("../../../app/src/jobs/analytics-sink");
        const table = analytics.one("aws:glue/catalogTable:CatalogTable").inputs;
        const lake = bucketNamed("lake").outputs.bucket as string;
        const params = table.parameters as Record<string, string>;
        expect(params).to.include({ "projection.enabled": "true", "projection.dt.type": "date", "projection.dt.format": "yyyy-MM-dd" });
        // The template, filled with a day, is the prefix of the object the job writes for that day.
        const day = "2026-11-25";
        expect(`s3://${lake}/${aggregateObjectKey(day)}`.startsWith(params["storage.location.template"].replace("${dt}", day))).to.equal(true);
        expect((table.partitionKeys as { name: string }[]).map((k) => k.name)).to.deep.equal(["dt"]);
        expect(table.databaseName).to.equal(analytics.one("aws:glue/catalogDatabase:CatalogDatabase").outputs.name);

        // Every field of a written line has its column (names compared as Glue stores them, lower case).
        const line = JSON.parse(toNdjson({ day, orders: 2, revenueCents: 1999, topProducts: [{ productId: "p1", sku: "SKU-1", units: 2, revenueCents: 1999 }] }));
        const columns = DAILY_AGGREGATES_COLUMNS.map((c) => c.name);
        expect(Object.keys(line).map((k) => k.toLowerCase())).to.have.members(columns);
        const nested = DAILY_AGGREGATES_COLUMNS.find((c) => c.name === "topproducts")!.type;
        for (const field of Object.keys(line.topProducts[0])) expect(nested).to.include(`${field.toLowerCase()}:`);
        const serde = (table.storageDescriptor as { serDeInfo: { serializationLibrary: string } }).serDeInfo;
        expect(serde.serializationLibrary).to.equal("org.openx.data.jsonserde.JsonSerDe");
    });

    it("stores the README's query in the workgroup", () => {
        const query = analytics.one("aws:athena/namedQuery:NamedQuery").inputs;
        expect(query.workgroup).to.equal(analytics.one("aws:athena/workgroup:Workgroup").outputs.name);
        expect(String(query.query)).to.match(/FROM "lakeetest"\."daily_aggregates"\nWHERE dt BETWEEN/);
    });
});
