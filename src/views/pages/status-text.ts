/** What each photo status means to its owner. */
export const STATUS_TEXT: Readonly<Record<string, string>> = {
  queued: 'Waiting to be processed',
  scanning: 'Scanning for malware',
  processing: 'Processing',
  pending_scan: 'Waiting for the malware scanner',
  ready: 'Ready',
  held: 'Held for review',
  rejected: 'Rejected',
  failed: 'Processing failed',
  removed: 'Removed by a moderator',
};

/** Rough progress through the pipeline, for the progress bar. */
export const STATUS_PROGRESS: Readonly<Record<string, number>> = {
  queued: 10,
  pending_scan: 20,
  scanning: 35,
  processing: 70,
  ready: 100,
  held: 100,
  rejected: 100,
  failed: 100,
  removed: 100,
};
