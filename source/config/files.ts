import { join } from 'node:path';

/** The three files of a config directory. */
export const CONFIG_FILES = {
  vm: 'phoenix_vm_configs.json',
  lxc: 'phoenix_lxc_configs.json',
  hypervisor: 'phoenix_hypervisor_config.json',
} as const;

export type ConfigFileKind = keyof typeof CONFIG_FILES;

export function configFilePaths(configDir: string): Record<ConfigFileKind, string> {
  return {
    vm: join(configDir, CONFIG_FILES.vm),
    lxc: join(configDir, CONFIG_FILES.lxc),
    hypervisor: join(configDir, CONFIG_FILES.hypervisor),
  };
}
