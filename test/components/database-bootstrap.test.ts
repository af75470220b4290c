import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BOOTSTRAP_SCRIPT } from "../../components/database-bootstrap";

/**
 * The bootstrap Job's SQL, run for real against PostgreSQL with a master role that has CREATEROLE and CREATEDB but
 * is not a superuser (RDS's master user is the same). .ci/run starts the server and exports TEST_PG_*.
 */
const admin = { user: process.env.TEST_PG_ADMIN_USER, password: process.env.TEST_PG_ADMIN_PASSWORD, host: process.env.TEST_PG_HOST, port: process.env.TEST_PG_PORT };

describe("components/database-bootstrap (SQL against a real PostgreSQL)", function () {
    this.timeout(60_000);
    before(function () {
        if (admin.user && admin.password && admin.host) return;
        if (process.env.CI) throw new Error("TEST_PG_ADMIN_USER/PASSWORD/HOST are not set: .ci/start-services.sh must run first");
        console.log("    (skipped: run `eval \"$(.ci/start-services.sh)\"` to test against a real PostgreSQL)");
        this.skip();
    });

    const role = `app_${process.pid}`;
    const database = `appdb_${process.pid}`;
    const appPassword = "app/pass\\word";

    /** Runs the Job's script the way its containers do, with the master secret as Secrets Manager returns it. */
    function runBootstrap(iamAuthentication: boolean): string {
        const work = mkdtempSync(join(tmpdir(), "bootstrap-"));
        // Secrets Manager returns the JSON RDS wrote: "/" may arrive escaped as "\/", "\" always as "\\".
        writeFileSync(join(work, "master.json"), JSON.stringify({ username: admin.user, password: admin.password }).replace(/\//g, "\\/"));
        return execFileSync("sh", ["-c", BOOTSTRAP_SCRIPT.replaceAll("/work/", `${work}/`)], {
            stdio: ["ignore", "pipe", "pipe"],
            encoding: "utf8",
            env: {
                PATH: process.env.PATH, PGHOST: admin.host, PGPORT: admin.port ?? "5432", PGDATABASE: "postgres", PGSSLMODE: "disable",
                APP_DATABASE: database, APP_ROLE: role, APP_IAM_AUTH: String(iamAuthentication), ...(iamAuthentication ? {} : { APP_PASSWORD: appPassword }),
            },
        });
    }

    function adminSql(sql: string): string {
        return execFileSync("psql", ["-h", admin.host!, "-p", admin.port ?? "5432", "-U", admin.user!, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-qAtc", sql], {
            stdio: ["ignore", "pipe", "pipe"],
            encoding: "utf8", env: { PATH: process.env.PATH, PGPASSWORD: admin.password, PGSSLMODE: "disable" },
        }).trim();
    }

    function psqlAs(user: string, password: string, sql: string): string {
        return execFileSync("psql", ["-h", admin.host!, "-p", admin.port ?? "5432", "-U", user, "-d", database, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], {
            stdio: ["ignore", "pipe", "pipe"],
            encoding: "utf8", env: { PATH: process.env.PATH, PGPASSWORD: password, PGSSLMODE: "disable" },
        }).trim();
    }

    it("creates the role and its database on a fresh instance, and the role owns what it creates", () => {
        expect(runBootstrap(false)).to.include(`database ${database} and role ${role} are in place`);
        expect(psqlAs(role, appPassword, "CREATE TABLE t (id int); INSERT INTO t VALUES (1); SELECT count(*) FROM t;")).to.equal("1");
    });

    it("is idempotent: a second run succeeds and keeps the data", () => {
        runBootstrap(false);
        expect(psqlAs(role, appPassword, "SELECT count(*) FROM t;")).to.equal("1");
    });

    it("switches the role to IAM database authentication: member of rds_iam, the old password no longer works", () => {
        // RDS creates rds_iam on every instance; a plain PostgreSQL needs it made.
        adminSql("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'rds_iam') THEN CREATE ROLE rds_iam; END IF; END $$");
        expect(runBootstrap(true)).to.include(`database ${database} and role ${role} are in place`);
        expect(adminSql(`SELECT pg_has_role('${role}', 'rds_iam', 'member')`)).to.equal("t");
        expect(() => psqlAs(role, appPassword, "SELECT 1")).to.throw(/password authentication failed|no password/);
        // Idempotent in IAM mode too, and the data stays.
        runBootstrap(true);
        expect(adminSql(`SELECT count(*) FROM pg_database WHERE datname = '${database}'`)).to.equal("1");
    });

    it("keeps other roles out of the application's database", () => {
        expect(() => psqlAs(admin.user!, admin.password!, "SELECT 1")).to.not.throw();
        const outsider = `outsider_${process.pid}`;
        execFileSync("psql", ["-h", admin.host!, "-p", admin.port ?? "5432", "-U", admin.user!, "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", `CREATE ROLE ${outsider} LOGIN PASSWORD 'x'`], {
            stdio: ["ignore", "pipe", "pipe"],
            env: { PATH: process.env.PATH, PGPASSWORD: admin.password, PGSSLMODE: "disable" },
        });
        expect(() => psqlAs(outsider, "x", "SELECT 1")).to.throw(/permission denied|not permitted/);
    });
});
