import type { BasicCredentials } from "../config";

export interface ElasticsearchConnection {
  /** Base URL without a trailing slash, e.g. https://shop-es-http.search.svc:9200 */
  baseUrl: string;
  credentials: BasicCredentials | undefined;
  /** Per-request timeout. Default 2000 ms (searches); bulk indexing passes a longer one. */
  timeoutMs?: number;
}

export interface ElasticsearchAnswer {
  status: number;
  body: unknown;
}

/**
 * One request to Elasticsearch's REST API with plain fetch (no client library to keep in step with the cluster
 * version). Network failures and timeouts reject; every HTTP status resolves, for the caller to judge.
 */
export async function elasticsearchRequest(
  connection: ElasticsearchConnection,
  method: "GET" | "HEAD" | "POST" | "PUT",
  path: string,
  body?: { json: unknown } | { ndjson: string },
): Promise<ElasticsearchAnswer> {
  const headers: Record<string, string> = {};
  if (connection.credentials) {
    const { username, password } = connection.credentials;
    headers.authorization = `Basic ${Buffer.from(`${username}:${password}`).toString("base64")}`;
  }
  let payload: string | undefined;
  if (body && "json" in body) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body.json);
  } else if (body) {
    headers["content-type"] = "application/x-ndjson";
    payload = body.ndjson;
  }
  const response = await fetch(`${connection.baseUrl}${path}`, {
    method,
    headers,
    body: payload,
    signal: AbortSignal.timeout(connection.timeoutMs ?? 2000),
  });
  const text = method === "HEAD" ? "" : await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === "" ? undefined : JSON.parse(text);
  } catch {
    // Proxies answer errors in HTML; keep the text for the error message.
  }
  return { status: response.status, body: parsed };
}
