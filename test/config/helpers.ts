import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
export const fixtures = join(repoRoot, 'test/fixtures/config');

export function tempDir(prefix = 'phoenix-config-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A features/ folder with the given scripts, so tests do not depend on the shipped features. */
export function makeFeaturesRoot(
  features: { vm?: string[]; lxc?: string[] } = {
    vm: ['base_setup', 'docker', 'qemu_guest_agent', 'nvidia', 'ollama'],
    lxc: ['base_setup', 'docker', 'nvidia', 'ollama'],
  },
  aliases: Record<string, string> = { install_docker: 'docker' },
): string {
  const root = tempDir('phoenix-features-');
  for (const kind of ['vm', 'lxc'] as const) {
    mkdirSync(join(root, kind), { recursive: true });
    for (const name of features[kind] ?? []) {
      writeFileSync(
        join(root, kind, `${name}.sh`),
        `#!/bin/bash\n# Feature: ${name} — test stand-in\n`,
      );
    }
  }
  writeFileSync(join(root, 'aliases.json'), JSON.stringify(aliases));
  return root;
}

/** A writable copy of a fixture config directory. */
export function copyFixture(name: string): string {
  const dir = tempDir();
  cpSync(join(fixtures, name), dir, { recursive: true });
  return dir;
}

/** A config directory holding the given files (name → text). */
export function writeConfig(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}
