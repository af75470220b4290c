import { copyFile, mkdir, readdir, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { build } from "esbuild";
import { demoCatalogue } from "../src/db/demo-catalogue";

/**
 * Bundles the service and the jobs into dist/ (no node_modules at runtime) and copies PGlite's WASM
 * and data files next to them: PGlite loads those relative to its own module URL.
 *
 * ESM with code splitting, so main.js and jobs.js share one chunk instead of each carrying a copy of
 * every dependency (the image budget is tight). dist/package.json marks the .js files as ESM.
 */
const appRoot = join(__dirname, "..");
const outdir = join(appRoot, "dist");
const PGLITE_ASSETS = ["pglite.wasm", "pglite.data", "initdb.wasm"];

export async function buildBundle(): Promise<{ codeBytes: number }> {
  await rm(outdir, { recursive: true, force: true });
  await build({
    entryPoints: {
      main: join(appRoot, "src/main.ts"),
      jobs: join(appRoot, "src/jobs.ts"),
      "notifications-worker": join(appRoot, "src/notifications-worker.ts"),
    },
    outdir,
    bundle: true,
    platform: "node",
    target: "node22",
    format: "esm",
    splitting: true,
    chunkNames: "chunks/[name]-[hash]",
    minify: true,
    sourcemap: "linked",
    legalComments: "none",
    // Optional native binding of `pg`, never installed; pg falls back to its JavaScript client.
    external: ["pg-native"],
    // CommonJS dependencies (pg, kafkajs, ioredis...) call require() for Node built-ins; ESM has none.
    banner: { js: 'import { createRequire as __createRequire } from "node:module"; const require = __createRequire(import.meta.url);' },
    logLevel: "warning",
  });
  await writeFile(join(outdir, "package.json"), `${JSON.stringify({ type: "module" })}\n`);
  // The fetch-products CronJob's default source when no catalogue feed URL is configured.
  await writeFile(join(outdir, "demo-feed.json"), `${JSON.stringify({ products: demoCatalogue() }, null, 2)}\n`);
  const pgliteDist = dirname(require.resolve("@electric-sql/pglite"));
  await mkdir(outdir, { recursive: true });
  // The chunk holding PGlite resolves its assets relative to itself, so they go next to the chunks.
  for (const asset of PGLITE_ASSETS) await copyFile(join(pgliteDist, asset), join(outdir, "chunks", asset));
  return { codeBytes: await javascriptBytes(outdir) };
}

/** Total size of the emitted JavaScript (entries and shared chunks), source maps excluded. */
async function javascriptBytes(directory: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(directory, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith(".js")) total += (await stat(join(entry.parentPath, entry.name))).size;
  }
  return total;
}

if (require.main === module) {
  buildBundle().then(
    ({ codeBytes }) => console.log(`dist/: ${(codeBytes / 1024).toFixed(0)} KB of JavaScript (main.js, jobs.js, notifications-worker.js, shared chunks)`),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
