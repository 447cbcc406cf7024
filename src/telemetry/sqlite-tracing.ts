import { SpanKind, trace } from '@opentelemetry/api';
import type { CompiledQuery, DatabaseConnection, Dialect, Driver, QueryResult, TransactionSettings } from 'kysely';
import { isTelemetryActive } from './lifecycle.js';
import { photovaultTracer, recordSpanError } from './tracer.js';

const MAX_QUERY_TEXT = 2000;

/**
 * SQLite through libsql has no OpenTelemetry instrumentation, so its queries are traced here, at
 * Kysely's driver seam: one CLIENT span per query (`SELECT photos`), with the parameterised SQL
 * text only (parameters are never recorded), inside a request or job only. PostgreSQL is traced
 * by the pg instrumentation.
 * When telemetry is off the dialect is returned untouched: no wrapper, no cost.
 */
export function withSqliteTracing(dialect: Dialect): Dialect {
  if (!isTelemetryActive()) return dialect;
  return {
    createAdapter: () => dialect.createAdapter(),
    createDriver: () => new TracedDriver(dialect.createDriver()),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createQueryCompiler: () => dialect.createQueryCompiler(),
  };
}

class TracedConnection implements DatabaseConnection {
  constructor(readonly inner: DatabaseConnection) {}

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    // Like the pg instrumentation's requireParentSpan: the worker's idle polling would otherwise
    // make a trace of its own every half second. Under a request whose trace is not recorded (a
    // sampled-out media GET) a child span would not be recorded either, so none is started.
    if (!trace.getActiveSpan()?.isRecording()) return this.inner.executeQuery<R>(compiledQuery);
    const { name, attributes } = spanShapeFor(compiledQuery.sql);
    // Not made the active span: nothing runs inside a query, so no context needs to carry it.
    const span = photovaultTracer().startSpan(name, { kind: SpanKind.CLIENT, attributes });
    try {
      return await this.inner.executeQuery<R>(compiledQuery);
    } catch (error) {
      recordSpanError(span, error);
      throw error;
    } finally {
      span.end();
    }
  }

  streamQuery<R>(compiledQuery: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(compiledQuery, chunkSize);
  }
}

class TracedDriver implements Driver {
  savepoint?: Driver['savepoint'];
  rollbackToSavepoint?: Driver['rollbackToSavepoint'];
  releaseSavepoint?: Driver['releaseSavepoint'];

  constructor(private readonly inner: Driver) {
    // Savepoints exist only when the inner driver has them (Kysely checks for the methods), and run
    // through the traced connection like BEGIN and COMMIT.
    if (inner.savepoint) this.savepoint = inner.savepoint.bind(inner);
    if (inner.rollbackToSavepoint) this.rollbackToSavepoint = inner.rollbackToSavepoint.bind(inner);
    if (inner.releaseSavepoint) this.releaseSavepoint = inner.releaseSavepoint.bind(inner);
  }

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return new TracedConnection(await this.inner.acquireConnection());
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.inner.releaseConnection(connection instanceof TracedConnection ? connection.inner : connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }
}

interface SpanShape {
  readonly name: string;
  readonly attributes: Readonly<Record<string, string>>;
}

// The app's SQL texts are its own few hundred parameterised shapes: each one's span name and
// attributes are worked out once (bounded, oldest first out, like the statement cache).
const MAX_SHAPES = 512;
const shapes = new Map<string, SpanShape>();

function spanShapeFor(sqlText: string): SpanShape {
  let shape = shapes.get(sqlText);
  if (shape === undefined) {
    const { operation, table } = describeQuery(sqlText);
    shape = {
      name: table ? `${operation} ${table}` : operation,
      attributes: Object.freeze({
        'db.system.name': 'sqlite',
        'db.operation.name': operation,
        'db.query.text': sqlText.slice(0, MAX_QUERY_TEXT),
        ...(table ? { 'db.collection.name': table } : {}),
      }),
    };
    if (shapes.size >= MAX_SHAPES) {
      const oldest = shapes.keys().next();
      if (!oldest.done) shapes.delete(oldest.value);
    }
    shapes.set(sqlText, shape);
  }
  return shape;
}

/** The statement's verb and first table, from Kysely's compiled SQL (identifiers are double-quoted). */
export function describeQuery(sqlText: string): { operation: string; table: string | undefined } {
  const operation = /^\s*([a-z]+)/i.exec(sqlText)?.[1]?.toUpperCase() ?? 'QUERY';
  const table = /\b(?:from|into|update|join)\s+"([^"]+)"/i.exec(sqlText)?.[1];
  return { operation, table };
}
