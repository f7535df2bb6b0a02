import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostError } from '../../source/host/errors.js';
import { createHost, type Host } from '../../source/host/host.js';
import type { HostCommandEvent } from '../../source/host/run.js';
import { refOf } from '../../source/inventory/inventory.js';
import { guestDisks, guestNics } from '../../source/inventory/parse-config.js';
import { createSimHost, type SimHost } from './sim-host.js';

// The host adapter against the simulator's qm/pct/pvesh/pvesm/pveam (real child processes).

describe('inventory of 300 guests', () => {
  let sim: SimHost;
  beforeAll(() => {
    sim = createSimHost({ guests: 300 });
  });
  afterAll(() => sim.remove());

  it('takes exactly one host process per refresh', async () => {
    const host = createHost({ env: sim.env });
    const before = sim.calls().length;
    const inventory = await host.inventory();
    const calls = sim.calls().slice(before);
    // 300 extra guests beside the seeded template.
    expect(inventory.guests.length).toBeGreaterThanOrEqual(300);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.argv).toEqual([
      'pvesh',
      'get',
      '/cluster/resources',
      '--type',
      'vm',
      '--output-format',
      'json',
    ]);
    // A second refresh costs the same, and observers see it with its duration and exit code.
    const seen: HostCommandEvent[] = [];
    const unsubscribe = host.subscribe((event) => seen.push(event));
    await host.inventory();
    unsubscribe();
    await host.inventory();
    expect(sim.calls().length - before).toBe(3);
    expect(seen.map((event) => event.phase)).toEqual(['start', 'end']);
    expect(seen[1]).toMatchObject({ ok: true, exitCode: 0, kind: 'read' });
    expect(seen[1]!.phase === 'end' && seen[1]!.durationMs).toBeGreaterThan(0);
  });

  it('types every guest', async () => {
    const inventory = await createHost({ env: sim.env }).inventory();
    for (const guest of inventory.guests) {
      expect(guest.id).toBeGreaterThanOrEqual(100);
      expect(['qemu', 'lxc']).toContain(guest.type);
      expect(guest.node).toBe('pve');
      expect(typeof guest.template).toBe('boolean');
      expect(Array.isArray(guest.tags)).toBe(true);
    }
  });
});

describe('host reads on a two-node cluster', () => {
  let sim: SimHost;
  let host: Host;
  beforeAll(() => {
    sim = createSimHost({ nodes: 2 });
    sim.tool(['qm', 'clone', '9000', '101', '--name', 'web01']);
    sim.tool([
      'pct',
      'create',
      '102',
      'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst',
      '--rootfs',
      'local-lvm:4',
      '--hostname',
      'ct102',
      '--net0',
      'name=eth0,bridge=vmbr0,ip=dhcp',
    ]);
    sim.tool(
      [
        'qm',
        'create',
        '201',
        '--name',
        'remote1',
        '--net0',
        'virtio,bridge=vmbr0',
        '--scsi0',
        'local-lvm:4',
      ],
      'pve2',
    );
    host = createHost({ env: sim.env });
  });
  afterAll(() => sim.remove());

  it('reads configs of local VMs and containers with qm/pct config', async () => {
    const inventory = await host.inventory();
    const vm = inventory.guests.find(
      (guest) => guest.type === 'qemu' && guest.node === 'pve' && !guest.template,
    );
    const ct = inventory.guests.find((guest) => guest.type === 'lxc' && guest.node === 'pve');
    expect(vm?.id).toBe(101);
    expect(ct?.id).toBe(102);
    const before = sim.calls().length;
    const vmConfig = await host.guestConfig(refOf(vm!));
    const ctConfig = await host.guestConfig(refOf(ct!));
    expect(
      sim
        .calls()
        .slice(before)
        .map((call) => call.argv.slice(0, 2)),
    ).toEqual([
      ['qm', 'config'],
      ['pct', 'config'],
    ]);
    expect(vmConfig.values.name ?? `VM ${vm!.id}`).toBe(vm!.name);
    expect(guestDisks(vmConfig).length).toBeGreaterThan(0);
    expect(guestNics(vmConfig)[0]).toMatchObject({ model: 'virtio', bridge: 'vmbr0' });
    expect(guestNics(vmConfig)[0]!.mac).toMatch(/^BC:24:11(:[0-9A-F]{2}){3}$/);
    expect(ctConfig.values.hostname ?? `CT${ct!.id}`).toBe(ct!.name);
    expect(guestDisks(ctConfig).find((disk) => disk.key === 'rootfs')).toMatchObject({
      storage: 'local-lvm',
      sizeBytes: 4 * 1024 ** 3,
    });
    expect(guestNics(ctConfig)[0]).toMatchObject({ name: 'eth0', bridge: 'vmbr0', model: 'veth' });
  });

  it('reads the config of a guest on the other node through pvesh', async () => {
    const inventory = await host.inventory();
    const remote = inventory.guests.find((guest) => guest.node !== 'pve');
    expect(remote?.id).toBe(201);
    const before = sim.calls().length;
    const config = await host.guestConfig(refOf(remote!));
    const [call] = sim.calls().slice(before);
    expect(call!.argv.slice(0, 3)).toEqual([
      'pvesh',
      'get',
      `/nodes/${remote!.node}/${remote!.type}/${remote!.id}/config`,
    ]);
    expect(config.digest).toMatch(/^[0-9a-f]{40}$/);
  });

  it('reads storages, bridges, version, next id and templates', async () => {
    const storages = await host.storages();
    expect(storages.map((storage) => storage.id)).toContain('local');
    expect(storages.every((storage) => storage.totalBytes >= storage.usedBytes)).toBe(true);
    const images = await host.storages({ content: 'images' });
    expect(images.length).toBeGreaterThan(0);
    expect(images.length).toBeLessThanOrEqual(storages.length);
    const bridges = await host.bridges();
    expect(bridges.map((bridge) => bridge.name)).toContain('vmbr0');
    expect((await host.version()).release).toMatch(/^\d+\.\d+$/);
    const inventory = await host.inventory();
    const next = await host.nextId();
    expect(inventory.has(next)).toBe(false);
    expect(next).toBeGreaterThanOrEqual(100);
    const available = await host.availableTemplates();
    expect(available.length).toBeGreaterThan(0);
    expect(Array.isArray(await host.osTemplates('local'))).toBe(true);
  });

  it('classifies real failures', async () => {
    const missing = await host
      .guestConfig({ id: 999999, type: 'qemu', node: 'pve' })
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(HostError);
    expect((missing as HostError).kind).toBe('not-found');
    expect((missing as HostError).message).toBe(
      "Configuration file 'nodes/pve/qemu-server/999999.conf' does not exist",
    );
    const badTemplates = await host.osTemplates('local-lvm').catch((e: unknown) => e);
    expect((badTemplates as HostError).kind).toBe('storage');
  });
});
