export interface SearchHit {
  id: string;
  sku: string;
  name: string;
  description: string;
  priceCents: number;
}

export interface SearchEngine {
  readonly name: "postgres" | "elasticsearch";
  search(query: string, limit: number): Promise<SearchHit[]>;
}
