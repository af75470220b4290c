import { expect } from "chai";
import { databaseBreaker, DatabaseUnavailableError, guardWriter, isUnreachable, isWriterUnreachable, readerWithFallback, writerThenReader } from "../src/db/database-roles";
import type { Db, QueryResult } from "../src/db/db";

const refused = Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:5432"), { code: "ECONNREFUSED" });
const duplicate = Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505" });
const readOnly = Object.assign(new Error("cannot execute UPDATE in a read-only transaction"), { code: "25006" });

/** A database that answers with `rows`, or fails with whatever `failure` holds at the time of the call. */
type FakeDb = Db & { failure: Error | undefined; calls: number };

function fakeDb(rows: Array<Record<string, unknown>>): FakeDb {
  const db: FakeDb = {
    kind: "postgres",
    failure: undefined,
    calls: 0,
    async query<Row>(): Promise<QueryResult<Row>> {
      db.calls += 1;
      if (db.failure) throw db.failure;
      return { rows: rows as Row[], rowCount: rows.length };
    },
    exec: async () => undefined,
    // A connection is taken before the work runs: an unreachable server fails there.
    async transaction<T>(work: (tx: Db) => Promise<T>): Promise<T> {
      db.calls += 1;
      if (db.failure) throw db.failure;
      return work(db);
    },
    close: async () => undefined,
  };
  return db;
}

describe("database roles: the writer's circuit and the replica's fallback", () => {
  it("tells a database out of reach from one refusing a statement", () => {
    expect(isUnreachable(refused)).to.equal(true);
    expect(isUnreachable(Object.assign(new Error("terminating connection due to administrator command"), { code: "57P01" }))).to.equal(true);
    expect(isUnreachable(Object.assign(new Error("connection failure"), { code: "08006" }))).to.equal(true);
    expect(isUnreachable(new Error("timeout exceeded when trying to connect"))).to.equal(true);
    expect(isUnreachable(new Error("Connection terminated unexpectedly"))).to.equal(true);
    expect(isUnreachable(duplicate)).to.equal(false);
    expect(isUnreachable(Object.assign(new Error("cannot execute UPDATE in a read-only transaction"), { code: "25006" }))).to.equal(false);
  });

  it("opens the writer's circuit on unreachability only: statement errors pass through unchanged and keep it closed", async () => {
    const raw = fakeDb([]);
    const breaker = databaseBreaker({ role: "writer" });
    const writer = guardWriter(raw, breaker);
    raw.failure = duplicate;
    for (let attempt = 0; attempt < 5; attempt++) {
      const error = await writer.query("INSERT …").catch((caught: unknown) => caught);
      expect(error).to.equal(duplicate);
    }
    expect(breaker.currentState).to.equal("closed");

    raw.failure = refused;
    for (let attempt = 0; attempt < 3; attempt++) {
      const error = await writer.transaction(async () => undefined).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(DatabaseUnavailableError).and.to.include({ role: "writer" });
    }
    expect(breaker.currentState).to.equal("open");
    const callsBefore = raw.calls;
    expect(await writer.query("SELECT 1").catch((caught: unknown) => caught)).to.be.instanceOf(DatabaseUnavailableError);
    expect(raw.calls, "an open circuit fails without calling the database").to.equal(callsBefore);
    breaker.close();
  });

  it("counts a read-only refusal on the writer (a demoted primary) as unreachable, and on the replica as the refusal it is", async () => {
    expect(isWriterUnreachable(readOnly)).to.equal(true);
    expect(isWriterUnreachable(duplicate)).to.equal(false);
    const raw = fakeDb([]);
    raw.failure = readOnly;
    const breaker = databaseBreaker({ role: "writer" });
    const writer = guardWriter(raw, breaker);
    for (let attempt = 0; attempt < 3; attempt++) {
      const error = await writer.transaction(async () => undefined).catch((caught: unknown) => caught);
      expect(error).to.be.instanceOf(DatabaseUnavailableError).and.to.include({ role: "writer" });
    }
    expect(breaker.currentState).to.equal("open");
    breaker.close();

    const replica = fakeDb([]);
    replica.failure = readOnly;
    const readerBreaker = databaseBreaker({ role: "reader" });
    let fallbacks = 0;
    const reader = readerWithFallback(replica, fakeDb([{ from: "writer" }]), { breaker: readerBreaker, onFallback: () => (fallbacks += 1) });
    expect(await reader.query("UPDATE …").catch((caught: unknown) => caught)).to.equal(readOnly);
    expect(fallbacks).to.equal(0);
    expect(readerBreaker.currentState).to.equal("closed");
    readerBreaker.close();
  });

  it("falls back from the replica to the writer when the replica is out of reach, not when it refuses a statement", async () => {
    const replica = fakeDb([{ from: "replica" }]);
    const primary = fakeDb([{ from: "primary" }]);
    let fallbacks = 0;
    const breaker = databaseBreaker({ role: "reader" });
    const reader = readerWithFallback(replica, primary, { breaker, onFallback: () => (fallbacks += 1) });
    expect((await reader.query("SELECT")).rows).to.deep.equal([{ from: "replica" }]);
    replica.failure = refused;
    expect((await reader.query("SELECT")).rows).to.deep.equal([{ from: "primary" }]);
    expect(fallbacks).to.equal(1);
    replica.failure = duplicate;
    expect(await reader.query("SELECT").catch((caught: unknown) => caught)).to.equal(duplicate);
    expect(fallbacks).to.equal(1);
    breaker.close();
  });

  it("reads one's own writes from the writer, and from the replica only while the writer is out of reach", async () => {
    const replica = fakeDb([{ from: "replica" }]);
    const primary = fakeDb([{ from: "primary" }]);
    const breaker = databaseBreaker({ role: "writer" });
    const own = writerThenReader(guardWriter(primary, breaker), replica);
    expect((await own.query("SELECT")).rows).to.deep.equal([{ from: "primary" }]);
    primary.failure = refused;
    expect((await own.query("SELECT")).rows).to.deep.equal([{ from: "replica" }]);
    primary.failure = duplicate;
    expect(await own.query("SELECT").catch((caught: unknown) => caught)).to.equal(duplicate);
    breaker.close();
  });
});
