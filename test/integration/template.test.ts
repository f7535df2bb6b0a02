import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSimHost, isMutating, type SimHost } from '../support/sim-host.js';

const run = promisify(execFile);

const IMAGE_URL = 'https://cloud-images.ubuntu.com/noble/current/noble-server-cloudimg-amd64.img';
/** A simulated cloud image: a volume record of 3.5 GiB, as the simulator's storages keep them. */
const IMAGE = `${JSON.stringify({ size: 3.5 * 1024 ** 3 })}\n`;
const IMAGE_SHA256 = createHash('sha256').update(IMAGE).digest('hex');

/** Publishes the image on the simulator's "internet" (served by download-url). */
function publishImage(host: SimHost): void {
  const url = new URL(IMAGE_URL);
  const file = join(host.dir, 'sim', 'web', url.hostname, url.pathname);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, IMAGE);
}

/** Changes the example config's template 9000. */
function editTemplate(host: SimHost, change: (vm: Record<string, unknown>) => void): void {
  const file = join(host.configDir, 'phoenix_vm_configs.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as {
    virtual_machines: Record<string, unknown>[];
  };
  change(config.virtual_machines.find((vm) => vm.vm_id === 9000)!);
  writeFileSync(file, JSON.stringify(config, null, 2));
}

async function sim(host: SimHost, ...argv: string[]): Promise<string> {
  const { stdout } = await run(argv[0]!, argv.slice(1), { env: host.env });
  return stdout;
}

const commandsSince = (host: SimHost, from: number) =>
  host
    .calls()
    .slice(from)
    .map((call) => call.argv.join(' '));

describe('phoenix template provision against the simulator', { timeout: 120_000 }, () => {
  let host: SimHost;
  beforeEach(async () => {
    host = await createSimHost();
    // A freshly seeded simulated host has template 9000 already.
    await sim(host, 'qm', 'destroy', '9000');
    publishImage(host);
  }, 60_000);

  it('builds the example template from its image, then leaves it alone', async () => {
    const plan = await host.phoenix(['template', 'provision', '--dry-run', '--ascii']);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(
      `pvesh create /nodes/pve/storage/local/download-url --url ${IMAGE_URL} --filename noble-server-cloudimg-amd64.qcow2 --content import`,
    );
    expect(plan.stdout).toContain('qm template 9000');
    // The plan ran nothing.
    expect(host.calls().filter((call) => isMutating(call.argv))).toHaveLength(1); // the destroy

    const before = host.calls().length;
    const result = await host.phoenix(['template', 'provision', '--yes', '--ascii']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Run succeeded');
    const calls = commandsSince(host, before);
    const create = calls.find((call) => call.startsWith('qm create 9000 '));
    expect(create).toBeDefined();
    for (const option of [
      '--scsi0 local-lvm:0,import-from=local:import/noble-server-cloudimg-amd64.qcow2',
      '--ide2 local-lvm:cloudinit',
      '--serial0 socket',
      '--vga serial0',
      '--boot order=scsi0',
      '--agent enabled=1',
    ])
      expect(create).toContain(option);
    const order = ['download-url', 'qm create 9000', 'qm disk resize 9000', 'qm template 9000'].map(
      (needle) => calls.findIndex((call) => call.includes(needle)),
    );
    expect(order.every((index) => index >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    const config = await sim(host, 'qm', 'config', '9000');
    expect(config).toContain('template: 1');
    expect(config).toMatch(/^scsi0: local-lvm:base-9000-disk-0,size=8G$/m);
    expect(config).toContain('ide2: local-lvm:vm-9000-cloudinit,media=cdrom');
    expect(config).toContain('ciuser: phoenix');

    const again = host.calls().length;
    const second = await host.phoenix(['template', 'provision', '--yes', '--ascii']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('Nothing to do');
    expect(
      host
        .calls()
        .slice(again)
        .filter((call) => isMutating(call.argv)),
    ).toEqual([]);
  });

  it('verifies the checksum and reuses the downloaded image', async () => {
    editTemplate(host, (vm) => (vm.image_checksum = `sha256:${IMAGE_SHA256}`));
    const first = await host.phoenix(['--provision-template', '--yes', '--ascii']);
    expect(first.code).toBe(0);
    const filename = `noble-server-cloudimg-amd64-${IMAGE_SHA256.slice(0, 12)}.qcow2`;
    expect(commandsSince(host, 0)).toContain(
      `pvesh create /nodes/pve/storage/local/download-url --url ${IMAGE_URL} --filename ${filename} --content import --checksum ${IMAGE_SHA256} --checksum-algorithm sha256`,
    );

    // Without the template, the next build takes the image from the cache.
    await sim(host, 'qm', 'destroy', '9000');
    const before = host.calls().length;
    const second = await host.phoenix(['template', 'provision', '9000', '--yes', '--ascii']);
    expect(second.code).toBe(0);
    const calls = commandsSince(host, before);
    expect(calls.some((call) => call.includes('download-url'))).toBe(false);
    expect(calls.some((call) => call.startsWith('qm create 9000 '))).toBe(true);
  });

  it('fails clearly when the image does not match image_checksum', async () => {
    editTemplate(host, (vm) => (vm.image_checksum = `sha256:${'0'.repeat(64)}`));
    const result = await host.phoenix(['template', 'provision', '--yes', '--ascii']);
    expect(result.code).toBe(1);
    const report = `${result.stdout}${result.stderr}`;
    expect(report).toContain("the image's checksum does not match image_checksum");
    expect(report).toContain(`got '${IMAGE_SHA256}'`);
    expect(report).toContain('SHA256SUMS');
    // Nothing was created.
    expect(host.calls().some((call) => call.argv[1] === 'create' && call.argv[0] === 'qm')).toBe(
      false,
    );
  });

  it('refuses what it cannot build, before touching the host', async () => {
    editTemplate(host, (vm) => (vm.image_checksum = 'sha256:abc'));
    const bad = await host.phoenix(['template', 'provision', '--dry-run', '--ascii']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('image_checksum');

    editTemplate(host, (vm) => {
      delete vm.image_checksum;
      vm.image_url = 'https://example.com/images/disk.tar.xz';
    });
    const notImage = await host.phoenix(['template', 'provision', '--dry-run', '--ascii']);
    expect(notImage.code).toBe(2);
    expect(notImage.stdout).toContain('does not name a disk image (.img, .qcow2, .raw or .vmdk)');

    const notTemplate = await host.phoenix(['template', 'provision', '1000', '--dry-run']);
    expect(notTemplate.code).toBe(2);
    expect(notTemplate.stderr).toContain(
      'VM 1000 (rumpledev) is not a template made from an image',
    );
    expect(host.calls().filter((call) => isMutating(call.argv))).toHaveLength(1); // the destroy
  });
});
