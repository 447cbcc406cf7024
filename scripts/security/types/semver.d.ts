// semver (installed with the app's dependencies) ships no types; these are the calls the scripts use.
declare module 'semver' {
  export interface RangeOptions {
    loose?: boolean;
    includePrerelease?: boolean;
  }
  export function satisfies(version: string, range: string, options?: RangeOptions): boolean;
  export function validRange(range: string, options?: RangeOptions): string | null;
  export function valid(version: string, options?: RangeOptions): string | null;
  export function major(version: string, options?: RangeOptions): number;
  export function lt(a: string, b: string, options?: RangeOptions): boolean;
  export function gte(a: string, b: string, options?: RangeOptions): boolean;
  export function coerce(version: string): { version: string } | null;
}
