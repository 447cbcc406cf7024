import { formatUtcOffset } from '../media/images/photo-facts.js';

/** What a photo's date is read from: the date taken (camera clock, see PhotosTable.taken_at), else the upload time. */
export interface DatedPhoto {
  readonly title: string;
  readonly taken_at: number | null;
  readonly created_at: number;
}

// Both instants are read in UTC: taken_at holds the camera's wall clock as UTC fields, and a photo
// without one is dated by its upload, in UTC (the server knows no viewer's time zone).
const MONTH = new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' });
const DAY = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });
const TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'UTC' });

/** The timeline date of a photo, in epoch ms whose UTC fields are the date to show. */
export function timelineDate(photo: Pick<DatedPhoto, 'taken_at' | 'created_at'>): number {
  return photo.taken_at ?? photo.created_at;
}

/** "July 2019": the gallery's month heading. */
export function formatMonth(ms: number): string {
  return MONTH.format(ms);
}

/** "14 July 2019". */
export function formatDay(ms: number): string {
  return DAY.format(ms);
}

/** "14 July 2019, 15:30", with "(UTC+02:00)" when the camera recorded its offset. */
export function formatTaken(takenAt: number, offsetMinutes: number | null): string {
  const base = `${DAY.format(takenAt)}, ${TIME.format(takenAt)}`;
  return offsetMinutes === null ? base : `${base} (UTC${formatUtcOffset(offsetMinutes, '−')})`;
}

/** The title, or for an untitled photo its date: "Photo from 14 July 2019". */
export function photoName(photo: DatedPhoto): string {
  return photo.title || `Photo from ${formatDay(timelineDate(photo))}`;
}

/** Alt text: the owner's (or the caption agent's), else the photo's name. */
export function photoAlt(photo: DatedPhoto & { readonly alt_text: string }): string {
  return photo.alt_text || photoName(photo);
}
