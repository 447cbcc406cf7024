import { S3ServiceException } from '@aws-sdk/client-s3';
import { ConfigError } from '../../config/env-parsers.js';

/** A missing object: S3 says NoSuchKey on GET, a bare 404 (NotFound) on HEAD. */
export function isMissingObject(error: unknown): boolean {
  if (!(error instanceof S3ServiceException)) return false;
  return error.name === 'NoSuchKey' || error.name === 'NotFound' || error.$metadata.httpStatusCode === 404;
}

/** The server does not implement an operation (s3rver has no ListMultipartUploads). */
export function isNotImplemented(error: unknown): boolean {
  return error instanceof S3ServiceException && (error.name === 'NotImplemented' || error.$metadata.httpStatusCode === 501);
}

/**
 * Turns a failed start-up check into a ConfigError naming the setting to fix. Only the error's
 * name, code and status are used: never the request, whose headers carry the signature.
 */
export function startupError(error: unknown, bucket: string): ConfigError {
  if (error instanceof S3ServiceException) {
    const status = error.$metadata.httpStatusCode;
    if (status === 404 || error.name === 'NoSuchBucket' || error.name === 'NotFound') {
      return new ConfigError('S3_BUCKET', `names a bucket that does not exist (${bucket})`);
    }
    if (status === 301 || error.name === 'PermanentRedirect') {
      return new ConfigError('AWS_REGION', `is not the region of bucket ${bucket}`);
    }
    if (status === 400 && error.name === 'AuthorizationHeaderMalformed') {
      return new ConfigError('AWS_REGION', `is not the region of bucket ${bucket}`);
    }
    if (status === 401 || status === 403) {
      return new ConfigError('AWS_ACCESS_KEY_ID', `(with AWS_SECRET_ACCESS_KEY) is refused for bucket ${bucket} (HTTP ${status})`);
    }
    return new ConfigError('S3_BUCKET', `could not be checked: the server answered ${error.name} (HTTP ${status ?? 'unknown'})`);
  }
  const name = error instanceof Error ? error.name : 'Error';
  const code = error instanceof Error ? String((error as NodeJS.ErrnoException).code ?? '') : '';
  if (name === 'CredentialsProviderError') {
    return new ConfigError('AWS_ACCESS_KEY_ID', 'and AWS_SECRET_ACCESS_KEY are needed: no AWS credentials were found');
  }
  if (error instanceof Error && /region is missing/i.test(error.message)) {
    return new ConfigError('AWS_REGION', 'is needed with S3_BUCKET');
  }
  const why = [name, code].filter(Boolean).join(' ');
  return new ConfigError('AWS_ENDPOINT_URL_S3', `could not be reached for S3_BUCKET ${bucket} (${why})`);
}
