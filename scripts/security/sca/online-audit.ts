import { inRange, type PackageAdvisory } from './advisories.js';
import { severityOfWord } from './cvss.js';
import type { LockedPackage } from './lockfile.js';

interface BulkAdvisory {
  id?: number | string;
  url?: string;
  title?: string;
  severity?: string;
  vulnerable_versions?: string;
  cvss?: { score?: number };
}

export type OnlineResult = { readonly ok: true; readonly advisories: PackageAdvisory[] } | { readonly ok: false; readonly reason: string };

/**
 * The registry's bulk advisory endpoint (what `npm audit` calls): name -> versions in, advisories
 * out. Short timeout: offline data is the fallback, so an unreachable registry must not stall CI.
 */
export async function fetchBulkAdvisories(registry: string, packages: readonly LockedPackage[], timeoutMs = 5000): Promise<OnlineResult> {
  const body: Record<string, string[]> = {};
  for (const p of packages) {
    const versions = (body[p.name] ??= []);
    if (!versions.includes(p.version)) versions.push(p.version);
  }
  const url = new URL('-/npm/v1/security/advisories/bulk', registry.endsWith('/') ? registry : `${registry}/`);
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) return { ok: false, reason: `${url.href} answered HTTP ${response.status}` };
    const json = (await response.json()) as Record<string, BulkAdvisory[]>;
    const advisories: PackageAdvisory[] = [];
    for (const [name, list] of Object.entries(json)) {
      for (const advisory of list) {
        const range = advisory.vulnerable_versions ?? '*';
        const id = String(advisory.url?.split('/').pop() ?? advisory.id ?? 'registry-advisory');
        advisories.push({
          id,
          aliases: advisory.id === undefined ? [] : [String(advisory.id)],
          package: name,
          title: advisory.title ?? id,
          severity: severityOfWord(advisory.severity),
          score: advisory.cvss?.score ?? null,
          url: advisory.url ?? null,
          source: 'registry',
          affectedText: range,
          affects: (version) => inRange(version, range),
        });
      }
    }
    return { ok: true, advisories };
  } catch (error) {
    return { ok: false, reason: `${url.href}: ${(error as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (error as Error).message}` };
  }
}
