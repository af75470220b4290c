import type { BasicCredentials } from "../config";
import { HttpError } from "../http/http-error";
import type { SearchEngine, SearchHit } from "./search-engine";

interface EsResponse {
  hits?: { hits?: Array<{ _id: string; _source?: Partial<SearchHit> }> };
}

/**
 * Searches the products index through Elasticsearch's _search REST API with plain fetch (no client
 * library to keep in step with the cluster version). The index is fed from the products topic.
 */
export function createElasticsearchSearch(
  baseUrl: string,
  index: string,
  credentials: BasicCredentials | undefined,
  timeoutMs = 2000,
): SearchEngine {
  const endpoint = `${baseUrl}/${encodeURIComponent(index)}/_search`;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (credentials) {
    headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
  }
  return {
    name: "elasticsearch",
    async search(query: string, limit: number): Promise<SearchHit[]> {
      let response: Response;
      try {
        response = await fetch(endpoint, {
          method: "POST",
          headers,
          // The query travels as data inside a JSON document, never spliced into a query string.
          body: JSON.stringify({
            size: limit,
            query: { multi_match: { query, fields: ["name^2", "description"], operator: "and" } },
            _source: ["id", "sku", "name", "description", "priceCents"],
          }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch {
        throw new HttpError(503, "search_unavailable", "search is unavailable right now");
      }
      if (!response.ok) throw new HttpError(503, "search_unavailable", `search backend answered ${response.status}`);
      const body = (await response.json()) as EsResponse;
      return (body.hits?.hits ?? []).map((hit) => ({
        id: hit._source?.id ?? hit._id,
        sku: hit._source?.sku ?? "",
        name: hit._source?.name ?? "",
        description: hit._source?.description ?? "",
        priceCents: hit._source?.priceCents ?? 0,
      }));
    },
  };
}
