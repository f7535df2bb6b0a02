// pvesh: the API paths Phoenix reads (reference §2) plus guest power actions on any node.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Ctx } from './context.js';
import { effectiveProps } from './config-file.js';
import { SimError, UsageError } from './errors.js';
import { paths } from './env.js';
import {
  getRuntime,
  listGuests,
  listNodes,
  loadConfig,
  nodeAddress,
  nodeFacts,
  recentlyCreated,
  runningIds,
  type GuestRef,
} from './cluster.js';
import { ARRAY_SEPARATOR, parseArgs, type CommandSpec } from './getopt.js';
import { endpoint, expandProperties, hasEndpoint, type PropSchema } from './schema/schema.js';
import { bootDisk, driveSizeBytes, memoryMiB } from './qemu-devices.js';
import { listVolumes, readStorageCfg, storageCapacity, storageUsed } from './storage.js';
import { jsonCompact, jsonPretty, textTable } from './text.js';
import { sizeOf } from './pct.js';
import { qmMain } from './qm.js';
import { pctMain } from './pct.js';
import { catalogue } from './pveam.js';
import { dhcpAddress } from './guest-exec.js';
import { downloadUrlRoute } from './download-url.js';
import { aplDownloadRoute } from './aplinfo.js';
import { onNode as asNode } from './node-root.js';
import { readTask } from './tasks.js';
import { guestCreateRoutes, sshKeysAsFile } from './pvesh-create.js';

type Json = Record<string, unknown>;

const formatOptions: Record<string, PropSchema> = {
  'output-format': { type: 'string', enum: ['text', 'json', 'json-pretty', 'yaml'], optional: 1 },
  noheader: { type: 'boolean', optional: 1 },
  noborder: { type: 'boolean', optional: 1 },
  quiet: { type: 'boolean', optional: 1 },
  'human-readable': { type: 'boolean', optional: 1 },
};

function guestEntry(
  ctx: Ctx,
  ref: GuestRef,
  running: Set<number>,
  withType: boolean,
): Json | undefined {
  let props: Record<string, string>;
  try {
    props = loadConfig(ctx.env, ref.kind, ref.vmid, ref.node).main.props;
  } catch {
    return undefined;
  }
  const runtime = running.has(ref.vmid) ? getRuntime(ctx.env, ref.vmid) : undefined;
  const uptime = runtime ? Math.floor((Date.now() - runtime.startedAt) / 1000) : 0;
  const qemu = ref.kind === 'qemu';
  const maxmem = (qemu ? memoryMiB(props) : Number(props.memory ?? 512)) * 1024 * 1024;
  const disk = qemu ? bootDisk(props) : undefined;
  const maxdisk = qemu ? (disk ? driveSizeBytes(props[disk]) : 0) : sizeOf(props.rootfs);
  const entry: Json = {
    vmid: ref.vmid,
    name: qemu ? (props.name ?? `VM ${ref.vmid}`) : (props.hostname ?? `CT${ref.vmid}`),
    status: runtime ? (qemu ? runtime.status : 'running') : 'stopped',
    maxmem,
    mem: runtime ? Math.floor(maxmem * 0.3) : 0,
    maxdisk,
    disk: !qemu && runtime ? Math.floor(maxdisk * 0.2) : 0,
    uptime,
    cpu: runtime ? 0.01 : 0,
    netin: runtime ? 1024 * uptime : 0,
    netout: runtime ? 512 * uptime : 0,
    diskread: 0,
    diskwrite: 0,
  };
  if (props.tags) entry.tags = props.tags;
  if (props.lock) entry.lock = props.lock;
  if (withType) {
    entry.id = `${ref.kind}/${ref.vmid}`;
    entry.type = ref.kind;
    entry.node = ref.node;
    entry.template = props.template === '1' ? 1 : 0;
    entry.maxcpu = qemu
      ? Number(props.cores ?? 1) * Number(props.sockets ?? 1)
      : Number(props.cores ?? nodeFacts.cpus);
    if (qemu) entry.memhost = entry.mem;
  } else {
    entry.cpus = qemu
      ? Math.min(
          Number(props.vcpus ?? Number(props.cores ?? 1) * Number(props.sockets ?? 1)),
          nodeFacts.cpus,
        )
      : Number(props.cores ?? nodeFacts.cpus);
    if (props.template === '1') entry.template = 1;
    if (runtime) entry.pid = runtime.pid;
    if (qemu) {
      entry.memhost = entry.mem;
      if (Object.keys(props).some((k) => /^serial\d$/.test(k))) entry.serial = 1;
      delete entry.diskread;
      delete entry.diskwrite;
    } else {
      entry.type = 'lxc';
      entry.maxswap = Number(props.swap ?? 512) * 1024 * 1024;
      entry.swap = 0;
    }
  }
  return entry;
}

