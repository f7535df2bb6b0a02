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

/** Where feature scripts live in a guest; scripts find their lib at ../lib. */
export const GUEST_FEATURES_DIR = '/var/lib/phoenix/features';
export const GUEST_CONTEXT_PATH = '/var/lib/phoenix/context.json';
/** Each feature leaves its log and its exit code here: <dir>/<name>.log, <dir>/<name>.exit. */
export const GUEST_RESULTS_DIR = '/var/log/phoenix';

/**
 * write_files and runcmd entries that deliver feature scripts through cloud-init (snippet mode):
 * scripts and lib under GUEST_FEATURES_DIR, the context JSON, then one runcmd per feature that
 * writes its output to <name>.log and its exit code to <name>.exit, so Phoenix can poll them.
 */
export function featureDelivery(
  delivery: FeatureDelivery,
): Required<Pick<CloudInitInput, 'files' | 'runcmd'>> {
  const files: CloudInitFile[] = [
    ...delivery.lib.map((lib) => ({
      path: `${GUEST_FEATURES_DIR}/lib/${lib.name}`,
      content: lib.content,
      permissions: '0644',
    })),
    ...delivery.features.map((feature) => ({
      path: `${GUEST_FEATURES_DIR}/${feature.kind}/${feature.name}.sh`,
      content: feature.script,
      permissions: '0755',
    })),
    {
      path: GUEST_CONTEXT_PATH,
      content: `${JSON.stringify(delivery.context, null, 2)}\n`,
      permissions: '0600',
    },
  ];
  const runcmd = [
    ['mkdir', '-p', GUEST_RESULTS_DIR],
    ...delivery.features.map((feature) => [
      'sh',
      '-c',
      'bash "$1" "$2" >"$3" 2>&1; echo $? >"$4"',
      'phoenix-feature',
      `${GUEST_FEATURES_DIR}/${feature.kind}/${feature.name}.sh`,
      GUEST_CONTEXT_PATH,
      `${GUEST_RESULTS_DIR}/${feature.name}.log`,
      `${GUEST_RESULTS_DIR}/${feature.name}.exit`,
    ]),
  ];
  return { files, runcmd };
}
