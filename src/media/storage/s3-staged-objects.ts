import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { isMissingObject } from './s3-errors.js';
import { putObject } from './s3-put.js';

// A staged upload is named by its photo id (128 random bits as hex) and nothing else.
const STAGED_NAME = /^([0-9a-f]{32})\.upload$/;

/** One staged object as listed: its photo id and when it was written. */
export interface StagedObject {
  readonly photoId: string;
  readonly modifiedAt: number;
}

/**
 * Uploads waiting for their job, as objects `<prefix>staging/<photo id>.upload` of the media bucket,
 * so a worker on any machine can read what a web instance on another received. Media keys
 * (`<photo id>/<name>`) can never be `staging/…` (storage-key.ts), so the media sweep never sees these.
 */
export class S3StagedObjects {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    /** The bucket's prefix plus `staging/`. */
    private readonly prefix: string,
  ) {}

  /** Streams a local file up (in parts when large, never buffered whole); the object appears whole or not at all. */
  async putFile(photoId: string, file: string): Promise<void> {
    await putObject(this.client, { Bucket: this.bucket, Key: this.objectKey(photoId), ContentType: 'application/octet-stream' }, { file });
  }

  /** Writes the staged object into `file`; false when there is none. */
  async getToFile(photoId: string, file: string): Promise<boolean> {
    let body;
    try {
      body = (await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(photoId) }))).Body;
    } catch (error) {
      if (isMissingObject(error)) return false;
      throw error;
    }
    if (!(body instanceof Readable)) throw new Error('S3 answered a GET without a body');
    await pipeline(body, createWriteStream(file, { mode: 0o600 }));
    return true;
  }

  async delete(photoId: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(photoId) }));
  }

  /** Every staged object under the prefix (anything else there is not ours and is skipped). */
  async *list(): AsyncIterable<StagedObject> {
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token }));
      for (const object of page.Contents ?? []) {
        const photoId = STAGED_NAME.exec(object.Key?.slice(this.prefix.length) ?? '')?.[1];
        if (photoId !== undefined) yield { photoId, modifiedAt: object.LastModified?.getTime() ?? Date.now() };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  private objectKey(photoId: string): string {
    if (!/^[0-9a-f]{32}$/.test(photoId)) throw new Error('Invalid photo id for a staged upload');
    return `${this.prefix}${photoId}.upload`;
  }
}
