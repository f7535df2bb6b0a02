import { join } from 'node:path';
import { featuresDir } from '../util/paths.js';

/** Where setup runs: the host's root (a fake root in tests), its scripts and its state. */
export interface SetupEnv {
  /** Prefix of every host path: '' on a real host, PHOENIX_ROOT in tests and demos. */
  root: string;
  /** Folder holding hypervisor/*.sh (the installation's features/). */
  featuresDir: string;
  /** Journal and resume state: <root>/var/lib/phoenix_hypervisor/setup. */
  stateDir: string;
  /** Environment of the scripts and probes (PATH decides which system commands they reach). */
  processEnv: NodeJS.ProcessEnv;
}

export function setupEnv(env: NodeJS.ProcessEnv = process.env): SetupEnv {
  const root = (env.PHOENIX_ROOT ?? '').replace(/\/+$/, '');
  return {
    root,
    featuresDir: featuresDir(),
    stateDir: join(root || '/', 'var/lib/phoenix_hypervisor/setup'),
    processEnv: { ...env, ...(root ? { PHOENIX_ROOT: root } : {}) },
  };
}

/** A host path under the setup root. */
export function hostPath(env: SetupEnv, path: string): string {
  return env.root ? join(env.root, path) : path;
}

export function scriptPath(env: SetupEnv, script: string): string {
  return join(env.featuresDir, 'hypervisor', script);
}
