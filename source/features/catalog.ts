import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { featuresDir } from '../util/paths.js';

/** Where a feature runs: inside a VM, inside a container, or on the Proxmox host. */
export type FeatureKind = 'vm' | 'lxc' | 'hypervisor';

export interface FeatureInfo {
  kind: FeatureKind;
  name: string;
  /** The first line of the script's header comment after "# Feature: <name> —". */
  description: string;
  path: string;
}

/**
 * A feature is the script `features/<kind>/<name>.sh`. Older spellings (the seeds'
 * `install_docker`) are aliases listed in `features/aliases.json`: `{ "install_docker": "docker" }`.
 */
export function listFeatures(kind: FeatureKind, root = featuresDir()): FeatureInfo[] {
  const dir = join(root, kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.sh') && !file.startsWith('_'))
    .sort()
    .map((file) => {
      const path = join(dir, file);
      return { kind, name: file.slice(0, -3), description: describe(path), path };
    });
}

export function featureAliases(root = featuresDir()): Record<string, string> {
  const file = join(root, 'aliases.json');
  if (!existsSync(file)) return {};
  return JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>;
}

/** The canonical feature name for `name` (resolving aliases), or undefined when none exists. */
export function resolveFeature(
  kind: FeatureKind,
  name: string,
  root = featuresDir(),
): FeatureInfo | undefined {
  const canonical = featureAliases(root)[name] ?? name;
  return listFeatures(kind, root).find((feature) => feature.name === canonical);
}

export const FEATURE_KINDS: readonly FeatureKind[] = ['vm', 'lxc', 'hypervisor'];

/** Every feature of every kind, with the aliases that point at it. */
export function listAllFeatures(root = featuresDir()): (FeatureInfo & { aliases: string[] })[] {
  const aliases = featureAliases(root);
  return FEATURE_KINDS.flatMap((kind) =>
    listFeatures(kind, root).map((feature) => ({
      ...feature,
      aliases: Object.keys(aliases)
        .filter((alias) => aliases[alias] === feature.name)
        .sort(),
    })),
  );
}

/**
 * The shared shell library every feature script sources from `../lib/` (features/README.md):
 * the files Phoenix delivers next to the scripts, by file name.
 */
export function featureLibFiles(root = featuresDir()): { name: string; path: string }[] {
  const dir = join(root, 'lib');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((file) => file.endsWith('.sh'))
    .sort()
    .map((name) => ({ name, path: join(dir, name) }));
}

/** The one-line description from a script header: `# Feature: docker — Docker Engine from …`. */
function describe(path: string): string {
  const head = readFileSync(path, 'utf8').split('\n', 20);
  for (const line of head) {
    const match = /^#\s*Feature:\s*\S+\s*[—-]+\s*(.+)$/.exec(line);
    if (match) return match[1]!.trim();
  }
  return '';
}
