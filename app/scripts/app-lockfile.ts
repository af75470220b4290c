import { execFileSync } from "node:child_process";
import { copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Regenerates app/package-lock.json, the lockfile the image's `npm ci` installs from (the build
 * context is app/ alone). npm ignores lockfiles inside workspaces, so it is resolved in a scratch
 * directory holding only app/package.json. Run after changing the app's dependencies:
 *   npm run lockfile -w app
 */
async function main(): Promise<void> {
  const appRoot = join(__dirname, "..");
  const scratch = await mkdtemp(join(tmpdir(), "shop-api-lock-"));
  try {
    await copyFile(join(appRoot, "package.json"), join(scratch, "package.json"));
    execFileSync("npm", ["install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund"], {
      cwd: scratch,
      stdio: "inherit",
    });
    await copyFile(join(scratch, "package-lock.json"), join(appRoot, "package-lock.json"));
    console.log("app/package-lock.json updated");
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
