// ONE timer for every spinner on screen. It runs only while at least one spinner is mounted, and
// only the components that show a spinner re-render on a tick.
import { createContext, useContext, useSyncExternalStore, type ReactNode } from 'react';

export interface Ticker {
  subscribe(listener: () => void): () => void;
  frame(): number;
}

export function createTicker(intervalMs: number): Ticker {
  let frame = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const listeners = new Set<() => void>();
  return {
    subscribe(listener) {
      listeners.add(listener);
      if (!timer) {
        timer = setInterval(() => {
          frame++;
          for (const l of [...listeners]) l();
        }, intervalMs);
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && timer) {
          clearInterval(timer);
          timer = undefined;
        }
      };
    },
    frame: () => frame,
  };
}

const TickerContext = createContext<Ticker | undefined>(undefined);

export function TickerProvider({ ticker, children }: { ticker: Ticker; children: ReactNode }) {
  return <TickerContext.Provider value={ticker}>{children}</TickerContext.Provider>;
}

const still: Ticker = { subscribe: () => () => {}, frame: () => 0 };

/** The current frame number of the shared ticker. */
export function useTick(): number {
  const ticker = useContext(TickerContext) ?? still;
  return useSyncExternalStore(ticker.subscribe, ticker.frame);
}
