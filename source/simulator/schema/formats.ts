// Named formats that the API schema only references by name (reference §4 and §8). Each
// check returns the message after `invalid format - `, or undefined when the value is fine.
import type { PropSchema } from './schema.js';

const ipv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
function isIpv6(value: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(value) || !value.includes(':')) return false;
  const double = value.split('::');
  if (double.length > 2) return false;
  const groups = value.split(':').filter((g) => g !== '');
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g) && !ipv4.test(g))) return false;
  return double.length === 2 ? groups.length < 8 : groups.length === 8;
}
const cidr4 = (value: string) => {
  const [ip, mask, extra] = value.split('/');
  return (
    extra === undefined &&
    mask !== undefined &&
    ipv4.test(ip!) &&
    /^\d+$/.test(mask) &&
    Number(mask) <= 32
  );
};
const cidr6 = (value: string) => {
  const [ip, mask, extra] = value.split('/');
  return (
    extra === undefined &&
    mask !== undefined &&
    isIpv6(ip!) &&
    /^\d+$/.test(mask) &&
    Number(mask) <= 128
  );
};
const dnsName =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)(?:\.(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?))*$/;
const storageId = /^[a-z][a-z0-9\-_.]*[a-z0-9]$/i;
const volumeId = /^[a-z][a-z0-9\-_.]*[a-z0-9]:.+$/i;

export const namedFormats: Record<string, (value: string) => string | undefined> = {
  'pve-vmid': (v) =>
    /^[1-9][0-9]{2,8}$/.test(v) ? undefined : 'value does not look like a valid VM ID',
  'dns-name': (v) => (dnsName.test(v) ? undefined : 'value does not look like a valid DNS name'),
  'pve-node': (v) => (dnsName.test(v) ? undefined : `value does not look like a valid node name`),
  'pve-configid': (v) =>
    /^[a-z][a-z0-9_-]+$/i.test(v) ? undefined : `invalid configuration ID '${v}'`,
  'pve-tag-list': (v) => {
    const tags = v.split(/[;,\s]+/).filter(Boolean);
    if (!tags.length) return 'invalid characters in tag';
    return tags.every((t) => /^[a-z0-9_][a-z0-9_\-+.]*$/i.test(t))
      ? undefined
      : 'invalid characters in tag';
  },
  'mac-addr': (v) =>
    /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(v) && (parseInt(v.slice(0, 2), 16) & 1) === 0
      ? undefined
      : 'value does not look like a valid unicast MAC address',
  'pve-storage-id': (v) =>
    storageId.test(v) ? undefined : `storage ID '${v}' contains illegal characters`,
  'pve-volume-id': (v) => (volumeId.test(v) ? undefined : `unable to parse volume ID '${v}'`),
  'disk-size': (v) =>
    /^\d+(\.\d+)?[KMGT]?$/.test(v) ? undefined : `value does not look like a valid disk size: ${v}`,
  ipv4: (v) => (ipv4.test(v) ? undefined : 'value does not look like a valid IPv4 address'),
  ipv6: (v) => (isIpv6(v) ? undefined : 'value does not look like a valid IPv6 address'),
  'pve-ipv4-config': (v) =>
    v === 'dhcp' || v === 'manual' || cidr4(v)
      ? undefined
      : 'value does not look like a valid ipv4 network configuration',
  'pve-ipv6-config': (v) =>
    ['dhcp', 'auto', 'manual'].includes(v) || cidr6(v)
      ? undefined
      : 'value does not look like a valid ipv6 network configuration',
  CIDRv4: (v) => (cidr4(v) ? undefined : 'value does not look like a valid IPv4 CIDR network'),
  CIDRv6: (v) => (cidr6(v) ? undefined : 'value does not look like a valid IPv6 CIDR network'),
  'pve-bridge-id': (v) =>
    /^[-_.\w\d]+$/.test(v)
      ? undefined
      : `invalid format - bridge ID '${v}' contains illegal characters`,
  urlencoded: (v) =>
    /^[A-Za-z0-9\-._~%]*$/.test(v) ? undefined : `invalid urlencoded string: ${v}`,
  'pve-configid-list': (v) =>
    v
      .split(/[,;\s]+/)
      .filter(Boolean)
      .every((id) => /^[a-z][a-z0-9_-]*$/i.test(id))
      ? undefined
      : `invalid configuration ID '${v}'`,
};

const opt = (schema: PropSchema): PropSchema => ({ optional: 1, ...schema });

/** Named formats that are property strings themselves. */
export const namedHashFormats: Record<string, Record<string, PropSchema>> = {
  'pve-qm-ipconfig': {
    ip: opt({ type: 'string', format: 'pve-ipv4-config' }),
    gw: opt({ type: 'string', format: 'ipv4', requires: 'ip' }),
    ip6: opt({ type: 'string', format: 'pve-ipv6-config' }),
    gw6: opt({ type: 'string', format: 'ipv6', requires: 'ip6' }),
  },
  'pve-qm-cicustom': {
    meta: opt({ type: 'string', format: 'pve-volume-id' }),
    network: opt({ type: 'string', format: 'pve-volume-id' }),
    user: opt({ type: 'string', format: 'pve-volume-id' }),
    vendor: opt({ type: 'string', format: 'pve-volume-id' }),
  },
  'pve-startup-order': {
    order: opt({ type: 'integer', minimum: 0, default_key: 1 }),
    up: opt({ type: 'integer', minimum: 0 }),
    down: opt({ type: 'integer', minimum: 0 }),
  },
  'pve-qm-boot': {
    legacy: opt({ type: 'string', pattern: '[acdn]{1,4}', default_key: 1 }),
    order: opt({ type: 'string', pattern: '[\\w\\-]+(;[\\w\\-]+)*' }),
  },
};
