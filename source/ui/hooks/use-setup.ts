import { useEffect, useState } from 'react';
import type { SetupItem } from '../../engine/types.js';
import { useApp } from '../contexts/app-context.js';
import { useEngineSnapshot } from './use-engine-snapshot.js';

export type SetupLoad = { items?: readonly SetupItem[]; error?: string };

/** The host setup status while `active`; reloaded whenever the engine's state changes. */
export function useSetup(active: boolean): SetupLoad {
  const { engine } = useApp();
  const snapshot = useEngineSnapshot();
  const [load, setLoad] = useState<SetupLoad>({});
  useEffect(() => {
    if (!active) return;
    let live = true;
    engine.setupStatus().then(
      (items) => live && setLoad({ items }),
      (error: unknown) =>
        live && setLoad({ error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      live = false;
    };
  }, [engine, active, snapshot]);
  return load;
}
