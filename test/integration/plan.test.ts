import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSimHost } from '../support/sim-host.js';

describe('phoenix plan preflight', { timeout: 120_000 }, () => {
  it('says which storage problem it is, and exits 2', async () => {
    const host = await createSimHost();
    const vms = join(host.configDir, 'phoenix_vm_configs.json');
    const vmConfig = JSON.parse(readFileSync(vms, 'utf8')) as {
      virtual_machines: { vm_id: number; boot_disk_storage?: string }[];
    };
    vmConfig.virtual_machines.find((vm) => vm.vm_id === 1000)!.boot_disk_storage = 'fastdata';
    writeFileSync(vms, JSON.stringify(vmConfig, null, 2));
    const cts = join(host.configDir, 'phoenix_lxc_configs.json');
    const ctConfig = JSON.parse(readFileSync(cts, 'utf8')) as {
      lxc_configs: Record<string, { storage_pool?: string }>;
    };
    ctConfig.lxc_configs['900']!.storage_pool = 'local';
    writeFileSync(cts, JSON.stringify(ctConfig, null, 2));

    const result = await host.phoenix(['plan', '1000', '900', '--ascii']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('FAIL storage "fastdata" does not exist');
    expect(result.stdout).toContain('hint: storages on this node: local, local-lvm');
    expect(result.stdout).toContain(
      'FAIL storage "local" does not hold container volumes (content "rootdir")',
    );
    expect(result.stdout).toMatch(/VM 1000 rumpledev on pve: blocked/);
    // Guests that need a blocked one are blocked too, with the reason.
    const plan = JSON.parse((await host.phoenix(['plan', '901', '--json'])).stdout) as {
      guests: { id: number; action: string; problems: { message: string }[] }[];
    };
    expect(plan.guests.find((guest) => guest.id === 901)).toMatchObject({
      action: 'blocked',
      problems: [{ message: 'needs guest 900, which cannot be provisioned (see its problems)' }],
    });
  });
});
