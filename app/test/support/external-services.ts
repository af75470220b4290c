/**
 * Integration suites need real PostgreSQL and Redis (`eval "$(.ci/start-services.sh)"`). Without them
 * a suite is skipped with the reason printed, except in CI, where a missing service is a failure:
 * a silently skipped integration suite would let CI pass without ever testing against real services.
 */
export function requireServiceUrl(context: Mocha.Context, variable: string): string {
  const value = process.env[variable];
  if (value) return value;
  const reason = `${variable} is not set (run: eval "$(.ci/start-services.sh)")`;
  if (process.env.CI === "true") throw new Error(`CI=true but ${reason}`);
  console.log(`      skipped: ${reason}`);
  context.skip();
}
