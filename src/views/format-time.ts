/** A moment as pages show it: `2026-12-02 16:34 UTC` (to the minute, always UTC). */
export function formatTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
}
