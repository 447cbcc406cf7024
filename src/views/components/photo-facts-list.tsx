import type { PhotoFacts } from '../../media/images/photo-facts.js';
import { formatDay, formatTaken } from '../photo-dates.js';

/** What the EXIF said, as stored (migration 0008), and the upload time; shown to the photo's owner only. */
export interface PhotoFactsView extends PhotoFacts {
  readonly createdAt: number;
}

/** The date taken (else uploaded), camera, lens, exposure and, when kept, location: `<dt>/<dd>` pairs for a `dl.facts`. */
export function PhotoFactsList({ facts }: { readonly facts: PhotoFactsView }) {
  const camera = cameraName(facts.cameraMake, facts.cameraModel);
  const exposure = exposureText(facts);
  return (
    <>
      {facts.takenAt !== null ? (
        <>
          <dt>Taken</dt>
          <dd>
            <time dateTime={new Date(facts.takenAt).toISOString().slice(0, 19)}>{formatTaken(facts.takenAt, facts.takenOffsetMinutes)}</time>
          </dd>
        </>
      ) : null}
      <dt>Uploaded</dt>
      <dd>
        <time dateTime={new Date(facts.createdAt).toISOString()}>{formatDay(facts.createdAt)}</time>
      </dd>
      {camera ? (
        <>
          <dt>Camera</dt>
          <dd>{camera}</dd>
        </>
      ) : null}
      {facts.lensModel ? (
        <>
          <dt>Lens</dt>
          <dd>{facts.lensModel}</dd>
        </>
      ) : null}
      {exposure ? (
        <>
          <dt>Exposure</dt>
          <dd>{exposure}</dd>
        </>
      ) : null}
      {facts.latitude !== null && facts.longitude !== null ? (
        <>
          <dt>Location</dt>
          <dd>
            {facts.latitude.toFixed(5)}, {facts.longitude.toFixed(5)}
          </dd>
        </>
      ) : null}
    </>
  );
}

/** "Canon EOS R5" (a model that already names its maker is not prefixed twice). */
function cameraName(make: string, model: string): string {
  if (!model) return make;
  return make && !model.toLowerCase().startsWith(make.toLowerCase()) ? `${make} ${model}` : model;
}

/** "1/250 s · ƒ/2.8 · ISO 400 · 35 mm", from whichever values are known. */
function exposureText(facts: PhotoFactsView): string {
  const parts: string[] = [];
  if (facts.exposureTime !== null) parts.push(facts.exposureTime < 1 ? `1/${Math.round(1 / facts.exposureTime)} s` : `${Number(facts.exposureTime.toFixed(1))} s`);
  if (facts.fNumber !== null) parts.push(`ƒ/${Number(facts.fNumber.toFixed(1))}`);
  if (facts.iso !== null) parts.push(`ISO ${facts.iso}`);
  if (facts.focalLength !== null) parts.push(`${Number(facts.focalLength.toFixed(1))} mm`);
  return parts.join(' · ');
}
