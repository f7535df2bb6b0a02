import type { GuestRef, GuestState } from './types.js';

/** Every guest of the cluster at one moment, from a single `/cluster/resources` call. */
export class Inventory {
  readonly guests: readonly GuestState[];
  /** When the host answered. */
  readonly fetchedAt: Date;
  private readonly byId: ReadonlyMap<number, GuestState>;

  constructor(guests: readonly GuestState[], fetchedAt = new Date()) {
    this.guests = guests;
    this.fetchedAt = fetchedAt;
    this.byId = new Map(guests.map((guest) => [guest.id, guest]));
  }

  get(id: number): GuestState | undefined {
    return this.byId.get(id);
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** The nodes that hold at least one guest, sorted. */
  get nodes(): string[] {
    return [...new Set(this.guests.map((guest) => guest.node))].sort();
  }

  onNode(node: string): GuestState[] {
    return this.guests.filter((guest) => guest.node === node);
  }

  templates(): GuestState[] {
    return this.guests.filter((guest) => guest.template);
  }
}

/** The part of a guest's state every per-guest host call needs. */
export const refOf = (guest: Pick<GuestState, 'id' | 'type' | 'node'>): GuestRef => ({
  id: guest.id,
  type: guest.type,
  node: guest.node,
});

/** `VM 100 (web01) on pve` / `CT 101 (db) on pve2`, for messages. */
export function describeGuest(
  guest: Pick<GuestState, 'id' | 'type' | 'node'> & { name?: string },
): string {
  const kind = guest.type === 'qemu' ? 'VM' : 'CT';
  const name = guest.name ? ` (${guest.name})` : '';
  return `${kind} ${guest.id}${name} on ${guest.node}`;
}
