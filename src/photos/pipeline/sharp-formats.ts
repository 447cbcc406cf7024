import sharp from 'sharp';
import { decoderOf, UPLOAD_FORMATS, type DecodableFormats, type ImageFormat } from './accepted-formats.js';

let decodable: DecodableFormats | undefined;

/** The upload formats this process's sharp build can decode; the allow-list never names a format it cannot read. */
export function sharpDecodableFormats(): DecodableFormats {
  decodable ??= new Set(UPLOAD_FORMATS.filter(isDecodable));
  return decodable;
}

function isDecodable(format: ImageFormat): boolean {
  const decoder = sharp.format[decoderOf(format)];
  if (!decoder.input.file) return false;
  if (format !== 'heif') return true;
  // sharp's prebuilt libheif decodes AV1 only and then lists just '.avif'; HEVC (HEIC) needs a
  // libvips built with libde265, which then lists '.heic' too.
  return decoder.input.fileSuffix?.includes('.heic') ?? false;
}
