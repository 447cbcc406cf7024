import { describe, expect, it, vi } from 'vitest';
import type { ImageFormat } from '../../../src/photos/pipeline/accepted-formats.js';
import type { ProcessPhotoDeps } from '../../../src/photos/processing/process-photo-job.js';

// What this process's sharp decodes, as a test sets it (the installed sharp is the prebuilt one).
const decodes = vi.hoisted(() => ({ formats: new Set<ImageFormat>(['jpeg', 'png', 'webp', 'gif', 'avif']) }));
vi.mock('../../../src/photos/pipeline/sharp-formats.js', () => ({ sharpDecodableFormats: () => decodes.formats }));

const { loadPhotoProcessing } = await import('../../../src/photos/processing/photo-processing.js');
const { validateUpload } = await import('../../../src/photos/pipeline/validate.js');
const { validateUploadHeader } = await import('../../../src/photos/pipeline/validate-header.js');

function depsLogging(): { deps: ProcessPhotoDeps; warn: ReturnType<typeof vi.fn> } {
  const warn = vi.fn();
  return { deps: { log: { warn } } as unknown as ProcessPhotoDeps, warn };
}

describe('loadPhotoProcessing', () => {
  it('where jobs run: validates with sharp, and says nothing while its decoders are the prebuilt set', async () => {
    const { deps, warn } = depsLogging();
    const processing = await loadPhotoProcessing(true, deps);
    expect(processing.validate).toBe(validateUpload);
    expect(warn).not.toHaveBeenCalled();
  });

  it('where jobs run: warns once at start-up when its sharp decodes another set than web-only instances accept', async () => {
    decodes.formats = new Set<ImageFormat>(['jpeg', 'png', 'webp', 'gif', 'avif', 'heif']);
    const { deps, warn } = depsLogging();
    await loadPhotoProcessing(true, deps);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(warn.mock.calls[0]?.[0]).toMatchObject({ event: 'decoders_differ', decodes: expect.arrayContaining(['heif']), web_only_accepts: expect.not.arrayContaining(['heif']) });
  });

  it('web-only: validates with the header-only parser and builds no pipeline until a job runs', async () => {
    const { deps, warn } = depsLogging();
    const processing = await loadPhotoProcessing(false, deps);
    expect(processing.validate).toBe(validateUploadHeader);
    // Decoders still differ (the test above): no warning, because the pipeline and its decoder
    // check are not set up at start-up on a web-only instance.
    expect(warn).not.toHaveBeenCalled();
  });
});
