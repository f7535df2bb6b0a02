// Follows one run. Its log lines stay in the run's own bounded tail (RunHandle.logTail); new lines
// only count here, and the component re-renders at most every 100 ms (≤ 10 updates a second)
// however fast they come.
import { useEffect, useState } from 'react';
import type { GuestId, RunHandle, RunState } from '../../engine/types.js';

const FLUSH_MS = 100;

export interface RunView {
  state: RunState;
  logTail(guestId: GuestId, lines: number): readonly string[];
}

export function useRun(handle: RunHandle | undefined): RunView | undefined {
  const [state, setState] = useState<RunState | undefined>(() => handle?.state());
  // New log lines leave the run's state as it was: this count makes the log tail re-render.
  const [, setLogged] = useState(0);

  useEffect(() => {
    if (!handle) return;
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
      if (event.type === 'log') logged++;
      if (!timer) timer = setTimeout(flush, FLUSH_MS);
    });
    return () => {
      unsubscribe();
      if (timer) clearTimeout(timer);
    };
  }, [handle]);

  if (!handle || !state || state.id !== handle.id) return undefined;
  return { state, logTail: (guestId, lines) => handle.logTail(guestId, lines) };
}
