import { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { isMissingObject, isNotImplemented, startupError } from './s3-errors.js';
import { putObject } from './s3-put.js';
import { S3StagedObjects } from './s3-staged-objects.js';
import { MediaNotFoundError, type MediaLinks, type MediaStorage, type SignedLinkOptions, type StoredMedia } from './storage.js';
import { assertValidStorageKey, isValidStorageKey } from './storage-key.js';

/** The presigner is loaded on the first signed link: only `MEDIA_DELIVERY=redirect` uses it. */
const presigner = () => import('@aws-sdk/s3-request-presigner');
/** The longest a signed link lives (issue 14: at most 5 minutes). */
export const MAX_LINK_SECONDS = 300;

export interface S3StorageOptions {
  readonly bucket: string;
  /** Prepended to every key ('' or ending in '/'), so one bucket can hold other things too. */
  readonly prefix: string;
  /** Undefined: the SDK's own chain (AWS_REGION, the shared config file). */
  readonly region: string | undefined;
  /** Undefined: AWS itself. */
  readonly endpoint: string | undefined;
  /** Path-style URLs (MinIO, s3rver, Ceph) instead of virtual-hosted bucket names. */
  readonly forcePathStyle: boolean;
  /** Undefined: the SDK's default provider chain (environment, profile, container or instance role). */
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken?: string | undefined } | undefined;
  /** Connecting, waiting for an answer, and any stall while streaming, each at most this long. */
  readonly timeoutMs: number;
  /** Keys per ListObjectsV2 page (tests make it small to cross pages). */
  readonly listPageSize?: number;
}

/** The SDK client S3Storage uses: checksums that non-AWS servers accept, and timeouts everywhere. */
export function createS3Client(options: S3StorageOptions): S3Client {
  return new S3Client({
    region: options.region,
    endpoint: options.endpoint,
    forcePathStyle: options.forcePathStyle,
    // A copy: the SDK marks the object it is given, and configuration is frozen.
    credentials: options.credentials && { ...options.credentials },
    // The default checksums (SDK >= 3.729) break MinIO, Ceph, s3rver and others.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A hung server must never hang a request: connecting, the wait for an answer, and any stall
    // while streaming a body are each bounded.
    requestHandler: {
      connectionTimeout: Math.min(options.timeoutMs, 5000),
      requestTimeout: options.timeoutMs,
      throwOnRequestTimeout: true,
      socketTimeout: options.timeoutMs,
    },
  });
}

/**
 * Media as objects in an S3-compatible bucket. PutObject and CompleteMultipartUpload make an object
 * appear whole or not at all, so there are no temporary objects; what a crash can leave is an
 * unfinished multipart upload, which is invisible to readers and aborted by removeIncomplete.
 */
export class S3Storage implements MediaStorage, MediaLinks {
  private constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
    private readonly listPageSize: number,
  ) {}

  /** Storage over `client` (by default one made from the options), without checking that it answers. */
  static create(options: S3StorageOptions, client: S3Client = createS3Client(options)): S3Storage {
    return new S3Storage(client, options.bucket, options.prefix, options.listPageSize ?? 1000);
  }

  /** Creates the client and checks the bucket (HeadBucket); a failure is a ConfigError naming the setting. */
  static async open(options: S3StorageOptions): Promise<S3Storage> {
    const storage = S3Storage.create(options);
    try {
      await storage.ping();
    } catch (error) {
      storage.close();
      throw startupError(error, options.bucket);
    }
    return storage;
  }

  async put(key: string, data: Buffer): Promise<void> {
    // octet-stream: should the bucket ever be made public, no object renders as a page.
    await putObject(this.client, { Bucket: this.bucket, Key: this.objectKey(key), ContentType: 'application/octet-stream' }, data);
  }

  async putFile(key: string, file: string): Promise<void> {
    await putObject(this.client, { Bucket: this.bucket, Key: this.objectKey(key), ContentType: 'application/octet-stream' }, { file });
  }

  async get(key: string): Promise<StoredMedia> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      // One GET answers one version of the object: size and bytes cannot come from two writes.
      const body = response.Body;
      if (!(body instanceof Readable)) throw new Error('S3 answered a GET without a body');
      if (response.ContentLength === undefined) {
        body.destroy();
        throw new Error('S3 answered a GET without a length');
      }
      return { stream: body, size: response.ContentLength };
    } catch (error) {
      if (isMissingObject(error)) throw new MediaNotFoundError(key);
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    // S3 answers 204 for a missing key too.
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.objectKey(key) }));
      return true;
    } catch (error) {
      if (isMissingObject(error)) return false;
      throw error;
    }
  }

  async *listKeys(): AsyncIterable<string> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken: token, MaxKeys: this.listPageSize }),
      );
      for (const object of page.Contents ?? []) {
        const key = object.Key?.slice(this.prefix.length);
        // Anything else in the bucket under our prefix is not ours to report (or to sweep).
        if (key !== undefined && isValidStorageKey(key)) yield key;
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  /**
   * Aborts our multipart uploads started before `before`: a process that died mid-upload leaves
   * parts that are billed but never become an object. Servers that cannot list uploads (s3rver)
   * count as having none; a bucket lifecycle rule (AbortIncompleteMultipartUpload) is the backstop.
   */
  async removeIncomplete(before: number): Promise<number> {
    let removed = 0;
    let keyMarker: string | undefined;
    let uploadIdMarker: string | undefined;
    do {
      let page;
      try {
        page = await this.client.send(
          new ListMultipartUploadsCommand({ Bucket: this.bucket, Prefix: this.prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
        );
      } catch (error) {
        if (isNotImplemented(error)) return removed;
        throw error;
      }
      for (const upload of page.Uploads ?? []) {
        const key = upload.Key?.slice(this.prefix.length);
        if (key === undefined || !isValidStorageKey(key) || !upload.UploadId) continue;
        if ((upload.Initiated?.getTime() ?? before) >= before) continue;
        await this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: upload.Key, UploadId: upload.UploadId }));
        removed++;
      }
      [keyMarker, uploadIdMarker] = page.IsTruncated ? [page.NextKeyMarker, page.NextUploadIdMarker] : [undefined, undefined];
    } while (keyMarker);
    return removed;
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /**
   * A GET link for one object that expires in at most five minutes, with the content type,
   * disposition and caching of the response fixed by the signature (the client cannot change them).
   */
  async signedUrl(key: string, options: SignedLinkOptions): Promise<string> {
    if (!(options.expiresInSeconds > 0 && options.expiresInSeconds <= MAX_LINK_SECONDS)) throw new RangeError('A signed link lives 1 to 300 seconds');
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: this.objectKey(key),
      ResponseContentType: options.contentType,
      ResponseContentDisposition: options.contentDisposition,
      ResponseCacheControl: `private, max-age=${options.expiresInSeconds}`,
    });
    return (await presigner()).getSignedUrl(this.client, command, { expiresIn: options.expiresInSeconds });
  }

  async linkOrigin(): Promise<string> {
    // Signing is local: the SDK builds the URL it would use (virtual-hosted or path-style).
    return new URL(await (await presigner()).getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.bucket, Key: this.prefix || 'x' }), { expiresIn: 1 })).origin;
  }

  /** Staged uploads in the same bucket, under `<prefix>staging/` (no media key can start so). */
  stagedObjects(): S3StagedObjects {
    return new S3StagedObjects(this.client, this.bucket, `${this.prefix}staging/`);
  }

  /** Closes the client's idle connections. */
  close(): void {
    this.client.destroy();
  }

  private objectKey(key: string): string {
    assertValidStorageKey(key);
    return `${this.prefix}${key}`;
  }
}
