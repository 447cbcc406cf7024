export interface PagerProps {
  /** The list's URL without a query: `?page=N` is added to it. */
  readonly base: string;
  readonly page: number;
  readonly hasNext: boolean;
  readonly previous?: string;
  readonly next?: string;
}

/** Links to the previous and next page of a list. */
export function Pager({ base, page, hasNext, previous = 'Previous', next = 'Next' }: PagerProps) {
  return (
    <nav class="pager" aria-label="Pages">
      {page > 1 ? <a href={`${base}?page=${page - 1}`}>{previous}</a> : null}
      {hasNext ? <a href={`${base}?page=${page + 1}`}>{next}</a> : null}
    </nav>
  );
}
