import { UserError } from '../util/user-error.js';

/** Guest IDs from the command line (Proxmox's range: 100 … 999999999), each once, in order. */
export function parseIds(raw: readonly string[]): number[] {
  const bad = raw.filter((text) => !/^[1-9]\d{2,8}$/.test(text));
  if (bad.length > 0) {
    throw new UserError(`not a guest ID: ${bad.join(', ')}`, {
      hint: 'guest IDs are whole numbers from 100 to 999999999, e.g. phoenix start 100',
    });
  }
  return [...new Set(raw.map(Number))];
}
