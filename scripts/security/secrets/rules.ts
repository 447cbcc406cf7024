// Secret-detection rules, after the shapes gitleaks and GitHub secret scanning document for each
// provider. A generic rule catches high-entropy values assigned to secret-looking names.

export interface SecretRule {
  readonly id: string;
  readonly description: string;
  readonly pattern: RegExp;
  /** Which capture group holds the secret (0: the whole match). */
  readonly group?: number;
  /** Minimum Shannon entropy (bits per character) of the secret, for generic rules. */
  readonly minEntropy?: number;
}

export const SECRET_RULES: readonly SecretRule[] = [
  { id: 'private-key', description: 'PEM/OpenSSH/PGP private key', pattern: /-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----/g },
  { id: 'aws-access-key-id', description: 'AWS access key id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  { id: 'aws-secret-access-key', description: 'AWS secret access key', pattern: /aws_?secret_?access_?key["']?\s*[:=]\s*["']?([A-Za-z0-9/+=]{40})\b/gi, group: 1 },
  { id: 'github-token', description: 'GitHub token (classic, OAuth, app, refresh)', pattern: /\bgh[pousr]_[A-Za-z0-9]{36,255}\b/g },
  { id: 'github-fine-grained-token', description: 'GitHub fine-grained personal access token', pattern: /\bgithub_pat_[A-Za-z0-9_]{82}\b/g },
  { id: 'slack-token', description: 'Slack token', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { id: 'slack-webhook', description: 'Slack incoming webhook', pattern: /https:\/\/hooks\.slack\.com\/services\/T[A-Z0-9]{6,}\/B[A-Z0-9]{6,}\/[A-Za-z0-9]{20,}/g },
  { id: 'npm-token', description: 'npm access token', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { id: 'npmrc-auth', description: 'npm registry credential in .npmrc form', pattern: /:_(?:authToken|auth|password)\s*=\s*([^\s$]{8,})/g, group: 1 },
  { id: 'openai-key', description: 'OpenAI API key', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}T3BlbkFJ[A-Za-z0-9_-]{20,}\b/g },
  { id: 'openai-project-key', description: 'OpenAI project/service key', pattern: /\bsk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}\b/g },
  { id: 'anthropic-key', description: 'Anthropic API key', pattern: /\bsk-ant-(?:api|admin)\d{2}-[A-Za-z0-9_-]{80,}\b/g },
  { id: 'stripe-secret-key', description: 'Stripe live secret key', pattern: /\b(?:sk|rk)_live_[A-Za-z0-9]{24,}\b/g },
  { id: 'google-api-key', description: 'Google API key', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { id: 'photovault-api-token', description: 'photovault personal API token', pattern: /\bpv_[A-Za-z0-9_-]{43}\b/g },
  {
    id: 'generic-secret-assignment',
    description: 'high-entropy value assigned to a secret-looking name',
    pattern: /\b[\w.-]*(?:secret|passw(?:or)?d|pwd|token|api[_-]?key|private[_-]?key|client[_-]?secret|auth)[\w.-]*["']?\s*(?:[:=]|:=|=>)\s*["'`]([^"'`\s]{12,})["'`]/gi,
    group: 1,
    minEntropy: 3.5,
  },
  {
    id: 'generic-secret-env',
    description: 'high-entropy value in an env-style SECRET/PASSWORD/TOKEN/KEY line',
    pattern: /^[ \t]*(?:export[ \t])?[ \t]*[A-Z0-9_]*(?:SECRET|PASSWORD|TOKEN|API_KEY|PRIVATE_KEY)[A-Z0-9_]*[ \t]*=[ \t]*([^\s"'#]{12,})/gm,
    group: 1,
    minEntropy: 3.5,
  },
];

// Values that look like references or placeholders, not secrets.
const PLACEHOLDER = /\$\{|\$\(|process\.env|<[^>]*>|\{\{|^x+$|^\*+$|^\.+$|example|changeme|change-me|redacted|placeholder|dummy|your[-_]/i;

/** Words joined by dashes or underscores ("my-secret-name") name a secret; they are not one. */
function isPlaceholder(value: string): boolean {
  if (PLACEHOLDER.test(value)) return true;
  const words = value.split(/[-_]/);
  return words.length > 1 && words.every((word) => /^[a-z]+$/i.test(word));
}

export function shannonEntropy(text: string): number {
  const counts = new Map<string, number>();
  for (const char of text) counts.set(char, (counts.get(char) ?? 0) + 1);
  let entropy = 0;
  const length = [...text].length;
  for (const count of counts.values()) {
    const p = count / length;
    entropy -= p * Math.log2(p);
  }
  return entropy;
}

export interface SecretMatch {
  readonly rule: SecretRule;
  readonly line: number;
  readonly secret: string;
}

export function findSecrets(text: string): SecretMatch[] {
  const out: SecretMatch[] = [];
  for (const rule of SECRET_RULES) {
    for (const match of text.matchAll(rule.pattern)) {
      const secret = match[rule.group ?? 0] ?? match[0];
      if (rule.minEntropy !== undefined && (isPlaceholder(secret) || shannonEntropy(secret) < rule.minEntropy)) continue;
      out.push({ rule, line: lineOf(text, match.index ?? 0), secret });
    }
  }
  return out;
}

function lineOf(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line += 1;
  return line;
}

/** What a report may show of a secret: enough to find it, not enough to use it. */
export function redactSecret(secret: string): string {
  return secret.length <= 8 ? '****' : `${secret.slice(0, 4)}…(${secret.length} chars)`;
}
