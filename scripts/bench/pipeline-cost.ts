/**
 * CPU per photo of each upload-pipeline step, in one process, one photo after another:
 * `npx tsx scripts/bench/pipeline-cost.ts [photos=20] [jpeg|webp|gif|avif]`. CPU is process.cpuUsage()
 * (every thread: libvips and the model's thread included), which a busy shared machine disturbs far
 * less than wall time. The photo is the bench's 6-megapixel, 1.5 MB JPEG, or the same picture as a
 * WebP (q85) or AVIF (q60), both with the EXIF a phone writes, or as a GIF (a 1200 × 800 animation
 * of 4 frames, the size GIFs come in).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BuiltinScanner } from '../../src/media/scanner/builtin-scanner.js';
import { WorkerThreadModerator } from '../../src/media/moderation/worker-moderator.js';
import { moderatePhoto } from '../../src/photos/pipeline/moderate-photo.js';
import { scanUpload } from '../../src/photos/pipeline/scan-upload.js';
import { transformUpload } from '../../src/photos/pipeline/transform-upload.js';
import { validateUpload } from '../../src/photos/pipeline/validate.js';
import sharp from 'sharp';
import { photoLikeJpeg } from './images.js';

const PHOTOS = Number(process.argv[2] ?? 20);
const FORMAT = process.argv[3] ?? 'jpeg';
const MAX_PIXELS = 50_000_000;

async function benchPhoto(format: string): Promise<Buffer> {
  const jpeg = await photoLikeJpeg({ width: 3000, height: 2000, seed: 7, grain: 16, quality: 85 });
  if (format === 'jpeg') return jpeg;
  const withExif = () => sharp(jpeg).withExif({ IFD0: { Make: 'BenchCam', Model: 'One' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 2650/100' } });
  if (format === 'webp') return withExif().webp({ quality: 85 }).toBuffer();
  if (format === 'avif') return withExif().avif({ quality: 60 }).toBuffer();
  if (format !== 'gif') throw new Error(`unknown format ${format}: jpeg, webp, gif or avif`);
  const frames = await Promise.all([0, 1, 2, 3].map((i) => sharp(jpeg).extract({ left: i * 400, top: i * 200, width: 1200, height: 800 }).png().toBuffer()));
  return sharp(frames, { join: { animated: true } }).gif().toBuffer();
}

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

const dir = await mkdtemp(path.join(os.tmpdir(), 'pipeline-cost-'));
const file = path.join(dir, `photo.${FORMAT}`);
await writeFile(file, await benchPhoto(FORMAT));
const scanner = new BuiltinScanner();
const moderator = new WorkerThreadModerator({}, { idleStopMs: 0 });
const steps: Record<string, number[]> = { validate: [], scan: [], transform: [], moderate: [], total: [] };
const wall: number[] = [];
try {
  for (let i = -3; i < PHOTOS; i++) {
    const started = performance.now();
    const at = { start: cpuMs() };
    let mark = at.start;
    const step = (name: string) => {
      const now = cpuMs();
      if (i >= 0) steps[name]?.push(now - mark);
      mark = now;
    };
    await validateUpload(file, { maxPixels: MAX_PIXELS });
    step('validate');
    await scanUpload(scanner, file);
    step('scan');
    const image = await transformUpload(file, { maxPixels: MAX_PIXELS });
    step('transform');
    await moderatePhoto(moderator, image.thumbnail.data);
    step('moderate');
    if (i >= 0) {
      steps['total']?.push(cpuMs() - at.start);
      wall.push(performance.now() - started);
    }
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;
for (const [name, values] of Object.entries(steps)) console.log(`${name.padEnd(10)} ${median(values).toFixed(1).padStart(7)} ms CPU (median of ${values.length})`);
console.log(`wall       ${median(wall).toFixed(1).padStart(7)} ms per photo, one at a time; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
process.exit(0);
