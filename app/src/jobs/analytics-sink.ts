import { PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { DailyAggregate } from "./daily-aggregates";

/** Where analysis results go besides the database table: the analytics bucket, when configured. */
export interface ObjectStore {
  put(key: string, body: string, contentType: string): Promise<void>;
}

export function s3ObjectStore(bucket: string, client = new S3Client({})): ObjectStore {
  return {
    async put(key, body, contentType) {
      await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
    },
  };
}

/**
 * Hive-style partition (dt=YYYY-MM-DD) so an Athena table partitioned by `dt` finds each day, and a
 * fixed file name so a rerun overwrites the day instead of double-counting it.
 */
export function aggregateObjectKey(day: string): string {
  return `daily_aggregates/dt=${day}/aggregates.ndjson`;
}

/** One JSON object per line (NDJSON), the layout Athena's JSON SerDe reads. */
export function toNdjson(aggregate: DailyAggregate): string {
  return `${JSON.stringify({ ...aggregate, computedAt: new Date().toISOString() })}\n`;
}

export async function exportAggregate(store: ObjectStore, aggregate: DailyAggregate): Promise<string> {
  const key = aggregateObjectKey(aggregate.day);
  await store.put(key, toNdjson(aggregate), "application/x-ndjson");
  return key;
}
