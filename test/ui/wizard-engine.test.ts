// The engine side of the wizards: host facts, draft checks placed on fields, saving.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DraftChecker, readConfigTexts } from '../../source/engine/drafts.js';
import { mergedDefaults, readSshKeys } from '../../source/engine/host-facts.js';
import { LiveEngine } from '../../source/engine/live-engine.js';
import { createHost } from '../../source/host/index.js';
import { createSimHost } from '../support/sim-host.js';

const etc = new URL('../../etc', import.meta.url).pathname;
const KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHJFoReWUwqimvy6rJjJeHVGmKk2N5uYmzLWDqtkAMZN';

describe('SSH keys for the wizards', () => {
  it('reads ~/.ssh/*.pub and authorized_keys (options dropped, duplicates once, junk skipped)', () => {
    const home = mkdtempSync(join(tmpdir(), 'phoenix-home-'));
    mkdirSync(join(home, '.ssh'));
    writeFileSync(join(home, '.ssh', 'id_ed25519.pub'), `${KEY} me@laptop\n`);
    writeFileSync(join(home, '.ssh', 'id_rsa'), 'PRIVATE KEY never read');
    writeFileSync(
      join(home, '.ssh', 'authorized_keys'),
      `# comment\nfrom="10.0.0.0/8",no-pty ${KEY} me@laptop\nnot a key\nssh-rsa AAAAB3NzaC1yc2E= ops@ci\n`,
    );
    expect(readSshKeys(home)).toEqual([
      { label: '~/.ssh/id_ed25519.pub me@laptop', key: `${KEY} me@laptop` },
      { label: '~/.ssh/authorized_keys ops@ci', key: 'ssh-rsa AAAAB3NzaC1yc2E= ops@ci' },
    ]);
    expect(readSshKeys(join(home, 'nowhere'))).toEqual([]);
  });
});

describe('defaults for the wizards', () => {
  it('a declared object replaces the built-in one whole, as the loader does', () => {
    const merged = mergedDefaults(
      { memory_mb: 512, network_config: { name: 'eth0', ip: 'dhcp' } },
      { memory_mb: 1024, network_config: { bridge: 'vmbr1' } },
    );
    expect(merged).toEqual({ memory_mb: 1024, network_config: { bridge: 'vmbr1' } });
  });
});

describe('draft checks', () => {
  const checker = new DraftChecker();
  const texts = readConfigTexts(etc);

  it('places findings on the field, inherited values included, naming the real directory', () => {
    const problems = checker.check(
      texts,
      {
        kind: 'qemu',
        entry: {
          vm_id: 4321,
          vm_name: 'rumpledev',
          clone_from_vmid: 9000,
          cpu_cores: 0,
          network_config: { ip: '10.0.1.5/24' },
        },
      },
      '/my/etc',
    );
    const byField = Object.fromEntries(problems.map((p) => [p.field, p.message]));
    expect(byField['network_config.gw']).toMatch(/gateway 10\.0\.0\.1 is outside the subnet/);
    expect(byField.cpu_cores).toMatch(/must be an integer ≥ 1/);
    expect(byField.vm_name).toMatch(/name "rumpledev" is already used by .* at \/my\/etc\//);
    expect(problems.some((p) => p.message.includes('phoenix-draft-'))).toBe(false);
  });

  it('refuses an ID the config uses and passes a good draft', () => {
    expect(checker.check(texts, { kind: 'lxc', ctid: 901, entry: { name: 'x' } })).toEqual([
      expect.objectContaining({ field: 'ctid', message: expect.stringMatching(/ID 901/) }),
    ]);
    expect(
      checker.check(texts, {
        kind: 'lxc',
        ctid: 950,
        entry: { name: 'fine', clone_from_ctid: 900, network_config: { ip: 'dhcp' } },
      }),
    ).toEqual([]);
  });
});

describe('the live engine defines guests', { timeout: 60_000 }, () => {
  it('offers the host facts, saves a draft atomically and refuses an ID the host uses', async () => {
    const sim = await createSimHost();
    const engine = new LiveEngine({
      host: createHost({ env: sim.env }),
      configDir: sim.configDir,
      runsDir: sim.runsDir,
    });
    const facts = await engine.hostFacts();
    expect(facts.nextId).toBe(100);
    expect(facts.usedIds).toEqual(expect.arrayContaining([900, 1000, 9000]));
    expect(facts.imageStorages.map((s) => s.id)).toContain('local-lvm');
    expect(facts.bridges.map((b) => b.name)).toContain('vmbr0');
    expect(facts.templates).toContainEqual({
      id: 9000,
      name: 'ubuntu-24.04-cloud',
      type: 'qemu',
      where: 'host+config',
    });
    expect(facts.osTemplates[0]).toMatchObject({ downloaded: true });
    expect(facts.osTemplates.some((t) => !t.downloaded)).toBe(true);
    expect(facts.defaults.vm.boot_disk_size_gb).toBe(32);

    const file = join(sim.configDir, 'phoenix_vm_configs.json');
    const before = readFileSync(file, 'utf8');
    const plan = await engine.planDraft({
      kind: 'qemu',
      entry: {
        vm_id: 100,
        vm_name: 'planned',
        clone_from_vmid: 9000,
        network_config: { ip: 'dhcp' },
      },
    });
    expect(plan[0]?.commands[0]).toBe(
      'qm clone 9000 100 --name planned --full 1 --storage local-lvm',
    );
    expect(readFileSync(file, 'utf8')).toBe(before);

    // 9000 is on the host (and in the config); the engine refuses before writing anything.
    await expect(
      engine.defineGuest({ kind: 'qemu', entry: { vm_id: 9000, vm_name: 'again' } }),
    ).rejects.toThrow(/ID 9000/);
    const saved = await engine.defineGuest({
      kind: 'qemu',
      entry: {
        vm_id: 100,
        vm_name: 'saved',
        clone_from_vmid: 9000,
        network_config: { ip: 'dhcp' },
      },
    });
    expect(saved).toEqual({ file, id: 100 });
    expect(readFileSync(file, 'utf8')).toContain('"vm_name": "saved"');
    expect(engine.snapshot().machines.find((m) => m.id === 100)?.specState).toBe('missing');
  });
});
