import { createHost } from '../host/index.js';
import { runsDir } from '../runs/store.js';
import { LiveEngine } from './live-engine.js';
import { hostSetupStatus } from './setup-status.js';
import type { Engine } from './types.js';

/** The engine on the host this process runs on (or the simulated one its PATH points at). */
export function createLiveEngine(options: { configDir: string; env?: NodeJS.ProcessEnv }): Engine {
  const env = options.env ?? process.env;
  const engine = new LiveEngine({
    host: createHost({ env }),
    configDir: options.configDir,
    runsDir: runsDir(env),
    // A simulated host has no host system to set up; a real node gets the setup preflight.
    ...(env.PVE_SIM_DIR ? {} : { setupStatus: () => hostSetupStatus(env) }),
  });
  void engine.refresh();
  return engine;
}
