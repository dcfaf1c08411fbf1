import type SQLite from 'better-sqlite3';
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Handle } from './database';
import { runStatement, transactionConnection } from './sqlite-direct';

/** Stands in for a value while the query is compiled. Stored text never holds NUL (the schemas refuse it). */
const SLOT = '\u0000slot:';

export type PreparedQuery<V, R> = (db: Handle, values: V) => Promise<QueryResult<R>>;

type Compiled<R> = {
  query: CompiledQuery<R>;
  parameters: Array<(values: Record<string, unknown>) => unknown>;
  /** The statement prepared on each SQLite connection it ran on directly. */
  statements: WeakMap<SQLite.Database, SQLite.Statement>;
};

/**
 * A query that Kysely builds and compiles once per database, then runs with each call's values, as in
 * Kysely's "splitting build, compile and execute" recipe. On the callback path, building and compiling
 * the same few statements for every callback cost more than running them.
 *
 * `build` gets stand-ins for the values and must hand them to Kysely as values, never look at them:
 * a query whose shape depends on a value needs one prepared query per shape. Name each value: the
 * stand-ins have no keys, so `.values(row)` would insert nothing; write `.values({ id: row.id, … })`.
 *
 * Inside a SQLite transaction the statement runs on the better-sqlite3 connection itself (prepared once
 * per connection), with the result Kysely's driver would give: Kysely's executor, its connection lock
 * and its promises cost a callback more than the statement did. Anywhere else it goes through Kysely.
 */
export function preparedQuery<V extends Record<string, unknown>, R>(
  build: (db: Handle, values: V) => Compilable<R>,
): PreparedQuery<V, R> {
  // Keyed by the dialect's adapter, one per database: SQLite and PostgreSQL compile differently.
  const compiled = new WeakMap<object, Compiled<R>>();
  return (db, values) => {
    const adapter = db.getExecutor().adapter;
    let entry = compiled.get(adapter);
    if (!entry) {
      entry = compile(db, build);
      compiled.set(adapter, entry);
    }
    const parameters = entry.parameters.map((value) => value(values));
    const sqlite = transactionConnection(db);
    if (sqlite) return runDirect(sqlite, entry, parameters);
    return db.executeQuery<R>({ ...entry.query, parameters });
  };
}

/** As Kysely's SQLite driver runs a compiled query: rows of a reader, else the changes and the row id. */
function runDirect<R>(
  sqlite: SQLite.Database,
  entry: Compiled<R>,
  parameters: unknown[],
): Promise<QueryResult<R>> {
  try {
    let statement = entry.statements.get(sqlite);
    if (!statement) {
      statement = sqlite.prepare(entry.query.sql);
      entry.statements.set(sqlite, statement);
    }
    return Promise.resolve(runStatement<R>(statement, parameters));
  } catch (error) {
    return Promise.reject(error);
  }
}

function compile<V extends Record<string, unknown>, R>(
  db: Handle,
  build: (db: Handle, values: V) => Compilable<R>,
): Compiled<R> {
  const standIns = new Proxy({}, { get: (_, name) => `${SLOT}${String(name)}` }) as V;
  const query = build(db, standIns).compile();
  const parameters = query.parameters.map((parameter) => {
    if (typeof parameter === 'string' && parameter.startsWith(SLOT)) {
      const name = parameter.slice(SLOT.length);
      return (values: Record<string, unknown>) => values[name];
    }
    return () => parameter;
  });
  return { query, parameters, statements: new WeakMap() };
}
