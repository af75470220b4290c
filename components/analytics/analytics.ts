import * as pulumi from "@pulumi/pulumi";
import * as athena from "@pulumi/aws/athena";
import * as glue from "@pulumi/aws/glue";
import { PrivateBucket } from "../private-bucket";
import {
    DAILY_AGGREGATES_COLUMNS, DAILY_AGGREGATES_PREFIX, DAILY_AGGREGATES_TABLE, dailyAggregatesTableParameters, revenueByDayQuery,
} from "./daily-aggregates-table";

export interface AnalyticsArgs {
    /** Athena cancels any query of the workgroup that scans more than this many MiB (at least 10). Default 1024. */
    bytesScannedCutoffMib?: number;
    /** Days Athena's query results are kept before they expire. Default 7. */
    resultRetentionDays?: number;
    /** The first day partition projection offers (YYYY-MM-DD); earlier days are never scanned. Default 2026-01-01. */
    firstDay?: string;
    /**
     * Pulumi `protect` on the data-lake bucket (the query results bucket is scratch): a replacement or deletion fails until `pulumi state unprotect`. Default false (the
     * composition sets it from config protectStatefulResources: prod on, dev off).
     */
    protect?: boolean;
}

const MIB = 1024 * 1024;

/**
 * The cheap alternative to a warehouse: the API's daily aggregates land as NDJSON in a private data-lake bucket that
 * tiers to Infrequent Access and Glacier Instant Retrieval; a Glue table with partition projection describes them;
 * an Athena workgroup whose settings clients cannot override caps every query's scan and writes its results,
 * encrypted, to a bucket that forgets them.
 */
export class Analytics extends pulumi.ComponentResource {
    readonly bucketName: pulumi.Output<string>;
    readonly bucketArn: pulumi.Output<string>;
    readonly databaseName: pulumi.Output<string>;
    readonly workgroupName: pulumi.Output<string>;
    readonly resultsBucketName: pulumi.Output<string>;
    /** The key prefix the analyse job writes under. */
    readonly prefix = DAILY_AGGREGATES_PREFIX;

    constructor(name: string, args: AnalyticsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const cutoffMib = args.bytesScannedCutoffMib ?? 1024;
        if (!Number.isInteger(cutoffMib) || cutoffMib < 10) throw new Error(`${name}: bytesScannedCutoffMib must be an integer of at least 10 (Athena's minimum is 10 MB), got ${cutoffMib}`);
        const firstDay = args.firstDay ?? "2026-01-01";
        if (!/^\d{4}-\d{2}-\d{2}$/.test(firstDay)) throw new Error(`${name}: firstDay must be YYYY-MM-DD, got ${firstDay}`);
        super("ecommerce:analytics:Analytics", name, {}, opts);
        const child = { parent: this };

        // S3 leaves objects under 128 KiB in Standard by default (a transition would cost more than it saves), so
        // the tiny daily files stay there; larger exports tier down as they age.
        const lake = new PrivateBucket(`${name}-lake`, {
            versioning: true,
            lifecycleRules: [
                {
                    id: "tier-down", status: "Enabled", filter: {},
                    transitions: [{ days: 30, storageClass: "STANDARD_IA" }, { days: 90, storageClass: "GLACIER_IR" }],
                    noncurrentVersionExpiration: { noncurrentDays: 30 },
                },
            ],
            protect: args.protect,
        }, child);
        const results = new PrivateBucket(`${name}-results`, {
            lifecycleRules: [{ id: "expire-results", status: "Enabled", filter: {}, expiration: { days: args.resultRetentionDays ?? 7 } }],
            // Results are disposable: a destroy must not stop at a bucket full of query outputs.
            forceDestroy: true,
        }, child);

        const database = new glue.CatalogDatabase(name, {
            name: name.toLowerCase().replace(/[^a-z0-9_]/g, "_"),
            description: "The shop's data lake (daily aggregates written by the analyse job)",
        }, child);
        new glue.CatalogTable(`${name}-${DAILY_AGGREGATES_TABLE}`, {
            databaseName: database.name,
            name: DAILY_AGGREGATES_TABLE,
            description: "One row per UTC day: orders, revenue and top products",
            tableType: "EXTERNAL_TABLE",
            parameters: lake.name.apply((bucket) => dailyAggregatesTableParameters(bucket, firstDay)),
            partitionKeys: [{ name: "dt", type: "string", comment: "UTC day, YYYY-MM-DD (projected)" }],
            storageDescriptor: {
                location: pulumi.interpolate`s3://${lake.name}/${DAILY_AGGREGATES_PREFIX}/`,
                inputFormat: "org.apache.hadoop.mapred.TextInputFormat",
                outputFormat: "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat",
                serDeInfo: { name: "json", serializationLibrary: "org.openx.data.jsonserde.JsonSerDe", parameters: { "case.insensitive": "TRUE" } },
                columns: DAILY_AGGREGATES_COLUMNS,
            },
        }, child);

        const workgroup = new athena.Workgroup(name, {
            name,
            description: "Queries over the shop's data lake, each capped in bytes scanned",
            state: "ENABLED",
            configuration: {
                // Clients cannot pick another result location, drop encryption or lift the cutoff.
                enforceWorkgroupConfiguration: true,
                publishCloudwatchMetricsEnabled: true,
                bytesScannedCutoffPerQuery: cutoffMib * MIB,
                engineVersion: { selectedEngineVersion: "Athena engine version 3" },
                resultConfiguration: {
                    outputLocation: pulumi.interpolate`s3://${results.name}/`,
                    encryptionConfiguration: { encryptionOption: "SSE_S3" },
                },
            },
        }, { parent: this, dependsOn: results.ready });
        new athena.NamedQuery(`${name}-revenue-by-day`, {
            name: "revenue-by-day",
            description: "Orders, revenue and best seller per day of a month",
            workgroup: workgroup.name,
            database: database.name,
            query: database.name.apply(revenueByDayQuery),
        }, child);

        this.bucketName = lake.name;
        this.bucketArn = lake.arn;
        this.databaseName = database.name;
        this.workgroupName = workgroup.name;
        this.resultsBucketName = results.name;
        this.registerOutputs({ bucketName: this.bucketName, databaseName: this.databaseName, workgroupName: this.workgroupName });
    }
}