function storageEntries(ctx: Ctx, node: string): Json[] {
  const env = asNode(ctx.env, node);
  return readStorageCfg(env)
    .filter((s) => !s.nodes || s.nodes.includes(node))
    .map((s) => {
      const { total } = storageCapacity(env, s.id);
      const used = storageUsed(env, s);
      return { storage: s, total, used };
    })
    .map(({ storage, total, used }) => ({
      storage: storage.id,
      type: storage.type,
      content: storage.content.join(','),
      enabled: storage.disabled ? 0 : 1,
      active: storage.disabled ? 0 : 1,
      shared: storage.shared ? 1 : 0,
      total,
      used,
      avail: total - used,
      used_fraction: total ? used / total : 0,
    }));
}

function nodeEntry(ctx: Ctx, node: string): Json {
  return {
    node,
    status: 'online',
    cpu: 0.03,
    maxcpu: nodeFacts.cpus,
    mem: Math.floor(nodeFacts.memory * 0.25),
    maxmem: nodeFacts.memory,
    disk: Math.floor(nodeFacts.rootfsTotal * 0.12),
    maxdisk: nodeFacts.rootfsTotal,
    uptime: 864000,
    level: '',
    id: `node/${node}`,
    type: 'node',
    ssl_fingerprint: createHash('sha256')
      .update(node)
      .digest('hex')
      .toUpperCase()
      .match(/../g)!
      .join(':'),
  };
  void ctx;
}

function requireNode(ctx: Ctx, node: string): void {
  if (!listNodes(ctx.env).includes(node)) {
    throw new SimError(
      `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`,
    );
  }
}

function configJson(
  ctx: Ctx,
  kind: 'qemu' | 'lxc',
  node: string,
  vmid: number,
  current: boolean,
): Json {
  const file = paths.conf(ctx.env.dir, node, kind, vmid);
  const conf = loadConfig(ctx.env, kind, vmid, node);
  const props = effectiveProps(conf, current);
  const schemas = expandProperties(
    endpoint(
      kind === 'qemu'
        ? 'PUT /nodes/{node}/qemu/{vmid}/config'
        : 'PUT /nodes/{node}/lxc/{vmid}/config',
    ).properties,
  );
  const out: Json = { digest: createHash('sha1').update(readFileSync(file)).digest('hex') };
  for (const [k, v] of Object.entries(props)) {
    const type = schemas.get(k)?.type;
    out[k] =
      k === 'cipassword'
        ? '**********'
        : type === 'integer' || type === 'number' || type === 'boolean'
          ? Number(v)
          : v;
  }
  if (kind === 'lxc' && conf.main.lxc.length) out.lxc = conf.main.lxc.map(([a, b]) => [a, b]);
  return out;
}

function upid(node: string, type: string, id: string): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, '0');
  return `UPID:${node}:${hex(process.pid)}:${hex(Math.floor(performance.now()))}:${hex(Math.floor(Date.now() / 1000))}:${type}:${id}:root@pam:`;
}

/** Runs a qm/pct action as if on `node` (pvesh works cluster-wide). */
function onNode(ctx: Ctx, node: string, tool: 'qm' | 'pct', args: string[]): number {
  let stdout = '';
  const sub: Ctx = { ...ctx, env: { ...ctx.env, node }, tool, args, out: (t) => (stdout += t) };
  const code = (tool === 'qm' ? qmMain : pctMain)(sub);
  void stdout;
  return code;
}

/** Options as CLI arguments for the delegated qm/pct command. */
function asArgs(params: Record<string, string>, skip: string[] = []): string[] {
  const args: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (k in formatOptions || skip.includes(k)) continue;
    args.push(`--${k}`, v);
  }
  return args;
}

