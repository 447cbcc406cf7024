import { AppError } from '../../errors/catalog.js';

// RFC 9110 5.6.6: parameters are `; token=(token / quoted-string)`, whitespace allowed around ';',
// and a ';' may stand alone.
const PARAMETER = /[ \t]*;[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)=("(?:[\t\x20\x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t\x20-\x7e\x80-\xff])*"|[!#$%&'*+.^_`|~0-9A-Za-z-]*)/y;
const EMPTY_PARAMETER = /[ \t]*;[ \t]*(?=;|$)|[ \t]+$/y;
// RFC 2046 5.1.1: 1 to 70 bchars, not ending in a space. Quotes, backslashes and semicolons are not
// bchars, so every parser (ours, busboy's, a proxy's) reads the same boundary or none.
const BOUNDARY = /^[0-9A-Za-z'()+_,\-./:=? ]{0,69}[0-9A-Za-z'()+_,\-./:=?]$/;
const UTF8_CHARSETS = new Set(['utf-8', 'utf8', 'us-ascii']);

/**
 * The boundary of a multipart/form-data Content-Type, checked before the body is parsed: one
 * boundary parameter of valid length and characters, no parameter twice, no charset but UTF-8.
 * busboy would throw a bare Error on a boundary over 252 characters (a 500) and take the first of
 * two boundary parameters where another parser may take the last.
 */
export function multipartBoundary(contentType: string): string {
  const semicolon = contentType.indexOf(';');
  const mediaType = (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
  if (mediaType !== 'multipart/form-data') throw new AppError('unsupported_media_type', { detail: 'Send the photo as multipart/form-data in the field “image”.' });
  const parameters = new Map<string, string>();
  let position = semicolon === -1 ? contentType.length : semicolon;
  while (position < contentType.length) {
    PARAMETER.lastIndex = position;
    EMPTY_PARAMETER.lastIndex = position;
    const match = PARAMETER.exec(contentType);
    if (!match) {
      if (!EMPTY_PARAMETER.test(contentType)) throw malformed('The Content-Type header is malformed.');
      position = EMPTY_PARAMETER.lastIndex;
      continue;
    }
    position = PARAMETER.lastIndex;
    const [, name = '', raw = ''] = match;
    const key = name.toLowerCase();
    if (parameters.has(key)) throw malformed(`The Content-Type header gives the ${key} parameter more than once.`);
    parameters.set(key, raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
  }
  const charset = parameters.get('charset');
  if (charset !== undefined && !UTF8_CHARSETS.has(charset.toLowerCase())) {
    throw new AppError('unsupported_media_type', { detail: 'Send the upload as UTF-8 (no charset, or charset=utf-8).' });
  }
  const boundary = parameters.get('boundary');
  if (boundary === undefined) throw malformed('The upload is not a valid multipart/form-data body (no boundary).');
  if (!BOUNDARY.test(boundary)) {
    throw malformed("The multipart boundary must be 1 to 70 letters, digits or '()+_,-./:=? characters (RFC 2046).");
  }
  return boundary;
}

function malformed(detail: string): AppError {
  return new AppError('bad_request', { detail });
}
