import type { PhotoFacts } from '../media/images/photo-facts.js';
import type { PhotosTable } from '../db/schema.js';

type FactColumn = 'taken_at' | 'taken_offset' | 'camera_make' | 'camera_model' | 'lens_model' | 'exposure_time' | 'f_number' | 'iso' | 'focal_length' | 'latitude' | 'longitude';
export type PhotoFactColumns = { [K in FactColumn]: PhotosTable[K] extends { __select__: infer S } ? S : PhotosTable[K] };

/** A photo's EXIF facts as its columns (migration 0008). */
export function factColumns(facts: PhotoFacts): PhotoFactColumns {
  return {
    taken_at: facts.takenAt,
    taken_offset: facts.takenOffsetMinutes,
    camera_make: facts.cameraMake,
    camera_model: facts.cameraModel,
    lens_model: facts.lensModel,
    exposure_time: facts.exposureTime,
    f_number: facts.fNumber,
    iso: facts.iso,
    focal_length: facts.focalLength,
    latitude: facts.latitude,
    longitude: facts.longitude,
  };
}

/** The columns of a photo not processed yet: nothing known. */
export const NO_FACT_COLUMNS: PhotoFactColumns = Object.freeze({
  taken_at: null,
  taken_offset: null,
  camera_make: '',
  camera_model: '',
  lens_model: '',
  exposure_time: null,
  f_number: null,
  iso: null,
  focal_length: null,
  latitude: null,
  longitude: null,
});

/** The facts kept in a photo's columns. */
export function factsOf(columns: PhotoFactColumns): PhotoFacts {
  return {
    takenAt: columns.taken_at,
    takenOffsetMinutes: columns.taken_offset,
    cameraMake: columns.camera_make,
    cameraModel: columns.camera_model,
    lensModel: columns.lens_model,
    exposureTime: columns.exposure_time,
    fNumber: columns.f_number,
    iso: columns.iso,
    focalLength: columns.focal_length,
    latitude: columns.latitude,
    longitude: columns.longitude,
  };
}
