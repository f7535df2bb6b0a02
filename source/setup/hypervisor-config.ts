import { existsSync } from 'node:fs';
import { configFilePaths } from '../config/files.js';
import { loadConfig } from '../config/load.js';
import type { Diagnostic, HypervisorSpec } from '../config/types.js';

const EMPTY: HypervisorSpec = { users: [], extra: {} };

/**
 * The hypervisor part of the config in `configDir` (empty when its file is missing), with the
 * config's findings: setup reads only this part, but the files are checked as one.
 */
export function loadHypervisorConfig(configDir: string): {
  hypervisor: HypervisorSpec;
  diagnostics: Diagnostic[];
} {
  if (!existsSync(configFilePaths(configDir).hypervisor))
    return { hypervisor: EMPTY, diagnostics: [] };
  const result = loadConfig(configDir);
  return { hypervisor: result.spec.hypervisor ?? EMPTY, diagnostics: result.diagnostics };
}
