import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { createTestApp } from '../../support/app.js';

// The AWS SDK is ~6 MB of heap and more of RSS (its code): a process that keeps media on the local
// disk (the default) must not load it. app.ts imports the S3 storage only when S3_BUCKET is set.
it('an app storing media on the local disk never loads the AWS SDK', async () => {
  const require = createRequire(import.meta.url);
  const awsLoaded = () => Object.keys(require.cache).filter((file) => file.includes('/@aws-sdk/'));
  expect(awsLoaded()).toEqual([]);
  const testApp = await createTestApp('sqlite');
  try {
    expect(testApp.config.s3).toBeUndefined();
    expect(awsLoaded()).toEqual([]);
  } finally {
    await testApp.close();
  }
});
