import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { execa } from 'execa';
import { HostError } from './errors.js';

/** Where `virt-customize` (Debian package libguestfs-tools) is, or undefined when it is not installed. */
export function findVirtCustomize(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, 'virt-customize');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** The arguments `customizeImage` runs `virt-customize` with (also shown in the plan). */
export function virtCustomizeArgs(imagePath: string, packages: readonly string[]): string[] {
  return [
    '-a',
    imagePath,
    '--install',
    packages.join(','),
    '--run-command',
    'systemctl enable qemu-guest-agent',
    // A customized image carries this host's machine-id otherwise: clones would share it.
    '--truncate',
    '/etc/machine-id',
  ];
}

/**
 * Installs packages into a disk image in place (`virt-customize -a IMAGE --install …`).
 * Rejects with a HostError carrying virt-customize's own output.
 */
export async function customizeImage(
  imagePath: string,
  packages: readonly string[],
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<string> {
  const argv = ['virt-customize', ...virtCustomizeArgs(imagePath, packages)];
  const result = await execa(argv[0]!, argv.slice(1), {
    reject: false,
    all: true,
    ...(options.signal ? { cancelSignal: options.signal } : {}),
    timeout: options.timeoutMs ?? 20 * 60_000,
    env: { LIBGUESTFS_BACKEND: 'direct' },
  });
  if (result.exitCode !== 0 || result.failed) {
    throw new HostError({
      argv,
      message: `virt-customize failed${result.exitCode === undefined ? '' : ` (exit ${result.exitCode})`}`,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      exitCode: result.exitCode,
      kind: result.timedOut ? 'timeout' : 'failed',
      ...(result.timedOut ? { timedOut: true } : {}),
      ...(result.isCanceled ? { aborted: true } : {}),
    });
  }
  return String(result.all ?? result.stdout ?? '');
}
