import type { CloudInitFile, CloudInitInput } from './types.js';

/** A feature script and what it runs with, as features/README.md lays them out in the guest. */
export interface FeatureDelivery {
  /** Features in run order: kind folder, name and script text. */
  features: { kind: 'vm' | 'lxc'; name: string; script: string }[];
  /** features/lib/*.sh by file name. */
  lib: { name: string; content: string }[];
  /** The guest's merged config without secrets (the feature context). */
  context: unknown;
}

/**
 * The guest layout shared with the agent/pct-exec delivery (source/plan/feature-steps.ts):
 * features/<kind>/<name>.sh and features/lib/*.sh, context/<name>.json, logs/<name>.log and
 * logs/<name>.rc (the exit code).
 */
export const GUEST_PHOENIX_DIR = '/var/lib/phoenix';

/**
 * write_files and runcmd entries that deliver feature scripts through cloud-init (snippet mode):
 * the lib, the scripts and their context under GUEST_PHOENIX_DIR, then one runcmd per feature,
 * in order, that writes its output to logs/<name>.log and its exit code to logs/<name>.rc, so
 * Phoenix can poll them through the guest agent.
 */
export function featureDelivery(
  delivery: FeatureDelivery,
): Required<Pick<CloudInitInput, 'files' | 'runcmd'>> {
  const d = GUEST_PHOENIX_DIR;
  const context = `${JSON.stringify(delivery.context, null, 2)}\n`;
  const files: CloudInitFile[] = [
    ...delivery.lib.map((lib) => ({
      path: `${d}/features/lib/${lib.name}`,
      content: lib.content,
      permissions: '0644',
    })),
    ...delivery.features.flatMap((feature) => [
      {
        path: `${d}/features/${feature.kind}/${feature.name}.sh`,
        content: feature.script,
        permissions: '0755',
      },
      { path: `${d}/context/${feature.name}.json`, content: context, permissions: '0600' },
    ]),
  ];
  const runcmd = [
    ['mkdir', '-p', `${d}/logs`],
    ...delivery.features.map((feature) => [
      'sh',
      '-c',
      'bash "$1" "$2" >"$3" 2>&1; echo $? >"$4"',
      'phoenix-feature',
      `${d}/features/${feature.kind}/${feature.name}.sh`,
      `${d}/context/${feature.name}.json`,
      `${d}/logs/${feature.name}.log`,
      `${d}/logs/${feature.name}.rc`,
    ]),
  ];
  return { files, runcmd };
}
