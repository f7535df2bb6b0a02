import { createContext, useContext, type ReactNode } from 'react';
import type { Engine } from '../../engine/types.js';
import type { Theme } from '../theme.js';

/** What every component may read: the engine, how to draw, and whether mutating is allowed. */
export interface AppEnvironment {
  engine: Engine;
  theme: Theme;
  readonly: boolean;
  /** Wall clock, injectable for deterministic tests. */
  now: () => number;
}

const AppContext = createContext<AppEnvironment | undefined>(undefined);

export function AppProvider({ value, children }: { value: AppEnvironment; children: ReactNode }) {
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

export function useApp(): AppEnvironment {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp() outside <AppProvider>');
  return value;
}
