// Follows one run. Log lines go into a bounded ring buffer per guest held in a ref; the
// component re-renders at most every 100 ms (≤ 10 updates a second) however fast lines come.
import { useEffect, useRef, useState } from 'react';
import type { GuestId, RunHandle, RunState } from '../../engine/types.js';
import { RingBuffer } from '../../util/ring-buffer.js';

export const LOG_TAIL_CAPACITY = 200;
const FLUSH_MS = 100;

export interface RunView {
  state: RunState;
  logTail(guestId: GuestId, lines: number): string[];
}

export function useRun(handle: RunHandle | undefined): RunView | undefined {
  const logs = useRef(new Map<GuestId, RingBuffer<string>>());
  const [state, setState] = useState<RunState | undefined>(() => handle?.state());
  // New log lines leave the run's state as it was: this count makes the log tail re-render.
  const [, setLogged] = useState(0);

  useEffect(() => {
    if (!handle) return;
    const buffers = new Map<GuestId, RingBuffer<string>>();
    for (const guest of handle.state().guests) {
      const ring = new RingBuffer<string>(LOG_TAIL_CAPACITY);
      for (const line of handle.logTail(guest.id, LOG_TAIL_CAPACITY)) ring.push(line);
      buffers.set(guest.id, ring);
    }
    logs.current = buffers;
    setState(handle.state());
    let timer: ReturnType<typeof setTimeout> | undefined;
    let logged = 0;
    const flush = () => {
      timer = undefined;
      setState(handle.state());
      if (logged > 0) {
        const count = logged;
        logged = 0;
        setLogged((total) => total + count);
      }
    };
    const unsubscribe = handle.subscribe((event) => {
      if (event.type === 'log') {
        let ring = buffers.get(event.guestId);
        if (!ring) buffers.set(event.guestId, (ring = new RingBuffer(LOG_TAIL_CAPACITY)));
        ring.push(event.line);
        logged++;
      }
      if (!timer) timer = setTimeout(flush, FLUSH_MS);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [handle]);

  if (!handle || !state || state.id !== handle.id) return undefined;
  return {
    state,
    logTail: (guestId, lines) => logs.current.get(guestId)?.last(lines) ?? [],
  };
}
