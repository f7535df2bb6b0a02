import { describe, expect, it } from 'vitest';
import { Inventory } from '../../source/inventory/inventory.js';
import { parseConfigText } from '../../source/inventory/parse-config.js';
import type { GuestState } from '../../source/inventory/types.js';
import { configDrift, reconcile } from '../../source/reconcile/reconcile.js';
import { desiredSettings } from '../../source/reconcile/reconcile.js';
import { lxcSpec, vmSpec } from '../support/specs.js';

const vmConfig = (text: string) => parseConfigText(1000, 'qemu', text);
const ctConfig = (text: string) => parseConfigText(900, 'lxc', text);

const clonedVm = `agent: enabled=1,fstrim_cloned_disks=1
boot: order=scsi0;ide2;net0
cores: 2
ide2: local-lvm:vm-1000-cloudinit,media=cdrom
memory: 4096
meta: creation-qemu=10.0.2,ctime=1747300000
name: rumpledev
net0: virtio=BC:24:11:3F:A2:7C,bridge=vmbr0,firewall=1
ostype: l26
scsi0: local-lvm:vm-1000-disk-0,size=32G
scsihw: virtio-scsi-single
serial0: socket
smbios1: uuid=5f0c7e1e-0b8c-4d5e-9a4e-2f1b8f4d9c11
vga: serial0
vmgenid: 8a2d1d0e-6a54-4f39-8f0e-0c3f5b1e2d77
`;

function state(overrides: Partial<GuestState>): GuestState {
  return {
    id: 1000,
    type: 'qemu',
    node: 'pve',
    name: 'rumpledev',
    status: 'running',
    template: false,
    tags: [],
    cpu: 0.01,
    maxcpu: 2,
    mem: 1,
    maxmem: 4096 * 1024 * 1024,
    disk: 0,
    maxdisk: 32 * 1024 ** 3,
    uptime: 10,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
    ...overrides,
  };
}

describe('configDrift', () => {
  it('reports no drift for a freshly cloned VM that matches, whatever Proxmox adds', () => {
    expect(configDrift(vmSpec(), vmConfig(clonedVm))).toEqual([]);
  });

  it('reports a changed field with desired and live values', () => {
    const drift = configDrift(vmSpec({ cpu_cores: 4 }), vmConfig(clonedVm));
    expect(drift).toEqual([{ field: 'cpu_cores', key: 'cores', desired: '4', live: '2' }]);
  });

  it('does not manage what the config does not declare', () => {
    const spec = vmSpec({ declared: ['vm_id', 'vm_name'], cpu_cores: 8, memory_mb: 1 });
    expect(configDrift(spec, vmConfig(clonedVm))).toEqual([]);
  });

  it('treats Proxmox spellings of the same value as equal', () => {
    const spec = vmSpec({
      tags: ['Web-Server', 'development', 'web-server'],
      declared: [...vmSpec().declared, 'tags', 'boot_order', 'boot_delay', 'start_at_boot'],
      start_at_boot: true,
      boot_order: 2,
      boot_delay: 30,
      network_config: { ip: '10.0.0.101/24', gw: '10.0.0.1', nameserver: '10.0.0.13 1.1.1.1' },
    });
    const live = vmConfig(
      clonedVm.replace('memory: 4096', 'memory: current=4096') +
        'tags: development;web-server\nonboot: 1\nstartup: up=30,order=2\nipconfig0: gw=10.0.0.1,ip=10.0.0.101/24\nnameserver: 10.0.0.13 1.1.1.1\n',
    );
    expect(configDrift(spec, live)).toEqual([]);
  });

  it('compares SSH keys as stored URL-encoded and never shows the password hash', () => {
    const key = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx admin@laptop';
    const spec = vmSpec({
      user_config: { username: 'phoenix', ssh_public_key: key, password_hash: '$6$salt$hash' },
    });
    const live = vmConfig(
      `${clonedVm}ciuser: phoenix\nsshkeys: ${encodeURIComponent(`${key}\n`)}\n`,
    );
    const drift = configDrift(spec, live);
    expect(drift).toEqual([
      { field: 'user_config.password_hash', key: 'cipassword', desired: '(set)', live: undefined },
    ]);
    expect(
      configDrift(
        spec,
        vmConfig(
          `${clonedVm}ciuser: phoenix\ncipassword: **********\nsshkeys: ${encodeURIComponent(key)}\n`,
        ),
      ),
    ).toEqual([]);
  });

  it('keeps the MAC and unmanaged NIC options when it changes the bridge', () => {
    const spec = vmSpec({ network_bridge: 'vmbr1' });
    const live = vmConfig(clonedVm.replace('firewall=1', 'firewall=1,rate=50'));
    const net = desiredSettings(spec).find((s) => s.key === 'net0')!;
    expect(net.inSync(live)).toBe(false);
    expect(net.value(live)).toBe('virtio=BC:24:11:3F:A2:7C,bridge=vmbr1,firewall=1,rate=50');
  });

  it('compares container NICs, features and an immutable unprivileged flag', () => {
    const spec = lxcSpec({ pct_options: ['nesting=1', 'keyctl=1'], unprivileged: false });
    const live = ctConfig(`arch: amd64
cores: 2
features: keyctl=1,nesting=1
hostname: base-template
memory: 2048
net0: name=eth0,bridge=vmbr0,gw=10.0.0.1,hwaddr=BC:24:11:5E:3A:1F,ip=10.0.0.50/24,type=veth
ostype: debian
rootfs: local-lvm:vm-900-disk-0,size=8G
swap: 512
unprivileged: 1
`);
    expect(configDrift(spec, live)).toEqual([
      { field: 'unprivileged', key: 'unprivileged', desired: '0', live: '1', immutable: true },
    ]);
  });
});

describe('reconcile', () => {
  it('gives every guest of config and host one state', () => {
    const spec = {
      vms: [
        vmSpec(),
        vmSpec({ vm_id: 1001, vm_name: 'rumpletest', cpu_cores: 4 }),
        vmSpec({ vm_id: 1002, vm_name: 'rumpleprod' }),
        vmSpec({ vm_id: 9000, vm_name: 'ubuntu-24.04-cloud', is_template: true }),
      ],
      containers: [],
      lxcGlobals: {},
      configDir: 'etc',
    };
    const inventory = new Inventory([
      state({}),
      state({ id: 1001, name: 'rumpletest' }),
      state({ id: 9000, name: 'ubuntu-24.04-cloud', template: true, status: 'stopped' }),
      state({ id: 300, name: 'legacy', type: 'lxc' }),
      state({ id: 8000, name: 'old-template', template: true }),
    ]);
    const rows = reconcile(spec, inventory);
    expect(rows.map((row) => [row.id, row.state])).toEqual([
      [1000, 'in-sync'],
      [1001, 'drifted'],
      [1002, 'missing'],
      [9000, 'template'],
      [300, 'unmanaged'],
      [8000, 'template'],
    ]);
    expect(rows[1]!.drift).toEqual([
      { field: 'cpu_cores', key: 'cores', desired: '4 per socket', live: '2' },
    ]);
    expect(rows[2]!.status).toBe('missing');
  });

  it('flags an ID the host uses for the other kind of guest', () => {
    const rows = reconcile(
      { vms: [vmSpec()], containers: [], lxcGlobals: {}, configDir: 'etc' },
      new Inventory([state({ type: 'lxc', name: 'something' })]),
    );
    expect(rows[0]).toMatchObject({
      state: 'drifted',
      drift: [{ field: 'type', desired: 'a VM', live: 'a container' }],
    });
  });
});
