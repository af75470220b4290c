import Fastify from "fastify";

/**
 * The baseline: a bare Fastify route answering a product-sized JSON document from memory, no
 * validation, no database, no cache, no logging. The API's cache-hit path is measured against it.
 */
const product = {
  id: "00000000-0000-4000-8000-000000000000",
  sku: "BENCH-001",
  name: "Benchmark Kettle",
  description: "A product-sized JSON document for the baseline route",
  priceCents: 4200,
  stock: 100,
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
};

const app = Fastify({ logger: false });
app.get("/bare", async () => product);
app.listen({ port: Number(process.env.PORT ?? 0), host: "127.0.0.1" }).then(() => console.log("ready"));
process.on("SIGTERM", () => void app.close().then(() => process.exit(0)));
