import type { BasicCredentials } from "../config";
import { HttpError } from "../http/http-error";
import { elasticsearchRequest, type ElasticsearchAnswer } from "./elasticsearch-http";
import type { SearchEngine, SearchHit } from "./search-engine";

interface EsResponse {
  hits?: { hits?: Array<{ _id: string; _source?: Partial<SearchHit> }> };
}

/**
 * Searches the products index through Elasticsearch's _search REST API. The search indexer
 * (search-indexer.ts) keeps the index in step with the products topic.
 */
export function createElasticsearchSearch(
  baseUrl: string,
  index: string,
  credentials: BasicCredentials | undefined,
  timeoutMs = 2000,
): SearchEngine {
  const connection = { baseUrl, credentials, timeoutMs };
  const path = `/${encodeURIComponent(index)}/_search`;
  return {
    name: "elasticsearch",
    async search(query: string, limit: number): Promise<SearchHit[]> {
      let answer: ElasticsearchAnswer;
      try {
        answer = await elasticsearchRequest(connection, "POST", path, {
          // The query travels as data inside a JSON document, never spliced into a query string.
          json: {
            size: limit,
            query: { multi_match: { query, fields: ["name^2", "description"], operator: "and" } },
            _source: ["id", "sku", "name", "description", "priceCents"],
          },
        });
      } catch {
        throw new HttpError(503, "search-unavailable", "search is unavailable right now");
      }
      if (answer.status < 200 || answer.status > 299) throw new HttpError(503, "search-unavailable", `search backend answered ${answer.status}`);
      const body = (answer.body ?? {}) as EsResponse;
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
