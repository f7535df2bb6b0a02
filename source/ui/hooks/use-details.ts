import { useEffect, useState } from 'react';
import type { GuestDetails, GuestId } from '../../engine/types.js';
import { useApp } from '../contexts/app-context.js';
import { useEngineSnapshot } from './use-engine-snapshot.js';

export type DetailsLoad = { details?: GuestDetails; error?: string };

/** A guest's details, reloaded whenever the engine's state changes. */
export function useDetails(id: GuestId | undefined): DetailsLoad {
  const { engine } = useApp();
  const snapshot = useEngineSnapshot();
  const [load, setLoad] = useState<DetailsLoad>({});
  useEffect(() => {
    if (id === undefined) return;
    let live = true;
    engine.details(id).then(
      (details) => live && setLoad({ details }),
      (error: unknown) =>
        live && setLoad({ error: error instanceof Error ? error.message : String(error) }),
    );
    return () => {
      live = false;
    };
  }, [engine, id, snapshot]);
  return load.details?.id === id || load.error ? load : {};
}
