import { parseArgs } from "node:util";

/**
 * Prints a dev token from a locally running API (embedded mode, started with DEV_TOKENS=enabled):
 *   npm run token -w app -- --sub alice --role admin
 * The signing key lives only in the server process, so the token is minted there, via POST /dev/token.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sub: { type: "string", default: "dev-user" },
      role: { type: "string", multiple: true, default: [] },
      ttl: { type: "string", default: "3600" },
      url: { type: "string", default: `http://localhost:${process.env.PORT ?? "8080"}` },
    },
  });
  const response = await fetch(`${values.url}/dev/token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ sub: values.sub, roles: values.role, ttlSeconds: Number(values.ttl) }),
  });
  const body = (await response.json()) as { access_token?: string; message?: string };
  if (!response.ok || !body.access_token) {
    throw new Error(`POST ${values.url}/dev/token answered ${response.status}: ${body.message ?? "no token"} ` +
      "(dev tokens exist only with DEV_TOKENS=enabled, on the embedded database)");
  }
  console.log(body.access_token);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
