import type { Product, ProductInput } from "./product";
import type { ProductCache } from "./product-cache";
import type { ProductPage, ProductPosition, ProductRepository } from "./product-repository";

/** Cache-aside reads of single products; writes go to the database first, then evict the cached copy. */
export class ProductService {
  constructor(
    private readonly repository: ProductRepository,
    private readonly cache: ProductCache,
    private readonly recordLookup: (result: "hit" | "miss") => void = () => undefined,
  ) {}

  list(limit: number, after: ProductPosition | undefined): Promise<ProductPage> {
    return this.repository.list(limit, after);
  }

  /** The product's JSON document (see ProductCache), or undefined when there is no such product. */
  async getJson(id: string): Promise<string | undefined> {
    const cached = await this.cache.get(id);
    this.recordLookup(cached === undefined ? "miss" : "hit");
    if (cached !== undefined) return cached;
    const product = await this.repository.get(id);
    if (!product) return undefined;
    // Product holds exactly the response's fields, so JSON.stringify yields the API's document.
    const json = JSON.stringify(product);
    await this.cache.set(id, json);
    return json;
  }

  create(input: ProductInput): Promise<Product> {
    return this.repository.create(input);
  }

  async update(id: string, input: ProductInput): Promise<Product | undefined> {
    const product = await this.repository.update(id, input);
    await this.cache.invalidate(id);
    return product;
  }

  async delete(id: string): Promise<boolean> {
    const deleted = await this.repository.delete(id);
    await this.cache.invalidate(id);
    return deleted;
  }
}
