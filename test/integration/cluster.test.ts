import { execFile } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSimHost, isMutating, type SimHost } from '../support/sim-host.js';

const run = promisify(execFile);

const IMAGE_URL = 'https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img';

/**
 * A two-node cluster (pve, where Phoenix runs, and pve2) with a shared storage. The config:
 * template 9100 on the shared storage (built from its image on pve), VM 2000 cloned from it onto
 * pve2; template 9200 built on pve2 itself and VM 2002 cloned from it there; VM 2001 asks for a
 * clone of template 9000, whose disks are local to pve, on pve2 — which Proxmox refuses.
 */
function clusterConfig(host: SimHost): void {
  const file = join(host.configDir, 'phoenix_vm_configs.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as {
    vm_defaults: Record<string, unknown>;
    virtual_machines: Record<string, unknown>[];
  };
  config.vm_defaults.features = [];
  const template = (id: number, name: string, extra: Record<string, unknown>) => ({
    vm_id: id,
    vm_name: name,
    is_template: true,
    template_image: 'noble-server-cloudimg-amd64.img',
    image_url: IMAGE_URL,
    boot_disk_size_gb: 8,
    network_config: { ip: 'dhcp' },
    features: [],
    ...extra,
  });
  const vm = (id: number, name: string, source: number, ip: string) => ({
    vm_id: id,
    vm_name: name,
    clone_from_vmid: source,
    node: 'pve2',
    boot_disk_storage: source === 9100 ? 'shared' : 'local-lvm',
    network_config: { ip },
    features: [],
  });
  config.virtual_machines = [
    config.virtual_machines.find((entry) => entry.vm_id === 9000)!,
    template(9100, 'ubuntu-shared', { boot_disk_storage: 'shared' }),
    template(9200, 'ubuntu-pve2', { node: 'pve2' }),
    vm(2000, 'edge', 9100, '10.0.0.120/24'),
    vm(2001, 'edge-local', 9000, '10.0.0.121/24'),
    vm(2002, 'edge-two', 9200, '10.0.0.122/24'),
  ];
  writeFileSync(file, JSON.stringify(config, null, 2));
  appendFileSync(
    join(host.dir, 'storage.cfg'),
    '\ndir: shared\n\tpath /mnt/pve/shared\n\tcontent images\n\tshared 1\n',
  );
  mkdirSync(join(host.dir, 'fs', 'mnt', 'pve', 'shared', 'images'), { recursive: true });
  const url = new URL(IMAGE_URL);
  const image = join(host.dir, 'sim', 'web', url.hostname, url.pathname);
  mkdirSync(join(image, '..'), { recursive: true });
  writeFileSync(image, `${JSON.stringify({ size: 3.5 * 1024 ** 3 })}\n`);
}

const since = (host: SimHost, from: number) =>
  host
    .calls()
    .slice(from)
    .map((call) => call.argv.join(' '));

