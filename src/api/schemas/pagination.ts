import { Type, type Static, type TSchema } from 'typebox';

export const MAX_PAGE = 100_000;
export const MAX_PER_PAGE = 100;
export const DEFAULT_PER_PAGE = 20;

/** Query parameters of every list operation: `?page=1&per_page=20`. */
export const PageQuery = Type.Object(
  {
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1, description: 'Page number, from 1.' })),
    per_page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PER_PAGE, default: DEFAULT_PER_PAGE, description: 'Items per page.' })),
  },
  { additionalProperties: false },
);
export type PageQuery = Static<typeof PageQuery>;

/** The envelope of a list operation's answer: one page of `item`s. */
export function Paginated<T extends TSchema>(item: T, description: string) {
  return Type.Object(
    {
      items: Type.Array(item),
      page: Type.Integer({ minimum: 1 }),
      per_page: Type.Integer({ minimum: 1, maximum: MAX_PER_PAGE }),
      has_next: Type.Boolean({ description: 'Whether a next page exists.' }),
    },
    { additionalProperties: false, description },
  );
}

export interface PageWindow {
  readonly page: number;
  readonly perPage: number;
  /** One more than a page, to learn whether a next page exists without counting. */
  readonly limit: number;
  readonly offset: number;
}

/** The rows to fetch for a page query (pass `limit` and `offset` to the repository). */
export function pageWindow(query: PageQuery): PageWindow {
  const page = query.page ?? 1;
  const perPage = query.per_page ?? DEFAULT_PER_PAGE;
  return { page, perPage, limit: perPage + 1, offset: (page - 1) * perPage };
}

/** The answer for a page, from the up to `limit` rows fetched for it. */
export function pageOf<T>(rows: readonly T[], window: PageWindow) {
  return { items: rows.slice(0, window.perPage), page: window.page, per_page: window.perPage, has_next: rows.length > window.perPage };
}