/** API calls answered by running the matching qm/pct command on the guest's node. */
function delegated(kind: 'qemu' | 'lxc'): Route[] {
  const tool = kind === 'qemu' ? 'qm' : 'pct';
  const prefix = kind === 'qemu' ? 'qm' : 'vz';
  const run = (ctx: Ctx, node: string, args: string[], worker?: string, id?: string) => {
    requireNode(ctx, node);
    const code = onNode(ctx, node, tool, args);
    if (code !== 0) throw new SimError('', code);
    return worker ? upid(node, worker, id ?? '') : null;
  };
  const base = `/nodes/{node}/${kind}/{vmid}`;
  const routes: Route[] = [
    {
      method: 'DELETE',
      template: base,
      handler: (ctx, v, p) =>
        run(ctx, v.node!, ['destroy', v.vmid!, ...asArgs(p)], `${prefix}destroy`, v.vmid),
    },
    {
      method: 'PUT',
      template: `${base}/config`,
      handler: (ctx, v, p) => run(ctx, v.node!, ['set', v.vmid!, ...asArgs(sshKeysAsFile(ctx, p))]),
    },
    {
      method: 'POST',
      template: `${base}/snapshot`,
      handler: (ctx, v, p) =>
        run(
          ctx,
          v.node!,
          ['snapshot', v.vmid!, p.snapname ?? '', ...asArgs(p, ['snapname'])],
          `${prefix}snapshot`,
          v.vmid,
        ),
    },
    {
      method: 'DELETE',
      template: `${base}/snapshot/{snapname}`,
      handler: (ctx, v, p) =>
        run(
          ctx,
          v.node!,
          ['delsnapshot', v.vmid!, v.snapname!, ...asArgs(p)],
          `${prefix}delsnapshot`,
          v.vmid,
        ),
    },
    {
      method: 'POST',
      template: `${base}/snapshot/{snapname}/rollback`,
      handler: (ctx, v, p) =>
        run(
          ctx,
          v.node!,
          ['rollback', v.vmid!, v.snapname!, ...asArgs(p)],
          `${prefix}rollback`,
          v.vmid,
        ),
    },
  ];
  routes.push(
    {
      method: 'POST',
      template: `${base}/template`,
      handler: (ctx, v, p) =>
        run(ctx, v.node!, ['template', v.vmid!, ...asArgs(p)], `${prefix}template`, v.vmid),
    },
    {
      method: 'PUT',
      template: `${base}/resize`,
      handler: (ctx, v, p) =>
        run(
          ctx,
          v.node!,
          ['resize', v.vmid!, p.disk ?? '', p.size ?? '', ...asArgs(p, ['disk', 'size'])],
          'resize',
          v.vmid,
        ),
    },
  );
  if (kind === 'qemu') {
    routes.push({
      method: 'POST',
      template: `${base}/config`,
      handler: (ctx, v, p) =>
        run(ctx, v.node!, ['set', v.vmid!, ...asArgs(sshKeysAsFile(ctx, p))], 'qmconfig', v.vmid),
    });
    // the guest agent through the API: {"result": ...}
    const captured = (ctx: Ctx, node: string, args: string[], stdin?: string): string => {
      requireNode(ctx, node);
      let stdout = '';
      const sub: Ctx = {
        ...ctx,
        env: { ...ctx.env, node },
        tool: 'qm',
        args,
        out: (t) => (stdout += t),
        ...(stdin === undefined ? {} : { stdin }),
      };
      const code = qmMain(sub);
      if (code !== 0) throw new SimError('', code);
      return stdout;
    };
    const parse = (text: string): unknown =>
      text.trim() ? JSON.parse(text.replace(/" : /g, '": ')) : {};
    routes.push(
      {
        method: 'POST',
        template: `${base}/agent/exec`,
        handler(ctx, v, p) {
          const argv = (p.command ?? '').split(ARRAY_SEPARATOR).filter(Boolean);
          // input-data is the command's stdin (as `qm guest exec --pass-stdin` reads it)
          const input = p['input-data'];
          const stdin = input === undefined ? [] : ['--pass-stdin', '1'];
          return parse(
            captured(
              ctx,
              v.node!,
              ['guest', 'exec', v.vmid!, '--synchronous', '0', ...stdin, '--', ...argv],
              input,
            ),
          );
        },
      },
      {
        method: 'GET',
        template: `${base}/agent/exec-status`,
        handler: (ctx, v, p) =>
          parse(captured(ctx, v.node!, ['guest', 'exec-status', v.vmid!, p.pid ?? ''])),
      },
      ...(['GET', 'POST'] as const).map((method): Route => ({
        method,
        template: `${base}/agent/{command}`,
        handler: (ctx, v) => ({
          result: parse(captured(ctx, v.node!, ['agent', v.vmid!, v.command!])),
        }),
      })),
    );
  }
  return routes;
}

interface Route {
  method: string;
  template: string;
  handler(ctx: Ctx, vars: Record<string, string>, params: Record<string, string>): unknown;
}

const routes: Route[] = [
  downloadUrlRoute,
  aplDownloadRoute,
  ...guestCreateRoutes,
  {
    method: 'GET',
    template: '/cluster/resources',
    handler(ctx, _vars, params) {
      const out: Json[] = [];
      const running = runningIds(ctx.env);
      if (!params.type || params.type === 'vm') {
        const guests = listGuests(ctx.env).sort((a, b) =>
          String(a.vmid) < String(b.vmid) ? -1 : 1,
        );
        // pvestatd reports a new guest's stats only ~10 s after its creation
        const fresh = recentlyCreated(ctx.env, 10_000 * ctx.env.latency);
        for (const ref of guests) {
          if (fresh.has(ref.vmid)) {
            const { kind: type, vmid, node } = ref;
            out.push({ id: `${type}/${vmid}`, node, status: 'unknown', type, vmid });
            continue;
          }
          const entry = guestEntry(ctx, ref, running, true);
          if (entry) out.push(entry);
        }
      }
      if (!params.type || params.type === 'node')
        for (const node of listNodes(ctx.env)) out.push(nodeEntry(ctx, node));
      if (!params.type || params.type === 'storage') {
        for (const node of listNodes(ctx.env)) {
          for (const s of storageEntries(ctx, node)) {
            out.push({
              id: `storage/${node}/${s.storage}`,
              storage: s.storage,
              node,
              type: 'storage',
              plugintype: s.type,
              status: 'available',
              shared: s.shared,
              content: s.content,
              maxdisk: s.total,
              disk: s.used,
            });
          }
        }
      }
      return out;
    },
  },
  {
    method: 'GET',
    template: '/cluster/nextid',
    handler(ctx, _vars, params) {
      const taken = new Set(listGuests(ctx.env).map((g) => g.vmid));
      if (params.vmid !== undefined) {
        if (taken.has(Number(params.vmid))) {
          const error = new SimError('400 Parameter verification failed.');
          throw Object.assign(error, {
            message: `400 Parameter verification failed.\nvmid: VM ${params.vmid} already exists`,
          });
        }
        return params.vmid;
      }
      let id = 100;
      while (taken.has(id)) id++;
      return String(id);
    },
  },
  {
    method: 'GET',
    template: '/nodes',
    handler: (ctx) => listNodes(ctx.env).map((n) => nodeEntry(ctx, n)),
  },
  {
    method: 'GET',
    template: '/cluster/status',
    handler(ctx) {
      const nodes = listNodes(ctx.env);
      const entries: Json[] = nodes.map((name, i) => ({
        id: `node/${name}`,
        ip: nodeAddress(ctx.env, name),
        level: '',
        local: name === ctx.env.node ? 1 : 0,
        name,
        nodeid: nodes.length > 1 ? i + 1 : 0,
        online: 1,
        type: 'node',
      }));
      if (nodes.length > 1) {
        entries.unshift({
          id: 'cluster',
          name: 'phoenix-lab',
          nodes: nodes.length,
          quorate: 1,
          type: 'cluster',
          version: nodes.length + 2,
        });
      }
      return entries;
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/status',
    handler(ctx, vars) {
      requireNode(ctx, vars.node!);
      const used = Math.floor(nodeFacts.memory * 0.25);
      return {
        cpu: 0.03,
        cpuinfo: {
          cores: nodeFacts.cpus / 2,
          cpus: nodeFacts.cpus,
          model: 'AMD EPYC 7302P 16-Core Processor',
          sockets: 1,
          mhz: '3000.000',
        },
        kversion:
          'Linux 6.14.8-2-pve #1 SMP PREEMPT_DYNAMIC PMX 6.14.8-2 (2025-07-22T10:04Z) x86_64',
        loadavg: ['0.12', '0.20', '0.18'],
        memory: { free: nodeFacts.memory - used, total: nodeFacts.memory, used },
        pveversion: 'pve-manager/9.2.11/a2a1ff8dc1bd7d1a',
        rootfs: {
          avail: Math.floor(nodeFacts.rootfsTotal * 0.88),
          free: Math.floor(nodeFacts.rootfsTotal * 0.88),
          total: nodeFacts.rootfsTotal,
          used: Math.floor(nodeFacts.rootfsTotal * 0.12),
        },
        uptime: 864000,
      };
    },
  },
  {
    method: 'GET',
    template: '/version',
    handler: () => ({
      release: '9.2',
      repoid: 'a2a1ff8dc1bd7d1a',
      version: '9.2.11',
      console: 'xtermjs',
    }),
  },
  {
    method: 'GET',
    template: '/nodes/{node}/network',
    handler(ctx, vars, params) {
      requireNode(ctx, vars.node!);
      const address = nodeAddress(ctx.env, vars.node!);
      const bridges = [
        {
          iface: 'vmbr0',
          type: 'bridge',
          active: 1,
          autostart: 1,
          method: 'static',
          method6: 'manual',
          families: ['inet'],
          address,
          netmask: '24',
          cidr: `${address}/24`,
          gateway: '192.168.1.1',
          bridge_ports: 'eno1',
          bridge_stp: 'off',
          bridge_fd: '0',
          priority: 4,
        },
        {
          iface: 'eno1',
          type: 'eth',
          active: 1,
          exists: 1,
          method: 'manual',
          method6: 'manual',
          families: ['inet'],
          priority: 3,
        },
      ];
      const type = params.type;
      if (!type) return bridges;
      if (type === 'bridge' || type === 'any_bridge' || type === 'any_local_bridge')
        return bridges.filter((b) => b.type === 'bridge');
      return bridges.filter((b) => b.type === type);
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/qemu',
    handler(ctx, vars) {
      requireNode(ctx, vars.node!);
      const running = runningIds(ctx.env);
      return listGuests(ctx.env, vars.node, 'qemu')
        .map((ref) => guestEntry(ctx, ref, running, false))
        .filter(Boolean);
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/lxc',
    handler(ctx, vars) {
      requireNode(ctx, vars.node!);
      const running = runningIds(ctx.env);
      return listGuests(ctx.env, vars.node, 'lxc')
        .map((ref) => guestEntry(ctx, ref, running, false))
        .filter(Boolean);
    },
  },
  ...(['qemu', 'lxc'] as const).flatMap((kind): Route[] => [
    {
      method: 'GET',
      template: `/nodes/{node}/${kind}/{vmid}/config`,
      handler: (ctx, vars, params) =>
        configJson(ctx, kind, vars.node!, Number(vars.vmid), params.current === '1'),
    },
    {
      method: 'GET',
      template: `/nodes/{node}/${kind}/{vmid}/status/current`,
      handler(ctx, vars) {
        const ref: GuestRef = { vmid: Number(vars.vmid), kind, node: vars.node! };
        loadConfig(ctx.env, kind, ref.vmid, ref.node);
        const entry = guestEntry(ctx, ref, runningIds(ctx.env), false)!;
        if (kind === 'qemu') entry.qmpstatus = entry.status;
        return entry;
      },
    },
    ...delegated(kind),
    ...['start', 'stop', 'shutdown', 'reboot', 'suspend', 'resume'].map((action): Route => ({
      method: 'POST',
      template: `/nodes/{node}/${kind}/{vmid}/status/${action}`,
      handler(ctx, vars) {
        requireNode(ctx, vars.node!);
        const code = onNode(ctx, vars.node!, kind === 'qemu' ? 'qm' : 'pct', [action, vars.vmid!]);
        if (code !== 0) throw new SimError('', code);
        return upid(vars.node!, `${kind === 'qemu' ? 'qm' : 'vz'}${action}`, vars.vmid!);
      },
    })),
    {
      method: 'GET',
      template: `/nodes/{node}/${kind}/{vmid}/snapshot`,
      handler(ctx, vars) {
        const conf = loadConfig(ctx.env, kind, Number(vars.vmid), vars.node);
        const out: Json[] = Object.entries(conf.snapshots).map(([name, s]) => ({
          name,
          snaptime: Number(s.props.snaptime ?? 0),
          description: s.props.description ?? '',
          ...(s.props.parent ? { parent: s.props.parent } : {}),
        }));
        out.push({
          name: 'current',
          description: 'You are here!',
          running: getRuntime(ctx.env, Number(vars.vmid)) ? 1 : 0,
          ...(conf.main.props.parent ? { parent: conf.main.props.parent } : {}),
        });
        return out;
      },
    },
  ]),
  {
    method: 'GET',
    template: '/nodes/{node}/storage',
    handler(ctx, vars, params) {
      requireNode(ctx, vars.node!);
      return storageEntries(ctx, vars.node!).filter(
        (s) => !params.content || String(s.content).split(',').includes(params.content),
      );
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/storage/{storage}/content',
    handler(ctx, vars, params) {
      requireNode(ctx, vars.node!);
      const storage = readStorageCfg(ctx.env).find((s) => s.id === vars.storage);
      if (!storage) throw new SimError(`storage '${vars.storage}' does not exist`);
      if (storage.nodes && !storage.nodes.includes(vars.node!))
        throw new SimError(`storage '${storage.id}' is not available on node '${vars.node}'`);
      // the node's own copy of a storage that is not shared
      return listVolumes(asNode(ctx.env, vars.node!), storage)
        .filter((v) => !params.content || v.content === params.content)
        .filter((v) => !params.vmid || v.vmid === Number(params.vmid))
        .map((v) => ({
          volid: v.volid,
          format: v.format,
          content: v.content,
          size: v.size,
          ctime: 1714557600,
          ...(v.vmid ? { vmid: v.vmid } : {}),
        }));
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/lxc/{vmid}/interfaces',
    handler(ctx, vars) {
      const vmid = Number(vars.vmid);
      const props = loadConfig(ctx.env, 'lxc', vmid, vars.node).main.props;
      if (!getRuntime(ctx.env, vmid)) throw new SimError(`CT ${vmid} not running`);
      const out: Json[] = [
        { name: 'lo', hwaddr: '00:00:00:00:00:00', inet: '127.0.0.1/8', inet6: '::1/128' },
      ];
      for (const key of Object.keys(props)
        .filter((k) => /^net\d+$/.test(k))
        .sort()) {
        const name = /(?:^|,)name=([^,]+)/.exec(props[key]!)?.[1] ?? 'eth0';
        const hwaddr = (/(?:^|,)hwaddr=([^,]+)/.exec(props[key]!)?.[1] ?? '').toLowerCase();
        const ip = /(?:^|,)ip=([^,]+)/.exec(props[key]!)?.[1];
        const inet =
          ip && ip !== 'dhcp' && ip !== 'manual'
            ? ip
            : `${dhcpAddress(vmid, Number(key.slice(3)))}/24`;
        out.push({ name, hwaddr, inet });
      }
      return out;
    },
  },
  {
    method: 'GET',
    template: '/storage',
    handler: (ctx, _vars, params) =>
      readStorageCfg(ctx.env)
        .filter((s) => !params.type || s.type === params.type)
        .map((s) => {
          const entry: Json = { storage: s.id, type: s.type, digest: 'f'.repeat(40) };
          for (const [k, v] of Object.entries(s.props))
            entry[k] = k === 'shared' || k === 'disable' ? Number(v || 1) : v;
          return entry;
        }),
  },
  {
    method: 'GET',
    template: '/nodes/{node}/aplinfo',
    handler: () =>
      catalogue.map((t) => ({
        template: t.file,
        section: t.section,
        package: t.file.split('_')[0],
        os: t.os,
        type: 'lxc',
        version: t.version,
        architecture: t.arch,
        headline: t.headline,
      })),
  },
  {
    method: 'GET',
    template: '/nodes/{node}/tasks/{upid}/status',
    handler(ctx, vars) {
      requireNode(ctx, vars.node!);
      const upid = vars.upid!;
      const [, node, pid, pstart, starttime, type, id, user] = upid.split(':');
      if (!/^UPID:/.test(upid) || node === undefined || user === undefined)
        throw new SimError(`unable to parse worker upid '${upid}'`);
      const task = readTask(ctx.env, upid);
      // A task the simulator ran in one go (guest creates, clones, power actions) ended well.
      return {
        upid,
        node,
        pid: parseInt(pid!, 16),
        pstart: parseInt(pstart!, 16),
        starttime: parseInt(starttime!, 16),
        type,
        id,
        user,
        status: task?.status ?? 'stopped',
        ...(task && task.status === 'running' ? {} : { exitstatus: task?.exitstatus ?? 'OK' }),
      };
    },
  },
  {
    method: 'GET',
    template: '/nodes/{node}/tasks/{upid}/log',
    handler(ctx, vars, params) {
      requireNode(ctx, vars.node!);
      const task = readTask(ctx.env, vars.upid!);
      const lines = task?.log ?? ['TASK OK'];
      const start = Number(params.start ?? 0);
      const limit = Number(params.limit ?? 50);
      return lines
        .map((t, index) => ({ n: index + 1, t }))
        .slice(start, limit === 0 ? undefined : start + limit);
    },
  },
];

function match(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/').filter(Boolean);
  const p = path.split('/').filter(Boolean);
  if (t.length !== p.length) return undefined;
  const vars: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const m = /^\{(.+)\}$/.exec(t[i]!);
    if (m) vars[m[1]!] = decodeURIComponent(p[i]!);
    else if (t[i] !== p[i]) return undefined;
  }
  return vars;
}

const verbs: Record<string, string> = {
  get: 'GET',
  ls: 'GET',
  create: 'POST',
  set: 'PUT',
  delete: 'DELETE',
};

export function pveshMain(ctx: Ctx): number {
  const [verb, path, ...rest] = ctx.args;
  const method = verb ? verbs[verb] : undefined;
  if (!verb || !method) {
    ctx.err(
      `ERROR: unknown command 'pvesh ${verb ?? ''}'\nUSAGE: pvesh <COMMAND> [ARGS] [OPTIONS]\n\n`,
    );
    for (const name of ['create', 'delete', 'get', 'help', 'ls', 'set', 'usage'])
      ctx.err(`       pvesh ${name}\n`);
    return 255;
  }
  if (!path)
    throw new UsageError(
      '400 not enough arguments\npvesh ' + verb + ' <api_path> [OPTIONS] [FORMAT_OPTIONS]',
      '',
    );
  const normalized = '/' + path.split('/').filter(Boolean).join('/');
  let found: { route: Route; vars: Record<string, string> } | undefined;
  let pathExists = false;
  for (const route of routes) {
    const vars = match(route.template, normalized);
    if (!vars) continue;
    pathExists = true;
    if (route.method === method) {
      found = { route, vars };
      break;
    }
  }
  if (!found) {
    if (
      pathExists ||
      routes.some((r) => hasEndpoint(`${method} ${r.template}`) && match(r.template, normalized))
    ) {
      throw new SimError(`no '${verb}' handler for '${normalized}'`);
    }
    throw new SimError(`no such resource '${normalized}'`);
  }
  const key = `${method} ${found.route.template}`;
  const spec: CommandSpec = {
    name: `pvesh ${verb} ${normalized}`,
    endpoint: hasEndpoint(key) ? key : undefined,
    hide: Object.keys(found.vars),
    options: formatOptions,
  };
  const { params } = parseArgs(spec, rest);
  const result = found.route.handler(ctx, found.vars, params);
  const format = params['output-format'] ?? 'text';
  if (result === null || result === undefined) {
    if (format === 'json' || format === 'json-pretty') ctx.out('null\n');
    return 0;
  }
  if (format === 'json') ctx.out(jsonCompact(result));
  else if (format === 'json-pretty') ctx.out(`${jsonPretty(result)}\n`);
  else if (format === 'yaml') ctx.out(yaml(result));
  else
    ctx.out(
      textTable(result, { border: params.noborder !== '1', header: params.noheader !== '1' }),
    );
  return 0;
}

/** A small YAML emitter for pvesh --output-format yaml (plain scalars, lists and maps). */
function yaml(value: unknown, indent = ''): string {
  if (value === null || typeof value !== 'object') return `${JSON.stringify(value)}\n`;
  if (Array.isArray(value)) {
    if (!value.length) return '[]\n';
    return value
      .map((v) => {
        const inner = yaml(v, `${indent}  `);
        return v && typeof v === 'object'
          ? `${indent}- ${inner.trimStart()}`
          : `${indent}- ${inner}`;
      })
      .join('');
  }
  const keys = Object.keys(value).sort();
  if (!keys.length) return '{}\n';
  return keys
    .map((k) => {
      const v = (value as Record<string, unknown>)[k];
      return v && typeof v === 'object'
        ? `${indent}${k}:\n${yaml(v, `${indent}  `)}`
        : `${indent}${k}: ${yaml(v)}`;
    })
    .join('');
}
