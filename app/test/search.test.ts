import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { expect } from "chai";
import { HttpError } from "../src/http/http-error";
import { createElasticsearchSearch } from "../src/search/elasticsearch-search";
import type { SearchHit } from "../src/search/search-engine";
import { startTestApp, type TestApp } from "./support/test-app";

describe("search", () => {
  describe("PostgreSQL full-text (no ES_URL)", () => {
    let t: TestApp;
    before(async () => (t = await startTestApp()));
    after(() => t.close());

    it("finds products by words in name and description, best match first", async () => {
      const response = await t.app.inject({ url: "/v1/search?q=coffee%20beans" });
      expect(response.statusCode).to.equal(200);
      const body = response.json<{ engine: string; items: SearchHit[] }>();
      expect(body.engine).to.equal("postgres");
      expect(body.items.map((item) => item.name)).to.have.members(["Coffee Beans Colombia", "Coffee Beans Ethiopia"]);
    });

    it("supports quoted phrases and exclusions (websearch syntax)", async () => {
      const body = (await t.app.inject({ url: `/v1/search?q=${encodeURIComponent('coffee -colombia')}` })).json<{ items: SearchHit[] }>();
      expect(body.items.map((item) => item.name)).to.include("Coffee Beans Ethiopia").and.not.include("Coffee Beans Colombia");
    });

    it("returns an empty list for no match", async () => {
      const body = (await t.app.inject({ url: "/v1/search?q=zeppelin" })).json<{ items: SearchHit[] }>();
      expect(body.items).to.deep.equal([]);
    });
  });

  describe("Elasticsearch client (plain fetch to _search; a local stand-in, no ES here)", () => {
    let server: Server;
    let baseUrl: string;
    let lastRequest: { url?: string; authorization?: string; body: unknown } | undefined;
    let answer: { status: number; body: unknown };

    const readBody = (request: IncomingMessage) =>
      new Promise<string>((resolve) => {
        let text = "";
        request.on("data", (chunk: Buffer) => (text += chunk.toString()));
        request.on("end", () => resolve(text));
      });

    before(async () => {
      server = createServer(async (request, response) => {
        lastRequest = { url: request.url, authorization: request.headers.authorization, body: JSON.parse(await readBody(request)) };
        response.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise((resolve) => server.close(resolve)));

    it("sends a multi_match query with the text as data and maps the hits", async () => {
      answer = {
        status: 200,
        body: { hits: { hits: [{ _id: "p1", _source: { id: "p1", sku: "S1", name: "Kettle", description: "d", priceCents: 5 } }] } },
      };
      const engine = createElasticsearchSearch(baseUrl, "products", undefined);
      const hits = await engine.search('kettle" OR 1=1', 7);
      expect(lastRequest?.url).to.equal("/products/_search");
      expect(lastRequest?.body).to.deep.include({ size: 7 });
      expect(JSON.stringify(lastRequest?.body)).to.contain('"query":"kettle\\" OR 1=1"');
      expect(hits).to.deep.equal([{ id: "p1", sku: "S1", name: "Kettle", description: "d", priceCents: 5 }]);
    });

    it("authenticates with ES_USERNAME/ES_PASSWORD as HTTP basic auth", async () => {
      answer = { status: 200, body: { hits: { hits: [] } } };
      await createElasticsearchSearch(baseUrl, "products", { username: "shop-api", password: "s3cret" }).search("x", 1);
      expect(lastRequest?.authorization).to.equal(`Basic ${Buffer.from("shop-api:s3cret").toString("base64")}`);
    });

    it("turns backend errors and unreachable clusters into 503", async () => {
      answer = { status: 500, body: { error: "boom" } };
      const failed = await createElasticsearchSearch(baseUrl, "products", undefined).search("x", 1).catch((error: unknown) => error);
      expect((failed as HttpError).statusCode).to.equal(503);
      const unreachable = await createElasticsearchSearch("http://127.0.0.1:1", "products", undefined).search("x", 1).catch((error: unknown) => error);
      expect((unreachable as HttpError).statusCode).to.equal(503);
    });

    it("is what /v1/search uses when ES_URL is set", async () => {
      answer = { status: 200, body: { hits: { hits: [] } } };
      const t = await startTestApp({ ES_URL: baseUrl });
      try {
        const response = await t.app.inject({ url: "/v1/search?q=anything" });
        expect(response.json()).to.deep.equal({ engine: "elasticsearch", items: [] });
      } finally {
        await t.close();
      }
    });
  });
});
