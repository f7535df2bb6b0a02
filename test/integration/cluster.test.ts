import { execFile } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSimHost, isMutating, type CallRecord, type SimHost } from '../support/sim-host.js';

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

const OS_TEMPLATE = 'local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst';

function setVmFeatures(host: SimHost, id: number, features: string[]): void {
  const file = join(host.configDir, 'phoenix_vm_configs.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as {
    virtual_machines: { vm_id: number; features?: string[] }[];
  };
  config.virtual_machines.find((entry) => entry.vm_id === id)!.features = features;
  writeFileSync(file, JSON.stringify(config, null, 2));
}

function writeSiteScript(host: SimHost, body: string): void {
  mkdirSync(join(host.configDir, 'scripts'), { recursive: true });
  writeFileSync(
    join(host.configDir, 'scripts', 'site.sh'),
    `#!/usr/bin/env bash\nset -euo pipefail\n${body}`,
  );
}

/** Container 910 on pve2, made from an OS template, with a feature and an application script. */
function addFarContainer(host: SimHost): void {
  writeSiteScript(
    host,
    'R="${PHOENIX_ROOT:-}"\nmkdir -p "$R/srv/site"\ncp "$1" "$R/srv/site/context.json"\necho "[site] deployed on $(hostname)"\n',
  );
  const file = join(host.configDir, 'phoenix_lxc_configs.json');
  const config = JSON.parse(readFileSync(file, 'utf8')) as {
    lxc_configs: Record<string, unknown>;
  };
  config.lxc_configs['910'] = {
    name: 'far-ct',
    node: 'pve2',
    template: OS_TEMPLATE,
    network_config: { ip: '10.0.0.130/24' },
    features: ['base_setup'],
    application_script: 'site.sh',
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
}

const guestRoot = (host: SimHost, id: number) =>
  join(host.dir, 'sim', 'guests', String(id), 'root');

/** A second apply: nothing to do, and not one mutating command (reads over SSH/API included). */
async function expectNothingToDo(host: SimHost, id: string): Promise<void> {
  const before = host.calls().length;
  const again = await host.phoenix(['apply', id, '--yes', '--ascii']);
  expect(again.code).toBe(0);
  expect(again.stdout).toContain('Nothing to do');
  const calls = host.calls().slice(before);
  expect(calls.some((call) => call.argv[0] === 'ssh' || call.argv.includes('--command'))).toBe(
    true,
  );
  expect(calls.filter((call) => isMutating(call.argv))).toEqual([]);
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

  it('runs features in a VM on pve2 through its agent API, the script as input-data', async () => {
    setVmFeatures(host, 2002, ['base_setup']);
    const before = host.calls().length;
    const result = await host.phoenix(['apply', '2002', '--yes', '--ascii', '--verbose']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('[base_setup] done');
    const calls = since(host, before);
    const started = calls.filter((call) =>
      call.startsWith(
        'pvesh create /nodes/pve2/qemu/2002/agent/exec --command bash --command -s --input-data ',
      ),
    );
    expect(started).toHaveLength(1);
    expect(started[0]).toContain('set -euo pipefail');
    expect(
      calls.some((call) => call.startsWith('pvesh get /nodes/pve2/qemu/2002/agent/exec-status ')),
    ).toBe(true);
    expect(calls.filter((call) => /^(qm|pct) \S+ 2002\b/.test(call))).toEqual([]);
    // The run log shows the command, not the script it carries.
    expect(result.stdout).toMatch(
      /agent\/exec --command bash --command -s --input-data <redacted>/,
    );
    expect(result.stdout).not.toContain('PHOENIX_EOF');
    expect(existsSync(join(guestRoot(host, 2002), 'var/lib/phoenix/state/base_setup.done'))).toBe(
      true,
    );
    await expectNothingToDo(host, '2002');
  });

  it('runs features and the application script of a container on pve2 over root SSH', async () => {
    addFarContainer(host);
    const before = host.calls().length;
    const result = await host.phoenix(['apply', '910', '--yes', '--ascii', '--verbose']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('[base_setup] done');
    expect(result.stdout).toContain('[site] deployed on far-ct');
    const records = host.calls().slice(before) as (CallRecord & { node?: string })[];
    const calls = records.map((call) => call.argv.join(' '));
    expect(calls).toContain(
      `pvesh create /nodes/pve2/lxc --vmid 910 --ostemplate ${OS_TEMPLATE} --hostname far-ct --memory 1024 --swap 512 --cores 2 --rootfs local-lvm:8 --unprivileged 1 --net0 name=eth0,bridge=vmbr0,gw=10.0.0.1,ip=10.0.0.130/24 --nameserver 10.0.0.1`,
    );
    const ssh =
      'ssh -e none -o BatchMode=yes -o HostKeyAlias=pve2 -o ConnectTimeout=15 root@192.168.1.11 --';
    expect(calls.filter((call) => call === `${ssh} pct exec 910 -- bash -s`)).toHaveLength(2);
    // pct itself ran on pve2 (each feature and the script, after reading their markers).
    const pct = records.filter((call) => call.argv[0] === 'pct');
    expect(pct.map((call) => `${call.node}: ${call.argv.slice(0, 5).join(' ')}`)).toEqual([
      'pve2: pct exec 910 -- cat',
      'pve2: pct exec 910 -- bash',
      'pve2: pct exec 910 -- cat',
      'pve2: pct exec 910 -- bash',
    ]);
    const context = JSON.parse(
      readFileSync(join(guestRoot(host, 910), 'srv/site/context.json'), 'utf8'),
    ) as { name: string; node: string };
    expect(context).toMatchObject({ name: 'far-ct', node: 'pve2' });
    await expectNothingToDo(host, '910');
  });

  it('reports a failing feature on another node with its exit code, log and hint', async () => {
    // The VM has no GPU: the nvidia feature exits 4 (base_setup runs again before it: its
    // context, the guest's config, changed with the feature list).
    setVmFeatures(host, 2002, ['base_setup', 'nvidia']);
    const vm = await host.phoenix(['apply', '2002', '--yes', '--ascii']);
    expect(vm.code).toBe(1);
    expect(vm.stdout).toContain('Feature nvidia: feature nvidia exited with 4');
    expect(vm.stdout).toContain("no NVIDIA GPU on this VM's PCI bus");
    expect(vm.stdout).toContain('hint: required hardware is missing');

    writeSiteScript(host, 'echo "[site] the database does not answer"\nexit 5\n');
    const ct = await host.phoenix(['apply', '910', '--yes', '--ascii']);
    expect(ct.code).toBe(1);
    expect(ct.stdout).toContain('Application script site.sh: feature app_site exited with 5');
    expect(ct.stdout).toContain('[site] the database does not answer');
    expect(ct.stdout).toContain("hint: a download failed after retries: check DNS and the guest's");
  });

  it('says how to fix it when the other node cannot be reached over SSH', async () => {
    writeSiteScript(host, 'echo "[site] deployed again"\n');
    host.setFaults({
      fail: [
        {
          tool: 'ssh',
          count: 0,
          stderr: 'ssh: connect to host 192.168.1.11 port 22: Connection refused',
        },
      ],
    });
    const result = await host.phoenix(['apply', '910', '--yes', '--ascii']);
    host.setFaults({});
    expect(result.code).toBe(1);
    // The plan could not read the markers on pve2 either, and says so.
    expect(result.stdout).toContain(
      'cannot tell which features already ran: ssh: connect to host 192.168.1.11 port 22: Connection refused',
    );
    expect(result.stdout).toContain(
      'Feature base_setup: ssh: connect to host 192.168.1.11 port 22: Connection refused',
    );
    expect(result.stdout).toContain(
      "hint: phoenix reaches other nodes over root SSH, as Proxmox's own migration does: check `ssh root@pve2 true`",
    );
    const again = await host.phoenix(['apply', '910', '--yes', '--ascii', '--verbose']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('[site] deployed again');
  });
});
