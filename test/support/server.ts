import type { AddressInfo } from 'node:net';
import { createTestApp, type TestApp, type TestAppOptions } from './app.js';
import type { Dialect } from './databases.js';

export interface ListeningApp extends TestApp {
  /** e.g. http://127.0.0.1:41234 */
  readonly origin: string;
}

/** The real app listening on a real socket on a free loopback port. */
export async function startListeningApp(dialect: Dialect = 'sqlite', env: Record<string, string> = {}, options: TestAppOptions = {}): Promise<ListeningApp> {
  const t = await createTestApp(dialect, env, options);
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.address() as AddressInfo;
  return { ...t, origin: `http://127.0.0.1:${port}` };
}
