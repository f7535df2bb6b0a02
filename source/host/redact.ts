/**
 * Secrets never leave the host adapter: every argv, stdout, stderr and message it logs, returns
 * or puts into an error goes through here first.
 */

export const REDACTED = '<redacted>';

/**
 * Options whose value is a secret. Proxmox accepts any unique prefix of an option name
 * (`--cipass` = `--cipassword`), so a name matches when it is a prefix of a secret option of at
 * least 4 characters, or contains one of the secret words.
 */
const secretOptionNames = ['cipassword', 'password', 'token', 'secret', 'api-token', 'passphrase'];

function isSecretOption(name: string): boolean {
  const bare = name.replace(/^-{1,2}/, '').toLowerCase();
  if (bare.length === 0) return false;
  if (secretOptionNames.some((secret) => bare.length >= 4 && secret.startsWith(bare))) return true;
  return /password|passwd|secret|token/.test(bare);
}

/**
 * Options whose value is a payload, not a parameter: the agent API's `input-data` carries a
 * script with its lib and context (what `--pass-stdin` reads locally). Logs and screens show it
 * redacted like a secret — it is one of those or would flood them. Unique prefixes count too.
 */
function isPayloadOption(name: string): boolean {
  const bare = name.replace(/^-{1,2}/, '').toLowerCase();
  return bare.length >= 5 && 'input-data'.startsWith(bare);
}

/** Text patterns, applied in order. Each keeps enough context to understand the line. */
const textPatterns: Array<[RegExp, string | ((match: string, ...groups: string[]) => string)]> = [
  // PEM private key blocks (RSA, EC, OPENSSH, ENCRYPTED, plain PRIVATE KEY).
  [
    /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g,
    (_match, kind: string) =>
      `-----BEGIN ${kind}PRIVATE KEY-----${REDACTED}-----END ${kind}PRIVATE KEY-----`,
  ],
  // Proxmox API tokens: `PVEAPIToken=user@realm!tokenid=uuid` (also in Authorization headers).
  [/PVEAPIToken[= ]\S+/g, `PVEAPIToken=${REDACTED}`],
  // Cookie tickets.
  [/PVEAuthCookie=[^;\s]+/g, `PVEAuthCookie=${REDACTED}`],
  // crypt(3) hashes: $1$ (md5), $2a$/$2b$/$2y$ (bcrypt), $5$/$6$ (sha), $y$/$gy$ (yescrypt), $7$.
  [/\$(?:1|2[abxy]?|5|6|7|y|gy|sha1|md5)\$[./A-Za-z0-9$=,+-]{4,}/g, REDACTED],
  // `--password xyz`, `-cipassword=xyz`, `--token xyz` written into a message or log line.
  [
    /(^|\s)(-{1,2}(?:ci)?pass(?:word|wd)?|-{1,2}token|-{1,2}secret)(=|\s+)(?!<hidden>)\S+/gi,
    (_match, lead: string, name: string, sep: string) => `${lead}${name}${sep}${REDACTED}`,
  ],
  // `password: xyz` / `cipassword: xyz` / `password=xyz` in key/value output (unless already masked).
  [
    /\b((?:ci)?password|passwd|secret|token)([ \t]*[:=][ \t]*)(?!\*{4,}|<hidden>|<redacted>)("[^"]*"|[^\s,;"]+)/gi,
    (_match, key: string, sep: string) => `${key}${sep}${REDACTED}`,
  ],
];

/** Removes secrets from free text (stdout, stderr, messages). */
export function redactText(text: string): string {
  let result = text;
  for (const [pattern, replacement] of textPatterns) {
    result = result.replace(pattern, replacement as never);
  }
  return result;
}

/**
 * Removes secrets from an argument vector: the value after a secret option (`--cipassword x`,
 * `--password=x`) or a payload option (`--input-data x`), and anything secret-looking in any
 * other argument.
 */
export function redactArgv(argv: readonly string[]): string[] {
  const result: string[] = [];
  let hideNext = false;
  for (const arg of argv) {
    if (hideNext) {
      result.push(REDACTED);
      hideNext = false;
      continue;
    }
    const option = /^(-{1,2}[A-Za-z][\w-]*)(=(.*))?$/s.exec(arg);
    if (option && (isSecretOption(option[1]!) || isPayloadOption(option[1]!))) {
      if (option[2] !== undefined) result.push(`${option[1]}=${REDACTED}`);
      else {
        result.push(arg);
        hideNext = true;
      }
      continue;
    }
    result.push(redactText(arg));
  }
  return result;
}

/** A command line for display: arguments quoted only where a shell would need it. */
export function formatArgv(argv: readonly string[]): string {
  return argv
    .map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`))
    .join(' ');
}
