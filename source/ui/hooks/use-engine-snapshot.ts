import { useSyncExternalStore } from 'react';
import type { EngineSnapshot } from '../../engine/types.js';
import { useApp } from '../contexts/app-context.js';

/** The engine's state; re-renders only when the engine reports a change. */
export function useEngineSnapshot(): EngineSnapshot {
  const { engine } = useApp();
  return useSyncExternalStore(
    (listener) => engine.subscribe(listener),
    () => engine.snapshot(),
  );
}
