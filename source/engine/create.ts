import { createHost } from '../host/index.js';
import { runsDir } from '../runs/store.js';
import { LiveEngine } from './live-engine.js';
import { hostSetupStatus } from './setup-status.js';
import type { Engine } from './types.js';

/** The engine on the host this process runs on (or the simulated one its PATH points at). */
export function createLiveEngine(options: {
  configDir: string;
  env?: NodeJS.ProcessEnv;
  /** Where host setup runs, when not where the engine runs (the demo's stand-in host). */
  setupEnv?: NodeJS.ProcessEnv;
}): Engine {
  const env = options.env ?? process.env;
  const setupEnv = options.setupEnv ?? (env.PVE_SIM_DIR && !env.PHOENIX_ROOT ? undefined : env);
  const engine = new LiveEngine({
    host: createHost({ env }),
    configDir: options.configDir,
    runsDir: runsDir(env),
    // A simulated host has no host system to set up, unless a root folder stands in for it
    // (PHOENIX_ROOT: the demo, the setup tests); a real node gets the setup preflight and wizard.
    ...(setupEnv ? { setupStatus: () => hostSetupStatus(setupEnv), setupEnv } : {}),
  });
  void engine.refresh();
  return engine;
}
