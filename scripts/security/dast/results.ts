import { toCurl, type HttpRequest } from '../lib/http.js';

export type Category =
  | 'headers'
  | 'cookies'
  | 'clickjacking'
  | 'cache'
  | 'https'
  | 'xss'
  | 'ssti'
  | 'sqli'
  | 'csrf'
  | 'open-redirect'
  | 'path-traversal'
  | 'access-control'
  | 'verbose-errors'
  | 'method-tampering'
  | 'cors';

export interface DastFinding {
  readonly category: Category;
  readonly target: string;
  readonly problem: string;
  /** The request that shows it, as a curl command line. */
  readonly request: string;
  readonly status: number | null;
}

/** Every check run, pass or fail; the findings carry the request that shows them. */
export class Results {
  checks = 0;
  readonly findings: DastFinding[] = [];
  readonly perCategory = new Map<Category, { checks: number; failed: number }>();
  /** What was covered (pages, forms, operations), for the report. */
  readonly coverage: string[] = [];

  constructor(private readonly origin: string) {}

  /** Records one check; returns `ok` so callers can chain. */
  check(category: Category, target: string, ok: boolean, problem: string, request: HttpRequest | null, status: number | null = null): boolean {
    this.checks += 1;
    const counts = this.perCategory.get(category) ?? { checks: 0, failed: 0 };
    counts.checks += 1;
    if (!ok) {
      counts.failed += 1;
      this.findings.push({ category, target, problem, request: request ? toCurl(this.origin, request) : '(no request)', status });
    }
    this.perCategory.set(category, counts);
    return ok;
  }

  get failed(): number {
    return this.findings.length;
  }
}
