// The define-a-guest wizards end to end: the bundled CLI in a pseudo-terminal at 80x24, on the
// simulated Proxmox host, with a copy of the example config.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSimHost, type SimHost } from '../support/sim-host.js';
import { send, startPty, type PtySession } from './pty.js';

const TAB = '\t';
const ENTER = '\r';
const ESC = '\x1b';
const PAGE_DOWN = '\x1b[6~';

const files = (host: SimHost) => ({
  vm: join(host.configDir, 'phoenix_vm_configs.json'),
  lxc: join(host.configDir, 'phoenix_lxc_configs.json'),
  hypervisor: join(host.configDir, 'phoenix_hypervisor_config.json'),
});
const read = (file: string) => readFileSync(file, 'utf8');

/** Every byte of `before` is still in `after`, in order, with one insertion between them. */
function insertedText(before: string, after: string): string {
  let prefix = 0;
  while (prefix < before.length && before[prefix] === after[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < before.length - prefix &&
    before[before.length - 1 - suffix] === after[after.length - 1 - suffix]
  )
    suffix++;
  expect(prefix + suffix).toBe(before.length);
  return after.slice(prefix, after.length - suffix);
}

async function withTui(host: SimHost, body: (tui: PtySession) => Promise<void>): Promise<void> {
  const tui = startPty({ cols: 80, rows: 24, env: host.env });
  try {
    await tui.waitFor('rumpledev', 20_000);
    await body(tui);
  } finally {
    tui.kill();
  }
}

describe('the wizards in a pseudo-terminal (80x24, simulator)', { timeout: 180_000 }, () => {
  it('defines a VM: saved in the config (valid, nothing else changed) and provisioned', async () => {
    const host = await createSimHost();
    const before = { ...files(host) };
    const texts = { vm: read(before.vm), lxc: read(before.lxc), hyp: read(before.hypervisor) };
    await withTui(host, async (tui) => {
      await send(tui, 'c');
      await tui.waitFor('step 1/7: General', 20_000);
      await send(tui, TAB, 'wiz-vm', TAB, 'made by the wizard', TAB, 'wiz, e2e');
      await tui.waitFor('wiz, e2e_');
      for (let i = 0; i < 6; i++) await send(tui, PAGE_DOWN);
      const confirm = await tui.waitFor(/qm clone 9000 \d+ --name wiz-vm/, 20_000);
      expect(confirm).toContain('step 7/7: Confirm');
      expect(confirm).toContain('Source    clone of 9000 ubuntu-24.04-cloud');
      await send(tui, ENTER);
      await tui.waitFor('Apply it now', 20_000);
      const added = insertedText(texts.vm, read(before.vm));
      expect(added).toContain('"vm_name": "wiz-vm"');
      expect(read(before.lxc)).toBe(texts.lxc);
      expect(read(before.hypervisor)).toBe(texts.hyp);
      const validate = await host.phoenix(['validate', '--json']);
      expect(validate.code).toBe(0);
      const vm = (
        JSON.parse(read(before.vm)) as { virtual_machines: Record<string, unknown>[] }
      ).virtual_machines.find((v) => v.vm_name === 'wiz-vm')!;
      expect(vm).toMatchObject({
        description: 'made by the wizard',
        tags: ['wiz', 'e2e'],
        clone_from_vmid: 9000,
        network_config: { ip: 'dhcp' },
      });
      await send(tui, 'y');
      await tui.waitFor(/apply \d+\s+succeeded/, 90_000);
      const id = vm.vm_id as number;
      const calls = host.calls().map((c) => c.argv.join(' '));
      expect(calls).toContain(`qm clone 9000 ${id} --name wiz-vm --full 1 --storage local-lvm`);
      expect(calls).toContain(`qm start ${id}`);
      await send(tui, 'q');
      expect(await tui.exited()).toBe(0);
    });
  });

  it('defines a container: saved in the config (valid, nothing else changed) and provisioned', async () => {
    const host = await createSimHost();
    const before = { ...files(host) };
    const texts = { vm: read(before.vm), lxc: read(before.lxc) };
    await withTui(host, async (tui) => {
      await send(tui, 'C');
      await tui.waitFor('step 1/7: General', 20_000);
      await send(tui, TAB, 'wiz-ct');
      await send(tui, PAGE_DOWN);
      const template = await tui.waitFor('step 2/7');
      expect(template).toContain('debian-12-standard_12.7-1_amd64.tar.zst (downloaded)');
      for (let i = 0; i < 5; i++) await send(tui, PAGE_DOWN);
      await tui.waitFor(/pct create \d+ local:vztmpl\/debian-12/, 20_000);
      await send(tui, ENTER);
      await tui.waitFor('Apply it now', 20_000);
      const added = insertedText(texts.lxc, read(before.lxc));
      expect(added).toContain('"name": "wiz-ct"');
      expect(read(before.vm)).toBe(texts.vm);
      expect((await host.phoenix(['validate'])).code).toBe(0);
      const config = JSON.parse(read(before.lxc)) as {
        lxc_configs: Record<string, { name: string }>;
      };
      const id = Object.keys(config.lxc_configs).find(
        (key) => config.lxc_configs[key]!.name === 'wiz-ct',
      )!;
      await send(tui, 'y');
      await tui.waitFor(/apply \d+\s+succeeded/, 90_000);
      const calls = host.calls().map((c) => c.argv.join(' '));
      expect(calls.some((c) => c.startsWith(`pct create ${id} local:vztmpl/debian-12`))).toBe(true);
      await send(tui, 'q');
      expect(await tui.exited()).toBe(0);
    });
  });

  it('Esc leaves both wizards with every config file byte-identical', async () => {
    const host = await createSimHost();
    const paths = files(host);
    const texts = Object.values(paths).map(read);
    await withTui(host, async (tui) => {
      await send(tui, 'c');
      await tui.waitFor('step 1/7: General', 20_000);
      await send(tui, TAB, 'not-saved', PAGE_DOWN, PAGE_DOWN);
      await tui.waitFor('step 3/7');
      await send(tui, ESC);
      await tui.waitFor('Leave without saving?');
      await send(tui, 'y');
      await tui.waitFor('rumpledev');
      await send(tui, 'C');
      await tui.waitFor('step 1/7: General', 20_000);
      await send(tui, ESC);
      const table = await tui.waitFor(/1\/7\s*$/m);
      expect(table).not.toContain('New container');
      await send(tui, 'q');
      expect(await tui.exited()).toBe(0);
    });
    expect(Object.values(paths).map(read)).toEqual(texts);
    expect(
      host
        .calls()
        .filter(
          (c) =>
            ['qm', 'pct'].includes(c.argv[0]!) &&
            !['list', 'config', 'status'].includes(c.argv[1]!),
        ),
    ).toEqual([]);
  });
});
