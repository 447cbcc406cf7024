/**
 * Failpoints for the fault-injection suite (test/reliability/): named places in the job code where
 * a test can stop a real server process, to SIGKILL it at an exact step. Only a process started
 * with NODE_ENV=test and PHOTOVAULT_FAILPOINTS=name[,name…] has any; everywhere else `failpoint()`
 * is a set look-up that finds nothing. (The idea is etcd's gofail and FreeBSD's fail(9); no npm
 * package offers it for Node, and it is a few lines.)
 *
 * At an active failpoint the process writes `FAILPOINT <name>` to stderr and waits there for ever,
 * holding whatever it held: the test sees the line and kills the process.
 */
const active: ReadonlySet<string> =
  process.env.NODE_ENV === 'test' && process.env.PHOTOVAULT_FAILPOINTS
    ? new Set(process.env.PHOTOVAULT_FAILPOINTS.split(',').map((name) => name.trim()).filter(Boolean))
    : new Set();

export async function failpoint(name: string): Promise<void> {
  if (!active.has(name)) return;
  process.stderr.write(`FAILPOINT ${name}\n`);
  await new Promise<never>(() => {});
}
