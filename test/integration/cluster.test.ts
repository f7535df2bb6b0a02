import { execFile } from 'node:child_process';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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

/**
 * Container 910 on pve2, made from an OS template, with a bind mount, a feature and an
 * application script.
 */
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
    mount_points: [
      { host_path: '/srv/far/media', container_path: '/media', owner_uid: 1000, owner_gid: 1000 },
    ],
  };
  writeFileSync(file, JSON.stringify(config, null, 2));
}

const guestRoot = (host: SimHost, id: number) =>
  join(host.dir, 'sim', 'guests', String(id), 'root');

/** Where pve2's own files are in the simulator (pve's are fs/). */
const pve2Files = (host: SimHost, path: string) =>
  join(host.dir, 'sim', 'nodes', 'pve2', 'fs', path);

const SSH_PVE2 =
  'ssh -e none -o BatchMode=yes -o HostKeyAlias=pve2 -o ConnectTimeout=15 root@192.168.1.11 --';

/** A simulator tool run as on a node (test setup). */
const onNode = (host: SimHost, node: string, tool: string, args: string[]) =>
  run(tool, args, { env: { ...host.env, PVE_SIM_NODE: node } });

/** The volids of a node's container templates on `local`. */
async function templatesOn(host: SimHost, node: string): Promise<string[]> {
  const { stdout } = await run(
    'pvesh',
    [
      'get',
      `/nodes/${node}/storage/local/content`,
      '--content',
      'vztmpl',
      '--output-format',
      'json',
    ],
    { env: host.env },
  );
  return (JSON.parse(stdout) as { volid: string }[]).map((volume) => volume.volid);
}

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
    // The plan shows the commands as they will run: pve2's through its API.
    const plan = await host.phoenix(['plan', '2000', '--ascii']);
    const planned = plan.stdout.split('\n').map((line) => line.trim());
    expect(planned).toContain(
      'qm clone 9100 2000 --name edge --full 1 --storage shared --target pve2',
    );
    expect(planned.some((line) => line.startsWith('pvesh set /nodes/pve2/qemu/2000/config '))).toBe(
      true,
    );
    expect(planned).toContain('pvesh create /nodes/pve2/qemu/2000/status/start');
    expect(planned.filter((line) => /^(qm|pct) \S+ 2000\b/.test(line))).toEqual([]);
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
    // The image goes to pve2's own `local` (the copy pve cached in the first test is pve's), in
    // a task that runs on there after the call: Phoenix waits for it.
    expect(calls.filter((call) => call.includes('download-url'))).toEqual([
      expect.stringMatching(/^pvesh create \/nodes\/pve2\/storage\/local\/download-url /),
    ]);
    expect(
      calls.some((call) =>
        /^pvesh get \/nodes\/pve2\/tasks\/UPID:pve2:\S+:download:local:root@pam:\/status /.test(
          call,
        ),
      ),
    ).toBe(true);
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
    const dryRun = await host.phoenix(['apply', '2002', '--dry-run', '--ascii']);
    expect(dryRun.code).toBe(0);
    const planned = dryRun.stdout.split('\n').map((line) => line.trim());
    expect(planned).toContain(
      "pvesh create /nodes/pve2/qemu/2002/agent/exec --command bash --command -s --input-data '<redacted>' --output-format json",
    );
    expect(planned.filter((line) => /^(qm|pct) /.test(line))).toEqual([]);
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

  it('plans a container on pve2 as its commands will run: the API of pve2, or root SSH to it', async () => {
    addFarContainer(host);
    // `local` is pve2's own storage: the template pve has is not there.
    await onNode(host, 'pve2', 'pveam', ['remove', OS_TEMPLATE]);
    expect(await templatesOn(host, 'pve')).toContain(OS_TEMPLATE);
    expect(await templatesOn(host, 'pve2')).not.toContain(OS_TEMPLATE);
    const before = host.calls().length;
    for (const args of [
      ['plan', '910'],
      ['apply', '910', '--dry-run'],
    ]) {
      const result = await host.phoenix([...args, '--ascii']);
      expect(result.stderr).toBe('');
      const lines = result.stdout.split('\n').map((line) => line.trim());
      expect(lines).toContain(
        'pvesh create /nodes/pve2/aplinfo --storage local --template debian-12-standard_12.7-1_amd64.tar.zst',
      );
      expect(
        lines.some((line) => line.startsWith('pvesh create /nodes/pve2/lxc --vmid 910 ')),
      ).toBe(true);
      // The bind mount's directory, made on pve2 over root SSH (not a file change here).
      expect(lines).toContain(`${SSH_PVE2} 'mkdir -p -m 0755 -- /srv/far/media'`);
      expect(lines).toContain(`${SSH_PVE2} 'chown 101000:101000 -- /srv/far/media'`);
      expect(lines.filter((line) => line.startsWith('(file)'))).toEqual([]);
      expect(lines).toContain(
        'pvesh set /nodes/pve2/lxc/910/config --mp0 /srv/far/media,mp=/media',
      );
      expect(lines).toContain('pvesh create /nodes/pve2/lxc/910/status/start');
      expect(lines).toContain(`${SSH_PVE2} 'pct exec 910 -- bash -s'`);
      // Nothing in the local form that would act on this node instead.
      expect(lines.filter((line) => /^(qm|pct|pveam|mkdir|chown) /.test(line))).toEqual([]);
    }
    // Planning read pve2 (its templates through the API, the directory over SSH), nothing more.
    const calls = host.calls().slice(before);
    expect(calls.filter((call) => isMutating(call.argv))).toEqual([]);
    expect(
      calls.some(
        (call) =>
          (call as CallRecord & { node?: string }).node === 'pve2' && call.argv[0] === 'stat',
      ),
    ).toBe(true);
  });

  it('runs features and the application script of a container on pve2 over root SSH', async () => {
    const before = host.calls().length;
    const result = await host.phoenix(['apply', '910', '--yes', '--ascii', '--verbose']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('[base_setup] done');
    expect(result.stdout).toContain('[site] deployed on far-ct');
    const records = host.calls().slice(before) as (CallRecord & { node?: string })[];
    const calls = records.map((call) => call.argv.join(' '));
    // The template was downloaded by pve2, in a task Phoenix waited for.
    expect(calls).toContain(
      'pvesh create /nodes/pve2/aplinfo --storage local --template debian-12-standard_12.7-1_amd64.tar.zst',
    );
    expect(
      calls.some((call) =>
        /^pvesh get \/nodes\/pve2\/tasks\/UPID:pve2:[^ ]+:download:[^ ]+\/status /.test(call),
      ),
    ).toBe(true);
    expect(calls.filter((call) => call.startsWith('pveam '))).toEqual([]);
    expect(await templatesOn(host, 'pve2')).toContain(OS_TEMPLATE);
    expect(result.stdout).toContain('download of');
    // The bind mount's directory was made on pve2, owned for the container's root-mapped user.
    expect(
      records
        .filter((call) => ['stat', 'mkdir', 'chown'].includes(call.argv[0]!))
        .map((call) => `${call.node}: ${call.argv.join(' ')}`),
    ).toEqual([
      // the plan's look, the step's look before it acts, and its check after
      'pve2: stat -c %u:%g -- /srv/far/media',
      'pve2: stat -c %u:%g -- /srv/far/media',
      'pve2: mkdir -p -m 0755 -- /srv/far/media',
      'pve2: chown 101000:101000 -- /srv/far/media',
      'pve2: stat -c %u:%g -- /srv/far/media',
    ]);
    const media = statSync(pve2Files(host, '/srv/far/media'));
    expect([media.isDirectory(), media.uid, media.gid]).toEqual([true, 101000, 101000]);
    expect(existsSync(join(host.dir, 'fs', 'srv', 'far'))).toBe(false);
    expect(result.stdout).toContain(`$ ${SSH_PVE2} mkdir -p -m 0755 -- /srv/far/media`);
    expect(result.stdout).toContain(
      'created host directory /srv/far/media on node pve2 owned by 101000:101000',
    );
    expect(calls).toContain(
      `pvesh create /nodes/pve2/lxc --vmid 910 --ostemplate ${OS_TEMPLATE} --hostname far-ct --memory 1024 --swap 512 --cores 2 --rootfs local-lvm:8 --unprivileged 1 --net0 name=eth0,bridge=vmbr0,gw=10.0.0.1,ip=10.0.0.130/24 --nameserver 10.0.0.1`,
    );
    expect(calls.filter((call) => call === `${SSH_PVE2} pct exec 910 -- bash -s`)).toHaveLength(2);
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

  it("reports a template download that failed on pve2 with the task's error, then completes it", async () => {
    const template = 'local:vztmpl/ubuntu-24.04-standard_24.04-2_amd64.tar.zst';
    const file = join(host.configDir, 'phoenix_lxc_configs.json');
    const config = JSON.parse(readFileSync(file, 'utf8')) as {
      lxc_configs: Record<string, unknown>;
    };
    config.lxc_configs['912'] = {
      name: 'far-noble',
      node: 'pve2',
      template,
      network_config: { ip: '10.0.0.132/24' },
      features: [],
    };
    writeFileSync(file, JSON.stringify(config, null, 2));
    host.setFaults({ storageFull: ['local'] });
    const failed = await host.phoenix(['apply', '912', '--yes', '--ascii']);
    host.setFaults({});
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain(
      'Download the OS template ubuntu-24.04-standard_24.04-2_amd64.tar.zst: the download of ubuntu-24.04-standard_24.04-2_amd64.tar.zst failed on node pve2: download failed: write error: No space left on device',
    );
    expect(failed.stdout).toContain(
      'TASK ERROR: download failed: write error: No space left on device',
    );
    expect(await templatesOn(host, 'pve2')).not.toContain(template);

    const again = await host.phoenix(['apply', '912', '--yes', '--ascii']);
    expect(again.stderr).toBe('');
    expect(again.code).toBe(0);
    expect(await templatesOn(host, 'pve2')).toContain(template);
    // pve, where Phoenix runs, never got it: the download was pve2's.
    expect(await templatesOn(host, 'pve')).not.toContain(template);
    const { stdout } = await run('pvesh', ['get', '/nodes/pve2/lxc', '--output-format', 'json'], {
      env: host.env,
    });
    expect((JSON.parse(stdout) as { vmid: number }[]).map((guest) => guest.vmid)).toContain(912);
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
    // The plan could not read the markers or the bind mount's directory on pve2, and says so.
    expect(result.stdout).toContain(
      'cannot tell which features already ran: ssh: connect to host 192.168.1.11 port 22: Connection refused',
    );
    expect(result.stdout).toContain(
      'cannot tell which bind mount directories exist on node pve2: ssh: connect to host 192.168.1.11 port 22: Connection refused',
    );
    // The first step that needs pve2 fails with what to check.
    expect(result.stdout).toContain(
      'Host directories for bind mounts: ssh: connect to host 192.168.1.11 port 22: Connection refused',
    );
    expect(result.stdout).toContain(
      "hint: phoenix reaches other nodes over root SSH, as Proxmox's own migration does: check `ssh root@pve2 true`",
    );
    const again = await host.phoenix(['apply', '910', '--yes', '--ascii', '--verbose']);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('[site] deployed again');
  });
});
