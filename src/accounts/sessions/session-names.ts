import Bowser from 'bowser';

export interface SessionDevice {
  /** e.g. "Firefox 121", or "Unknown browser". */
  readonly browser: string;
  /** e.g. "Windows 10", "macOS Sonoma", "Android 14", or "Unknown system". */
  readonly system: string;
}

const UNKNOWN: SessionDevice = { browser: 'Unknown browser', system: 'Unknown system' };

/** Names a session's browser and operating system from its stored user agent (bowser), never showing the raw string. */
export function describeUserAgent(userAgent: string): SessionDevice {
  if (userAgent.trim() === '') return UNKNOWN;
  let parsed: Bowser.Parser.ParsedResult;
  try {
    parsed = Bowser.parse(userAgent);
  } catch {
    return UNKNOWN;
  }
  const browserVersion = major(parsed.browser.version);
  const browser = parsed.browser.name ? `${parsed.browser.name}${browserVersion ? ` ${browserVersion}` : ''}` : UNKNOWN.browser;
  const os = parsed.os;
  const osVersion = os.versionName ?? major(os.version);
  const system = os.name ? `${os.name}${osVersion ? ` ${osVersion}` : ''}` : UNKNOWN.system;
  return { browser, system };
}

function major(version: string | undefined): string {
  return /^\d+/.exec(version ?? '')?.[0] ?? '';
}
