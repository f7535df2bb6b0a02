import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The folder that holds schemas/, features/ and templates/: the repository root in a checkout,
 * the install directory (/usr/local/phoenix_hypervisor) on a host. Found by walking up from this
 * module, which lives at source/util/ in a checkout and at dist/ in the bundle.
 */
export function assetRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'schemas')) && existsSync(join(dir, 'features'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('Phoenix installation is incomplete: schemas/ and features/ not found');
}

export const schemasDir = (): string => join(assetRoot(), 'schemas');
export const featuresDir = (): string => join(assetRoot(), 'features');
export const templatesDir = (): string => join(assetRoot(), 'templates');

/** The install location of the seeds' layout. */
export const INSTALL_ROOT = '/usr/local/phoenix_hypervisor';

/**
 * Config directory: --config-dir, else PHOENIX_CONFIG_DIR, else ./etc when run from a checkout
 * (a folder with etc/ and package.json), else the installed etc/.
 */
export function defaultConfigDir(
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): string {
  if (env.PHOENIX_CONFIG_DIR) return env.PHOENIX_CONFIG_DIR;
  if (existsSync(join(cwd, 'etc')) && existsSync(join(cwd, 'package.json')))
    return join(cwd, 'etc');
  return join(INSTALL_ROOT, 'etc');
}
