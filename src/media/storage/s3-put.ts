import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { PutObjectCommand, type PutObjectCommandInput, type S3Client } from '@aws-sdk/client-s3';

/** Objects larger than this go up in parts (lib-storage's Upload); S3's smallest part is 5 MiB. */
export const MULTIPART_THRESHOLD = 5 * 1024 * 1024;
const PART_SIZE = 5 * 1024 * 1024;

type PutParams = Pick<PutObjectCommandInput, 'Bucket' | 'Key' | 'ContentType'>;

/**
 * One object from a buffer or a local file; the object appears whole or not at all. Up to
 * MULTIPART_THRESHOLD it is one PutObject (a file is streamed with its length, never buffered);
 * larger ones go up in parts through lib-storage's Upload, at most two parts in memory at once,
 * and a failed multipart upload is aborted. lib-storage is loaded only when a large object is
 * written, so a process that never writes one (most web instances) never holds it.
 */
export async function putObject(client: S3Client, params: PutParams, body: Buffer | { readonly file: string }): Promise<void> {
  const size = Buffer.isBuffer(body) ? body.length : (await stat(body.file)).size;
  const data = () => (Buffer.isBuffer(body) ? body : createReadStream(body.file));
  if (size <= MULTIPART_THRESHOLD) {
    await client.send(new PutObjectCommand({ ...params, Body: data(), ContentLength: size }));
    return;
  }
  const { Upload } = await import('@aws-sdk/lib-storage');
  await new Upload({ client, params: { ...params, Body: data() }, partSize: PART_SIZE, queueSize: 2, leavePartsOnError: false }).done();
}
