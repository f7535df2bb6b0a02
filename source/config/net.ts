import { isIPv4 } from 'node:net';

/** A parsed IPv4 CIDR such as 10.0.0.101/24. */
export interface Cidr {
  address: string;
  prefix: number;
  /** Address as an unsigned 32-bit integer. */
  value: number;
  network: number;
  broadcast: number;
}

export function ipv4ToInt(address: string): number {
  return address.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
}

export function intToIpv4(value: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}

export function parseCidr(text: string): Cidr | undefined {
  const match = /^([0-9.]+)\/([0-9]{1,2})$/.exec(text.trim());
  if (!match || !isIPv4(match[1]!)) return undefined;
  const prefix = Number(match[2]);
  if (prefix < 0 || prefix > 32) return undefined;
  const value = ipv4ToInt(match[1]!);
  const size = 2 ** (32 - prefix);
  const network = Math.floor(value / size) * size;
  return { address: match[1]!, prefix, value, network, broadcast: network + size - 1 };
}

export function inSubnet(cidr: Cidr, address: string): boolean {
  if (!isIPv4(address)) return false;
  const value = ipv4ToInt(address);
  return value >= cidr.network && value <= cidr.broadcast;
}

export function subnetText(cidr: Cidr): string {
  return `${intToIpv4(cidr.network)}/${cidr.prefix}`;
}

export { isIPv4 };
