import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { Handle } from './database';

/** Stands in for a value while the query is compiled. Stored text never holds NUL (the schemas refuse it). */
const SLOT = '\u0000slot:';

export type PreparedQuery<V, R> = (db: Handle, values: V) => Promise<QueryResult<R>>;

type Compiled<R> = {
  query: CompiledQuery<R>;
  parameters: Array<(values: Record<string, unknown>) => unknown>;
};

/**
 * A query that Kysely builds and compiles once per database, then runs with each call's values, as in
 * Kysely's "splitting build, compile and execute" recipe. On the callback path, building and compiling
 * the same few statements for every callback cost more than running them.
 *
 * `build` gets stand-ins for the values and must hand them to Kysely as values, never look at them:
 * a query whose shape depends on a value needs one prepared query per shape. Name each value: the
 * stand-ins have no keys, so `.values(row)` would insert nothing; write `.values({ id: row.id, … })`.
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
    return db.executeQuery<R>({ ...entry.query, parameters });
  };
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
  return { query, parameters };
}
