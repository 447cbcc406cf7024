import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { getPriority } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { imageWork } from '../../src/media/images/image-work.js';
import { BACKGROUND_NICE } from '../../src/threads/background-priority.js';
import { OnDemandThread } from '../../src/threads/on-demand-thread.js';

const thisThread = () => Number(readlinkSync('/proc/thread-self').split('/').at(-1));

function threadsNamed(name: string): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      return readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim() === name ? [Number(tid)] : [];
    } catch {
      return [];
    }
  });
}

// Per-thread nice values exist on Linux only; elsewhere the functions do nothing.
describe.skipIf(process.platform !== 'linux')('background image threads below the event loop', () => {
  const thread = new OnDemandThread<null, number>({ script: path.join(import.meta.dirname, 'background-thread.ts') });
  afterAll(() => thread.stop());

  it("libvips's worker threads run at BACKGROUND_NICE after an image operation; the calling thread keeps its priority", async () => {
    const before = getPriority(thisThread());
    await imageWork(() =>
      sharp({ create: { width: 2000, height: 1500, channels: 3, background: '#3a6' } })
        .resize(640)
        .jpeg()
        .toBuffer(),
    );
    const workers = threadsNamed('libvips worker');
    expect(workers.length).toBeGreaterThan(0);
    for (const tid of workers) expect(getPriority(tid), `libvips worker ${tid}`).toBe(BACKGROUND_NICE);
    expect(getPriority(thisThread())).toBe(before);
  });

  it('a worker thread that lowers its own priority lowers only its own', async () => {
    const before = getPriority(thisThread());
    const tid = await thread.call(null, 0);
    expect(tid).not.toBe(thisThread());
    expect(getPriority(tid)).toBe(BACKGROUND_NICE);
    expect(getPriority(thisThread())).toBe(before);
  });
});
