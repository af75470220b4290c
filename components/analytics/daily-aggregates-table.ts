import type * as inputs from "@pulumi/aws/types/input";

/**
 * The layout the API's `analyse` job writes (app/src/jobs/analytics-sink.ts): one NDJSON object per UTC day at
 * `daily_aggregates/dt=YYYY-MM-DD/aggregates.ndjson`, a rerun overwriting its day. The API's IRSA role may put
 * objects under this prefix only.
 */
export const DAILY_AGGREGATES_PREFIX = "daily_aggregates";
export const DAILY_AGGREGATES_TABLE = "daily_aggregates";

/**
 * The fields of `DailyAggregate` plus `computedAt` (app/src/jobs/daily-aggregates.ts, toNdjson). Glue lower-cases
 * column names; the OpenX JSON SerDe matches keys case-insensitively by default, so `revenueCents` fills
 * `revenuecents`, nested struct fields included. Cents are bigint: a day's revenue can pass 2^31 cents.
 */
export const DAILY_AGGREGATES_COLUMNS: inputs.glue.CatalogTableStorageDescriptorColumn[] = [
    { name: "day", type: "string", comment: "UTC day, YYYY-MM-DD" },
    { name: "orders", type: "bigint" },
    { name: "revenuecents", type: "bigint" },
    { name: "topproducts", type: "array<struct<productid:string,sku:string,units:bigint,revenuecents:bigint>>", comment: "the day's top 5 products by units" },
    { name: "computedat", type: "string", comment: "ISO-8601 time the job wrote the day" },
];

/**
 * Partition projection: Athena derives the `dt` partitions from the query's predicate and the template below, so no
 * crawler or MSCK REPAIR is ever needed and a new day is queryable as soon as its object exists.
 */
export function dailyAggregatesTableParameters(bucket: string, firstDay: string): Record<string, string> {
    return {
        classification: "json",
        EXTERNAL: "TRUE",
        "projection.enabled": "true",
        "projection.dt.type": "date",
        "projection.dt.format": "yyyy-MM-dd",
        "projection.dt.range": `${firstDay},NOW`,
        "projection.dt.interval": "1",
        "projection.dt.interval.unit": "DAYS",
        "storage.location.template": `s3://${bucket}/${DAILY_AGGREGATES_PREFIX}/dt=\${dt}/`,
    };
}

/** The README's example, also stored as a named query of the workgroup. */
export function revenueByDayQuery(database: string): string {
    return [
        `SELECT dt, orders, revenuecents / 100.0 AS revenue, topproducts[1].sku AS best_seller`,
        `FROM "${database}"."${DAILY_AGGREGATES_TABLE}"`,
        `WHERE dt BETWEEN '2026-11-01' AND '2026-11-30'`,
        `ORDER BY dt`,
    ].join("\n");
}
