import { HOST_RUN_GUEST, type RunGuest } from '../../engine/types.js';

/** "1001 rumpletest" for a guest; the host's setup run is just "host setup". */
export function guestLabel(guest: Pick<RunGuest, 'id' | 'name'>): string {
  return guest.id === HOST_RUN_GUEST ? guest.name : `${guest.id} ${guest.name}`;
}

/** Setup runs create no guest: there is nothing for "destroy" to remove. */
export const canDestroy = (guest: Pick<RunGuest, 'id'>): boolean => guest.id !== HOST_RUN_GUEST;
