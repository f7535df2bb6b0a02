// `phoenix sim init DIR [--guests N] [--nodes K]`: seeds a fresh simulated Proxmox host.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeConfig, type GuestConfig } from './config-file.js';
import { nodeBlockDir, nodeRoot } from './node-root.js';

export interface InitOptions {
  /** Extra random guests for scale tests (deterministic). */
  guests?: number;
  /** Cluster nodes: pve, pve2, ... */
  nodes?: number;
  /** Seed for the random guests. */
  seed?: number;
  /** NVIDIA GPUs of the host (default 1), with their device nodes and a loaded driver. */
  gpus?: number;
}

/** The driver the simulated host runs (a current production branch). */
export const SIM_NVIDIA_DRIVER = '580.76.05';

export interface InitResult {
  dir: string;
  nodes: string[];
  guests: number;
}

/** A small deterministic PRNG (mulberry32). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GiB = 1024 ** 3;

export const storageCfg = `dir: local
\tpath /var/lib/vz
\tcontent iso,vztmpl,backup,snippets,import

lvmthin: local-lvm
\tthinpool data
\tvgname pve
\tcontent rootdir,images
`;

export function initSimulator(dir: string, options: InitOptions = {}): InitResult {
  const nodeCount = Math.max(1, options.nodes ?? 1);
  const guestCount = Math.max(0, options.guests ?? 0);
  if (existsSync(join(dir, 'nodes')) || existsSync(join(dir, 'storage.cfg'))) {
    throw new Error(`${dir} already holds a simulated host (remove it first)`);
  }
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new Error(`${dir} is not empty; sim init needs an empty or new directory`);
  }
  const random = rng(options.seed ?? 42);
  const hex = (n: number) =>
    Array.from({ length: n }, () => Math.floor(random() * 16).toString(16)).join('');
  const uuid = () =>
    `${hex(8)}-${hex(4)}-4${hex(3)}-${'89ab'[Math.floor(random() * 4)]}${hex(3)}-${hex(12)}`;
  const mac = () =>
    ['BC', '24', '11', ...Array.from({ length: 3 }, () => hex(2).toUpperCase())].join(':');
  const nodes = Array.from({ length: nodeCount }, (_, i) => (i === 0 ? 'pve' : `pve${i + 1}`));
  const ctime = 1747300000;

  for (const node of nodes) {
    mkdirSync(join(dir, 'nodes', node, 'qemu-server'), { recursive: true });
    mkdirSync(join(dir, 'nodes', node, 'lxc'), { recursive: true });
  }
  writeFileSync(join(dir, 'storage.cfg'), storageCfg);
  mkdirSync(join(dir, 'sim', 'run'), { recursive: true });
  writeFileSync(
    join(dir, 'sim', 'storage-sizes.json'),
    JSON.stringify({
      local: { total: 98497780 * 1024, baseUsed: 11403428 * 1024 - 132266967 },
      'local-lvm': { total: 366276608 * 1024, baseUsed: 0 },
    }),
  );
  // Every node has its own files and local storages (node-root.ts): GPUs, the `local`
  // directories with the Debian template every node downloaded, an empty `local-lvm`.
  const env = { dir, node: nodes[0]!, latency: 0 };
  for (const node of nodes) {
    const root = nodeRoot(env, node);
    seedHostGpus(root, options.gpus ?? 1);
    const vz = join(root, 'var', 'lib', 'vz');
    for (const sub of ['template/iso', 'template/cache', 'dump', 'snippets', 'import', 'images']) {
      mkdirSync(join(vz, sub), { recursive: true });
    }
    writeFileSync(
      join(vz, 'template', 'cache', 'debian-12-standard_12.7-1_amd64.tar.zst'),
      JSON.stringify({ size: 132266967 }),
    );
    mkdirSync(nodeBlockDir(env, 'local-lvm', node), { recursive: true });
  }
  const volume = (node: string, name: string, size: number) =>
    writeFileSync(join(nodeBlockDir(env, 'local-lvm', node), name), JSON.stringify({ size }));

  const write = (node: string, kind: 'qemu' | 'lxc', vmid: number, config: GuestConfig) =>
    writeFileSync(
      join(dir, 'nodes', node, kind === 'qemu' ? 'qemu-server' : 'lxc', `${vmid}.conf`),
      writeConfig(config, kind),
    );

  volume('pve', 'base-9000-disk-0', 3.5 * GiB);
  volume('pve', 'vm-9000-cloudinit', 4 * 1024 ** 2);
  write('pve', 'qemu', 9000, {
    main: {
      props: {
        agent: '1',
        boot: 'order=scsi0',
        cores: '2',
        description: 'Ubuntu 24.04 LTS cloud image template',
        ide2: 'local-lvm:vm-9000-cloudinit,media=cdrom',
        memory: '2048',
        meta: `creation-qemu=10.0.2,ctime=${ctime}`,
        name: 'ubuntu-24.04-cloud',
        net0: `virtio=${mac()},bridge=vmbr0`,
        ostype: 'l26',
        scsi0: 'local-lvm:base-9000-disk-0,size=3584M',
        scsihw: 'virtio-scsi-single',
        serial0: 'socket',
        smbios1: `uuid=${uuid()}`,
        template: '1',
        vga: 'serial0',
        vmgenid: uuid(),
      },
      lxc: [],
    },
    snapshots: {},
  });

  const words = ['web', 'db', 'cache', 'api', 'worker', 'gpu', 'ml', 'proxy', 'mon', 'dev'];
  const tagPool = ['prod', 'dev', 'ai', 'web', 'db', 'lab'];
  let vmid = 100;
  const running: number[] = [];
  for (let i = 0; i < guestCount; i++, vmid++) {
    if (vmid === 9000) vmid++;
    const node = nodes[Math.floor(random() * nodes.length)]!;
    const qemu = random() < 0.5;
    const name = `${words[Math.floor(random() * words.length)]}${String(i + 1).padStart(2, '0')}`;
    const tags =
      random() < 0.4
        ? [
            ...new Set([
              tagPool[Math.floor(random() * tagPool.length)]!,
              tagPool[Math.floor(random() * tagPool.length)]!,
            ]),
          ]
            .sort()
            .join(';')
        : undefined;
    const disk = [8, 16, 32, 64][Math.floor(random() * 4)]!;
    const memory = [512, 1024, 2048, 4096, 8192][Math.floor(random() * 5)]!;
    const cores = [1, 2, 4][Math.floor(random() * 3)]!;
    volume(node, `vm-${vmid}-disk-0`, disk * GiB);
    const props: Record<string, string> = qemu
      ? {
          agent: '1',
          boot: 'order=scsi0;net0',
          cores: String(cores),
          memory: String(memory),
          meta: `creation-qemu=10.0.2,ctime=${ctime}`,
          name,
          net0: `virtio=${mac()},bridge=vmbr0,firewall=1`,
          ostype: 'l26',
          scsi0: `local-lvm:vm-${vmid}-disk-0,iothread=1,size=${disk}G`,
          scsihw: 'virtio-scsi-single',
          smbios1: `uuid=${uuid()}`,
          vmgenid: uuid(),
        }
      : {
          arch: 'amd64',
          cores: String(cores),
          features: 'nesting=1',
          hostname: name,
          memory: String(memory),
          net0: `name=eth0,bridge=vmbr0,firewall=1,hwaddr=${mac()},ip=dhcp,type=veth`,
          ostype: 'debian',
          rootfs: `local-lvm:vm-${vmid}-disk-0,size=${disk}G`,
          swap: '512',
          unprivileged: '1',
        };
    if (tags) props.tags = tags;
    write(node, qemu ? 'qemu' : 'lxc', vmid, { main: { props, lxc: [] }, snapshots: {} });
    if (random() < 0.5) running.push(vmid);
  }
  const now = Date.now();
  for (const id of running) {
    writeFileSync(
      join(dir, 'sim', 'run', `${id}.json`),
      JSON.stringify({
        status: 'running',
        pid: 10000 + id,
        startedAt: now - 3600_000,
        agentAt: now - 3500_000,
        cloudInitAt: now - 3400_000,
      }),
    );
  }
  return { dir, nodes, guests: guestCount };
}

/** The host's GPUs as a node shows them: /dev/nvidiaN, the control devices, the driver version. */
function seedHostGpus(fs: string, count: number): void {
  if (count <= 0) return;
  mkdirSync(join(fs, 'dev'), { recursive: true });
  for (let index = 0; index < count; index++) writeFileSync(join(fs, 'dev', `nvidia${index}`), '');
  for (const device of ['nvidiactl', 'nvidia-uvm', 'nvidia-uvm-tools'])
    writeFileSync(join(fs, 'dev', device), '');
  mkdirSync(join(fs, 'proc', 'driver', 'nvidia'), { recursive: true });
  writeFileSync(
    join(fs, 'proc', 'driver', 'nvidia', 'version'),
    `NVRM version: NVIDIA UNIX x86_64 Kernel Module  ${SIM_NVIDIA_DRIVER}  Release Build  (dvs-builder@U16-I3-B03-4-3)  Thu Jul 24 2025\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n`,
  );
}
