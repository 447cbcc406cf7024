import type { JobHandler, QueuedJob } from '../../jobs/job-queue.js';
import { PREBUILT_SHARP_FORMATS, UPLOAD_FORMATS } from '../pipeline/accepted-formats.js';
import type { UploadValidator } from '../pipeline/upload-checks.js';
import { validateUploadHeader } from '../pipeline/validate-header.js';
import type { ProcessPhotoDeps } from './process-photo-job.js';

/** The upload gate and the photo job's handler, as this process's shape needs them. */
export interface PhotoProcessing {
  readonly validate: UploadValidator;
  readonly handler: JobHandler;
}

/**
 * Where jobs run (the embedded default, `npm run worker`): sharp validates uploads and the job's
 * pipeline is loaded at start-up. A web-only instance (WORKER_IN_PROCESS=false) never loads sharp,
 * libvips or the moderation model (issue 14 item 5): uploads pass the header-only validator, and
 * the pipeline is imported only if this process is ever made to run a job (tests drive its queue).
 */
export async function loadPhotoProcessing(runsJobs: boolean, deps: ProcessPhotoDeps): Promise<PhotoProcessing> {
  if (!runsJobs) return { validate: validateUploadHeader, handler: loadedOnFirstJob(() => createPipelineJob(deps)) };
  const [{ validateUpload }, handler] = await Promise.all([import('../pipeline/validate.js'), createPipelineJob(deps)]);
  return { validate: validateUpload, handler };
}

async function createPipelineJob(deps: ProcessPhotoDeps): Promise<JobHandler> {
  const [{ default: sharp }, { createProcessPhotoJob }, { sharpDecodableFormats }] = await Promise.all([
    import('sharp'),
    import('./process-photo-job.js'),
    import('../pipeline/sharp-formats.js'),
  ]);
  // libvips' operation cache would keep staged uploads open after they are deleted.
  sharp.cache(false);
  const decodable = sharpDecodableFormats();
  const differs = UPLOAD_FORMATS.filter((format) => decodable.has(format) !== PREBUILT_SHARP_FORMATS.has(format));
  if (differs.length > 0) {
    deps.log.warn(
      { event: 'decoders_differ', decodes: [...decodable], web_only_accepts: [...PREBUILT_SHARP_FORMATS] },
      "this sharp's decoders differ from what web-only instances accept at upload (sharp's prebuilt set); such photos are refused at the door or rejected here",
    );
  }
  return createProcessPhotoJob(deps);
}

function loadedOnFirstJob(load: () => Promise<JobHandler>): JobHandler {
  let loaded: Promise<JobHandler> | undefined;
  const handler = () => (loaded ??= load());
  return {
    run: async (job: QueuedJob) => (await handler()).run(job),
    onGiveUp: async (job: QueuedJob, error: unknown) => (await handler()).onGiveUp?.(job, error),
  };
}
