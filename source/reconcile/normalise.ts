import { parsePropertyString, parseTags } from '../inventory/parse-config.js';

/**
 * Proxmox spells one value many ways. These turn both sides of a comparison into one
 * canonical text so Phoenix reports no phantom drift (the Terraform providers' known failing).
 */

/** `4096`, `current=4096` → `4096`; unset → Proxmox's default. */
export function memoryMb(raw: string | undefined, fallback = '512'): string {
  if (raw === undefined) return fallback;
  const props = parsePropertyString(raw, 'current');
  return String(Number(props.current ?? raw));
}

/** An integer option with Proxmox's default when unset (`cores` → 1). */
export function integer(raw: string | undefined, fallback: number): string {
  if (raw === undefined || raw === '') return String(fallback);
  return String(Number(raw));
}

/** `1`, `yes`, `on`, `true` → `1`; anything else (and unset) → `0`. */
export function flag(raw: string | undefined): '0' | '1' {
  return raw !== undefined && /^(1|yes|on|true)$/i.test(raw.trim()) ? '1' : '0';
}

/** `agent: 1` and `agent: enabled=1,fstrim_cloned_disks=1` both mean enabled. */
export function agentEnabled(raw: string | undefined): '0' | '1' {
  if (raw === undefined) return '0';
  return flag(parsePropertyString(raw, 'enabled').enabled);
}

/** Tags lower-cased, de-duplicated, sorted, `;`-joined — exactly what Proxmox stores. */
export function tags(input: string | readonly string[] | undefined): string {
  const list = typeof input === 'string' || input === undefined ? parseTags(input) : input;
  return [...new Set(list.map((tag) => tag.toLowerCase()))].sort().join(';');
}

/** `order=1,up=30` → sorted `order=1,up=30`, with only the keys that are set. */
export function startup(raw: string | undefined): string {
  if (!raw) return '';
  const props = parsePropertyString(raw, 'order');
  return Object.keys(props)
    .sort()
    .map((key) => `${key}=${props[key]}`)
    .join(',');
}

/** Lines trimmed, CRLF folded, trailing whitespace dropped. */
export function text(raw: string | undefined): string {
  return (raw ?? '').replace(/\r\n/g, '\n').trimEnd();
}

/** Space- or comma-separated resolvers as one space-separated list. */
export function nameservers(raw: string | undefined): string {
  return (raw ?? '')
    .split(/[\s,;]+/)
    .filter(Boolean)
    .join(' ');
}

/** SSH public keys, one per line, compared as a set (Proxmox stores them URL-encoded). */
export function sshKeys(raw: string | undefined, encoded: boolean): string {
  if (!raw) return '';
  let decoded = raw;
  if (encoded) {
    try {
      decoded = decodeURIComponent(raw);
    } catch {
      decoded = raw;
    }
  }
  return [
    ...new Set(
      decoded
        .split('\n')
        .map((line) => line.trim())
        .filter(Boolean),
    ),
  ]
    .sort()
    .join('\n');
}

/** A property string compared on the given keys only, in sorted order (`bridge=vmbr0,tag=10`). */
export function properties(
  props: Record<string, string | undefined>,
  keys: readonly string[],
): string {
  return [...keys]
    .sort()
    .filter((key) => props[key] !== undefined && props[key] !== '')
    .map((key) => `${key}=${props[key]}`)
    .join(',');
}

/** Proxmox container features (`nesting=1,keyctl=1`), compared as a sorted set. */
export function featureList(raw: string | readonly string[] | undefined): string {
  const items =
    typeof raw === 'string' || raw === undefined
      ? (raw ?? '').split(',')
      : raw.flatMap((item) => item.split(','));
  return [...new Set(items.map((item) => item.trim()).filter(Boolean))]
    .map((item) =>
      item.includes('=')
        ? item.replace(/=(true|yes|on)$/i, '=1').replace(/=(false|no|off)$/i, '=0')
        : `${item}=1`,
    )
    .sort()
    .join(',');
}