describe('a two-node cluster', { timeout: 240_000 }, () => {
  let host: SimHost;
  beforeAll(async () => {
    host = await createSimHost({ nodes: 2 });
    // Phoenix runs on node pve (the test machine's own host name is none of the cluster's).
    host.env.PHOENIX_NODE = 'pve';
    clusterConfig(host);
  }, 60_000);

  it('refuses a clone of a template on local storage to another node, with what to do', async () => {
    const result = await host.phoenix(['apply', '2001', '--dry-run', '--ascii']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(
      'VM 9000 would be cloned to node pve2 with disks on local-lvm, local to pve: Proxmox refuses that',
    );
    expect(result.stdout).toContain('give node pve2 its own template');
    expect(host.calls().filter((call) => isMutating(call.argv))).toEqual([]);
  });

  it('clones a template on shared storage onto pve2 and configures it through the API', async () => {
    const before = host.calls().length;
    const result = await host.phoenix(['apply', '2000', '--yes', '--ascii']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const calls = since(host, before);
    expect(calls.some((call) => call.startsWith('qm create 9100 '))).toBe(true);
    expect(calls).toContain(
      'qm clone 9100 2000 --name edge --full 1 --storage shared --target pve2',
    );
    expect(calls.some((call) => call.startsWith('pvesh set /nodes/pve2/qemu/2000/config '))).toBe(
      true,
    );
    expect(calls).toContain('pvesh create /nodes/pve2/qemu/2000/status/start');
    expect(
      calls.some((call) =>
        call.startsWith(
          'pvesh create /nodes/pve2/qemu/2000/agent/exec --command cloud-init --command status',
        ),
      ),
    ).toBe(true);
    // Every qm/pct command of VM 2000 went through the API of pve2.
    expect(calls.filter((call) => /^(qm|pct) \S+ 2000\b/.test(call))).toEqual([]);
    const { stdout } = await run('pvesh', ['get', '/nodes/pve2/qemu', '--output-format', 'json'], {
      env: host.env,
    });
    const onPve2 = JSON.parse(stdout) as { vmid: number; status: string }[];
    expect(onPve2.find((guest) => guest.vmid === 2000)?.status).toBe('running');

    const again = host.calls().length;
    const second = await host.phoenix(['apply', '2000', '--yes', '--ascii']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Nothing to do');
    expect(
      host
        .calls()
        .slice(again)
        .filter((call) => isMutating(call.argv)),
    ).toEqual([]);
  });

  it('builds a template on pve2 and clones it there', async () => {
    const before = host.calls().length;
    const result = await host.phoenix(['apply', '2002', '--yes', '--ascii']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const calls = since(host, before);
    // The image goes to pve2's storage (the simulator's `local` is one directory for all nodes,
    // so the download of the first test may serve as the cache here).
    expect(
      calls.filter((call) => call.includes('download-url') && !call.includes('/nodes/pve2/')),
    ).toEqual([]);
    expect(
      calls.some((call) => call.startsWith('pvesh create /nodes/pve2/qemu --vmid 9200 ')),
    ).toBe(true);
    expect(calls).toContain('pvesh create /nodes/pve2/qemu/9200/template');
    expect(
      calls.some((call) =>
        call.startsWith('pvesh create /nodes/pve2/qemu/9200/clone --newid 2002 --name edge-two'),
      ),
    ).toBe(true);
    expect(calls.filter((call) => /^(qm|pct) \S+ (9200|2002)\b/.test(call))).toEqual([]);
  });

  it('stops, starts and deletes a guest on pve2', async () => {
    for (const args of [
      ['stop', '2000'],
      ['start', '2000'],
      ['stop', '2000'],
    ]) {
      const result = await host.phoenix([...args, '--ascii']);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    const deleted = await host.phoenix(['delete', '2000', '--yes', '--ascii']);
    expect(deleted.code).toBe(0);
    const { stdout } = await run('pvesh', ['get', '/nodes/pve2/qemu', '--output-format', 'json'], {
      env: host.env,
    });
    expect((JSON.parse(stdout) as { vmid: number }[]).map((guest) => guest.vmid)).not.toContain(
      2000,
    );
  });

  it("refuses, in the plan, features for a guest on another node (they need this node's qm/pct)", async () => {
    const file = join(host.configDir, 'phoenix_vm_configs.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as {
      virtual_machines: { vm_id: number; features?: string[] }[];
    };
    config.virtual_machines.find((entry) => entry.vm_id === 2002)!.features = ['base_setup'];
    writeFileSync(file, JSON.stringify(config, null, 2));
    const result = await host.phoenix(['plan', '2002', '--ascii']);
    expect(result.code).toBe(2);
    expect(result.stdout).toContain(
      "features run inside the guest through this node's qm/pct, and edge-two is on pve2",
    );
    expect(result.stdout).toContain('hint: run phoenix on pve2 for this guest');
  });
});
