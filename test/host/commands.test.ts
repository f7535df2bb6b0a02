import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  configArgv,
  destroyArgv,
  INVENTORY_ARGV,
  listSnapshotsArgv,
  NODES_ARGV,
  powerArgv,
  rollbackArgv,
  snapshotArgv,
  unlockArgv,
  type PowerAction,
} from '../../source/host/commands.js';
import type { GuestRef } from '../../source/inventory/types.js';

// The command lines the adapter builds, checked against the Proxmox API schema (parameters of
// the endpoints involved, extracted from pve-docs' apidata into fixtures/host-endpoints.json).

interface Param {
  type: string;
  enum?: string[];
  optional?: number;
}
const schema = JSON.parse(
  readFileSync(new URL('./fixtures/host-endpoints.json', import.meta.url), 'utf8'),
) as {
  endpoints: Record<string, Record<string, Param>>;
};

const apiPath = (path: string): string =>
  path
    .replace(/^\/nodes\/[^/]+/, '/nodes/{node}')
    .replace(/\/(qemu|lxc)\/\d+/, '/$1/{vmid}')
    .replace(/\/snapshot\/[^/]+\/rollback$/, '/snapshot/{snapname}/rollback')
    .replace(/\/storage\/[^/]+\/content$/, '/storage/{storage}/content');

const cliVerbs: Record<string, string> = {
  get: 'GET',
  create: 'POST',
  set: 'PUT',
  delete: 'DELETE',
};

/** The endpoint and options behind a qm/pct/pvesh command line, as the CLIs map them. */
function endpointOf(argv: readonly string[]): { key: string; options: Record<string, string> } {
  const [tool, sub, ...rest] = argv;
  const options: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i]!;
    if (arg.startsWith('--')) options[arg.slice(2)] = rest[++i] ?? '';
    else positional.push(arg);
  }
  if (tool === 'pvesh') {
    delete options['output-format'];
    return { key: `${cliVerbs[sub!]} ${apiPath(positional[0]!)}`, options };
  }
  const kind = tool === 'qm' ? 'qemu' : 'lxc';
  const base = `/nodes/{node}/${kind}/{vmid}`;
  switch (sub) {
    case 'start':
    case 'stop':
    case 'shutdown':
    case 'reboot':
      return { key: `POST ${base}/status/${sub}`, options };
    case 'destroy':
      return { key: `DELETE ${base}`, options };
    case 'snapshot':
      return { key: `POST ${base}/snapshot`, options: { ...options, snapname: positional[1]! } };
    case 'listsnapshot':
      return { key: `GET ${base}/snapshot`, options };
    case 'rollback':
      return { key: `POST ${base}/snapshot/{snapname}/rollback`, options };
    case 'config':
      return { key: `GET ${base}/config`, options };
    default:
      throw new Error(`no endpoint mapping for ${argv.join(' ')}`);
  }
}

function expectValid(argv: readonly string[]): void {
  const { key, options } = endpointOf(argv);
  const params = schema.endpoints[key];
  expect(params, `${key} exists in the API schema`).toBeDefined();
  for (const [name, value] of Object.entries(options)) {
    const param = params![name];
    expect(param, `${key} has a parameter '${name}'`).toBeDefined();
    if (param!.type === 'boolean') expect(['0', '1']).toContain(value);
    if (param!.type === 'integer') expect(value).toMatch(/^\d+$/);
    if (param!.enum) expect(param!.enum).toContain(value);
  }
}

const local: GuestRef = { id: 100, type: 'qemu', node: 'pve' };
const localCt: GuestRef = { id: 101, type: 'lxc', node: 'pve' };
const remote: GuestRef = { id: 200, type: 'qemu', node: 'pve2' };
const remoteCt: GuestRef = { id: 201, type: 'lxc', node: 'pve2' };
const actions: PowerAction[] = ['start', 'stop', 'shutdown', 'reboot'];

describe('cluster-aware command lines', () => {
  it('uses qm/pct for guests on this node and pvesh for other nodes', () => {
    expect(powerArgv('start', local, 'pve')).toEqual(['qm', 'start', '100']);
    expect(powerArgv('stop', localCt, 'pve')).toEqual(['pct', 'stop', '101']);
    expect(powerArgv('start', remote, 'pve')).toEqual([
      'pvesh',
      'create',
      '/nodes/pve2/qemu/200/status/start',
    ]);
    expect(
      powerArgv('shutdown', remoteCt, 'pve', { timeoutSeconds: 120, forceStop: true }),
    ).toEqual([
      'pvesh',
      'create',
      '/nodes/pve2/lxc/201/status/shutdown',
      '--timeout',
      '120',
      '--forceStop',
      '1',
    ]);
    expect(destroyArgv(local, 'pve', { purge: true })).toEqual([
      'qm',
      'destroy',
      '100',
      '--purge',
      '1',
    ]);
    expect(destroyArgv(remoteCt, 'pve')).toEqual(['pvesh', 'delete', '/nodes/pve2/lxc/201']);
    expect(snapshotArgv(local, 'snap1', 'pve')).toEqual(['qm', 'snapshot', '100', 'snap1']);
    expect(snapshotArgv(remote, 'snap1', 'pve', { description: 'x' })).toEqual([
      'pvesh',
      'create',
      '/nodes/pve2/qemu/200/snapshot',
      '--snapname',
      'snap1',
      '--description',
      'x',
    ]);
    expect(rollbackArgv(remote, 'snap1', 'pve')).toEqual([
      'pvesh',
      'create',
      '/nodes/pve2/qemu/200/snapshot/snap1/rollback',
    ]);
    expect(configArgv(remoteCt, 'pve')).toEqual([
      'pvesh',
      'get',
      '/nodes/pve2/lxc/201/config',
      '--output-format',
      'json',
    ]);
    expect(unlockArgv(local, 'pve')).toEqual(['qm', 'unlock', '100']);
  });

  it('builds only commands the Proxmox API schema accepts', () => {
    for (const ref of [local, localCt, remote, remoteCt]) {
      for (const action of actions) {
        expectValid(powerArgv(action, ref, 'pve'));
        expectValid(powerArgv(action, ref, 'pve', { timeoutSeconds: 30, forceStop: true }));
      }
      expectValid(destroyArgv(ref, 'pve', { purge: true }));
      expectValid(
        snapshotArgv(ref, 'snap1', 'pve', { description: 'before upgrade', vmstate: true }),
      );
      expectValid(rollbackArgv(ref, 'snap1', 'pve', { start: true }));
      expectValid(listSnapshotsArgv(ref, 'pve'));
      expectValid(configArgv(ref, 'pve'));
    }
    expectValid(INVENTORY_ARGV);
    expectValid(NODES_ARGV);
    expectValid([
      'pvesh',
      'get',
      '/nodes/pve/network',
      '--type',
      'any_bridge',
      '--output-format',
      'json',
    ]);
    expectValid([
      'pvesh',
      'get',
      '/nodes/pve/storage/local-lvm/content',
      '--content',
      'images',
      '--output-format',
      'json',
    ]);
    expectValid(['pvesh', 'get', '/cluster/nextid', '--output-format', 'json']);
    expectValid([
      'pvesh',
      'set',
      '/nodes/pve2/qemu/200/config',
      '--delete',
      'lock',
      '--skiplock',
      '1',
    ]);
  });

  it('rejects what the schema does not have (the check can fail)', () => {
    expect(() =>
      expectValid(['pvesh', 'get', '/nodes/pve/network', '--type', 'bridges']),
    ).toThrow();
    expect(() => expectValid(['qm', 'destroy', '100', '--wipe', '1'])).toThrow();
  });
});
