import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  currentReference,
  renderReference,
  withReference,
} from '../../scripts/config-reference.js';
import { repoRoot } from './helpers.js';

describe("README's configuration reference", () => {
  it('is exactly what scripts/config-reference.ts generates from the schemas (no drift)', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = currentReference(readme);
    expect(section, 'README.md has no generated "Configuration reference" section').toBeDefined();
    // On failure: npx tsx scripts/config-reference.ts --write
    expect(section).toBe(renderReference());
  });

  it('lists every key of the schemas', () => {
    const section = renderReference();
    for (const key of [
      'vm_id',
      'cpu_cores',
      'user_config.password_hash',
      'clone_from_ctid',
      'gpu_assignment',
      'zfs.pools[].disks',
      'vm_defaults.ubuntu_release',
    ]) {
      expect(section).toContain(`\`${key}\``);
    }
  });

  it('replaces only its own section', () => {
    const section = renderReference();
    const readme = `# Title\n\nIntro.\n\n${section}\n\n## After\n`;
    expect(withReference(readme, section)).toBe(readme);
    expect(withReference('# Title\n', section)).toBe(`# Title\n\n${section}\n`);
  });
});
