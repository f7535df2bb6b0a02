import { UserError } from '../util/user-error.js';

/** Guest IDs from the command line, refused unless they are Proxmox IDs (100..999999999). */
export function parseIds(words: readonly string[]): number[] {
  return words.map((word) => {
    if (!/^[1-9]\d{2,8}$/.test(word)) {
      throw new UserError(`"${word}" is not a guest ID`, {
        hint: 'guest IDs are whole numbers from 100 to 999999999',
      });
    }
    return Number(word);
  });
}
