import type { LxcSpec } from '../config/types.js';
import { guestDisks } from '../inventory/parse-config.js';
import type { GuestConfig } from '../inventory/types.js';
import { lxcSettings } from '../reconcile/desired.js';
import { StepError } from '../runner/step-error.js';
import { convergeStep, setCommand } from './steps.js';
import {
  addRawLxcLines,
  ensureHostDirectory,
  hostDirectoryState,
  rawLxcLine,
} from '../host/host-files.js';
import { snapshotStep } from './vm-pipeline.js';
import type { GuestView, PipelineStep } from './types.js';

export interface LxcPipelineInput {
  spec: LxcSpec;
  id: number;
  /** The node the container lives on (where its config file is). */
  node: string;
  /** The container to clone (`clone_from_ctid`). */
  sourceId?: number;
}

const GiB = 1024 ** 3;

/**
 * The OS template as a volume id: `local:vztmpl/<file>` stays; a bare file name or a path to the
 * template cache (the original's `/…/template/cache/<file>`) becomes `local:vztmpl/<file>`.
 */
export function osTemplateVolid(template: string): {
  storage: string;
  file: string;
  volid: string;
} {
  const match = /^([A-Za-z][\w.-]*):vztmpl\/(.+)$/.exec(template);
  if (match) return { storage: match[1]!, file: match[2]!, volid: template };
  const file = template.split('/').pop()!;
  return { storage: 'local', file, volid: `local:vztmpl/${file}` };
}

/** Bind mounts and new volumes, in order, as `--mpN` values. */
function mountPointValues(spec: LxcSpec): string[] {
  return [
    ...spec.mount_points.map(
      (mount) => `${mount.host_path},mp=${mount.container_path}${mount.read_only ? ',ro=1' : ''}`,
    ),
    ...spec.zfs_volumes.map(
      (volume) => `${volume.pool}:${volume.size_gb},mp=${volume.mount_point}`,
    ),
  ];
}

/** GPU passthrough as device entries (`devN`): the assigned GPUs plus the control devices. */
export function gpuDevices(spec: LxcSpec): string[] {
  if (spec.gpu_assignment.length === 0) return [];
  return [
    ...spec.gpu_assignment.map((index) => `/dev/nvidia${index}`),
    '/dev/nvidiactl',
    '/dev/nvidia-uvm',
    '/dev/nvidia-uvm-tools',
  ];
}

/** Mount-point keys still free in a config, lowest first. */
function freeKeys(config: GuestConfig | undefined, prefix: 'mp' | 'dev', count: number): string[] {
  const used = new Set(Object.keys(config?.values ?? {}));
  const keys: string[] = [];
  for (let index = 0; keys.length < count; index++)
    if (!used.has(`${prefix}${index}`)) keys.push(`${prefix}${index}`);
  return keys;
}

/**
 * (Download the OS template) → create or clone → config → mount points → GPU devices → grow the
 * root disk → start → features → snapshots → template. All hardware is in place before the first
 * snapshot (the original's snapshot-timing bug).
 */
export function lxcPipeline(
  input: LxcPipelineInput,
  features: PipelineStep[] = [],
): PipelineStep[] {
  const { spec, id } = input;
  const ctid = String(id);
  const settings = lxcSettings(spec).filter((setting) => !setting.immutable);
  const isTemplate = (view: GuestView) => view.config?.values.template === '1';
  const steps: PipelineStep[] = [];

  if (input.sourceId !== undefined) {
    const clone = [
      'pct',
      'clone',
      String(input.sourceId),
      ctid,
      '--hostname',
      spec.name,
      '--full',
      '1',
    ];
    if (spec.declared.includes('storage_pool')) clone.push('--storage', spec.storage_pool);
    if (spec.node) clone.push('--target', spec.node);
    steps.push(
      convergeStep({
        key: 'clone',
        title: `Clone from container ${input.sourceId}`,
        locks: [`clone-source:${input.sourceId}`],
        timeoutMs: 30 * 60_000,
        commands: (view) => (view.exists ? [] : [clone]),
      }),
    );
  } else if (spec.template) {
    const template = osTemplateVolid(spec.template);
    steps.push({
      key: 'os-template',
      title: `Download the OS template ${template.file}`,
      locks: [`download:${template.volid}`],
      timeoutMs: 30 * 60_000,
      preview: () => [],
      async run(context) {
        if ((await context.view()).exists) return 'unchanged';
        const list = await context.exec(['pveam', 'list', template.storage]);
        if (list.includes(template.volid)) return 'unchanged';
        const output = await context.exec(['pveam', 'download', template.storage, template.file], {
          timeoutMs: 30 * 60_000,
        });
        for (const line of output.split('\n')) if (line.trim()) context.log(line);
        // pveam download exits 0 even when the download task fails: check the result.
        if (!(await context.exec(['pveam', 'list', template.storage])).includes(template.volid)) {
          throw new StepError({
            message: `pveam could not download ${template.file} to ${template.storage}`,
            output,
            hint: "check `pveam available --section system` for the exact name, and the node's internet access",
          });
        }
        return 'changed';
      },
    });
    const create = [
      'pct',
      'create',
      ctid,
      template.volid,
      '--hostname',
      spec.name,
      '--memory',
      String(spec.memory_mb),
      '--swap',
      String(spec.swap_mb),
      '--cores',
      String(spec.cores),
      '--rootfs',
      `${spec.storage_pool}:${spec.storage_size_gb}`,
      '--unprivileged',
      spec.unprivileged ? '1' : '0',
    ];
    for (const setting of settings) {
      if (['hostname', 'memory', 'swap', 'cores'].includes(setting.key)) continue;
      create.push(`--${setting.key}`, setting.value(undefined));
    }
    steps.push(
      convergeStep({
        key: 'create',
        title: `Create from ${template.file}`,
        timeoutMs: 30 * 60_000,
        commands: (view) => (view.exists ? [] : [create]),
      }),
    );
  }

  steps.push(
    convergeStep({
      key: 'config',
      title: 'Config: memory, CPU, network, features, boot',
      commands: (view) => {
        if (isTemplate(view)) return [];
        const options: [string, string][] = settings
          .filter((setting) => !view.config || !setting.inSync(view.config))
          .map((setting) => [setting.key, setting.value(view.config)]);
        return setCommand(['pct', 'set', ctid], options);
      },
    }),
  );

  const rawLines = spec.lxc_options.map(rawLxcLine);
  if (rawLines.length > 0) steps.push(rawOptionsStep(input, rawLines));

  if (spec.mount_points.length > 0) steps.push(hostDirectoriesStep(spec));

  const mounts = mountPointValues(spec);
  if (mounts.length > 0) {
    steps.push(
      convergeStep({
        key: 'mounts',
        title: 'Mount points',
        commands: (view) => {
          const existing = guestDisks(
            view.config ?? { id, type: 'lxc', values: {}, tags: [], lxc: [] },
          ).map((disk) => disk.options.mp);
          const wanted = mounts.filter(
            (value) => !existing.includes(/mp=([^,]+)/.exec(value)?.[1]),
          );
          const keys = freeKeys(view.config, 'mp', wanted.length);
          return setCommand(
            ['pct', 'set', ctid],
            wanted.map((value, index) => [keys[index]!, value]),
          );
        },
      }),
    );
  }

  const devices = gpuDevices(spec);
  if (devices.length > 0) {
    steps.push(
      convergeStep({
        key: 'gpu',
        title: `GPU passthrough (${spec.gpu_assignment.map((index) => `nvidia${index}`).join(', ')})`,
        commands: (view) => {
          const present = Object.entries(view.config?.values ?? {})
            .filter(([key]) => /^dev\d+$/.test(key))
            .map(([, value]) => /^(?:path=)?([^,]+)/.exec(value)?.[1]);
          const wanted = devices.filter((device) => !present.includes(device));
          const keys = freeKeys(view.config, 'dev', wanted.length);
          return setCommand(
            ['pct', 'set', ctid],
            wanted.map((device, index) => [keys[index]!, device]),
          );
        },
      }),
    );
  }

  if (spec.declared.includes('storage_size_gb')) {
    steps.push(
      convergeStep({
        key: 'disk',
        title: `Grow the root disk to ${spec.storage_size_gb} GiB`,
        commands: (view) => {
          const rootfs =
            view.config && guestDisks(view.config).find((disk) => disk.key === 'rootfs');
          if (!rootfs?.sizeBytes || isTemplate(view)) return [];
          const current = rootfs.sizeBytes / GiB;
          if (current > spec.storage_size_gb) {
            throw new StepError({
              message: `the root disk is ${Math.round(current * 10) / 10} GiB, the config asks for ${spec.storage_size_gb} GiB: Proxmox never shrinks disks`,
              hint: `Set storage_size_gb to ${Math.ceil(current)} or more for ${spec.name}.`,
            });
          }
          return current < spec.storage_size_gb
            ? [['pct', 'resize', ctid, 'rootfs', `${spec.storage_size_gb}G`]]
            : [];
        },
      }),
    );
  }

  if (spec.is_template) {
    // A template may be configured and given its features first; snapshots are not allowed on it.
    if (features.length > 0) steps.push(startStep(ctid), ...features);
    steps.push(
      convergeStep({
        key: 'template',
        title: 'Convert to a template',
        needs: { status: true },
        commands: (view) => {
          if (isTemplate(view)) return [];
          const commands: string[][] = [];
          if (view.status === 'running')
            commands.push(['pct', 'shutdown', ctid, '--timeout', '60', '--forceStop', '1']);
          commands.push(['pct', 'template', ctid]);
          return commands;
        },
      }),
    );
    return steps;
  }

  steps.push(startStep(ctid));
  if (spec.enable_lifecycle_snapshots && features.length > 0)
    steps.push(snapshotStep(ctid, 'pre-configured', 'Snapshot before features', 'pct'));
  steps.push(...features);
  if (spec.enable_lifecycle_snapshots)
    steps.push(snapshotStep(ctid, 'final-form', 'Snapshot after features', 'pct'));
  if (spec.template_snapshot_name)
    steps.push(snapshotStep(ctid, spec.template_snapshot_name, 'Snapshot for clones', 'pct'));
  return steps;
}

/** The uid/gid a container's owner maps to on the host (unprivileged: +100000). */
function hostOwner(
  spec: LxcSpec,
  uid: number | undefined,
  gid: number | undefined,
): { uid: number; gid: number } | undefined {
  if (uid === undefined && gid === undefined) return undefined;
  const offset = spec.unprivileged ? 100000 : 0;
  return { uid: offset + (uid ?? 0), gid: offset + (gid ?? uid ?? 0) };
}

/** Bind mounts need their host directory, owned for the container's (mapped) user. */
function hostDirectoriesStep(spec: LxcSpec): PipelineStep {
  const wanted = spec.mount_points.map((mount) => ({
    path: mount.host_path,
    owner: hostOwner(spec, mount.owner_uid, mount.owner_gid),
  }));
  const pending = () =>
    wanted.filter(({ path, owner }) => {
      const state = hostDirectoryState(path);
      return (
        !state.exists ||
        (owner !== undefined && (state.uid !== owner.uid || state.gid !== owner.gid))
      );
    });
  const describe = ({ path, owner }: (typeof wanted)[number]) =>
    `host directory ${path}${owner ? ` owned by ${owner.uid}:${owner.gid}` : ''}`;
  return {
    key: 'host-directories',
    title: 'Host directories for bind mounts',
    preview: () => [],
    changes: () => pending().map(describe),
    async run(context) {
      const todo = pending();
      for (const directory of todo) {
        ensureHostDirectory(directory.path, directory.owner);
        context.log(`created ${describe(directory)}`);
      }
      if (pending().length > 0)
        throw new StepError({
          message: 'could not prepare the bind mount directories on the host',
          hint: 'check the paths and that Phoenix runs as root',
        });
      return todo.length > 0 ? 'changed' : 'unchanged';
    },
  };
}

/** Raw `lxc.*` lines (lxc_options) in the container's config file, each added once. */
function rawOptionsStep(input: LxcPipelineInput, lines: string[]): PipelineStep {
  const missing = (view: GuestView) => {
    const present = new Set(
      (view.config?.lxc ?? []).map(([key, value]) => `${key}: ${value}`.trim()),
    );
    return lines.filter((line) => !present.has(line));
  };
  return {
    key: 'lxc-options',
    title: 'Raw LXC options',
    preview: () => [],
    changes: (view) =>
      view.config?.values.template === '1'
        ? []
        : missing(view).map((line) => `add "${line}" to the container's config`),
    async run(context) {
      const view = await context.view();
      if (view.config?.values.template === '1' || missing(view).length === 0) return 'unchanged';
      const ref = { id: input.id, type: 'lxc' as const, node: input.node };
      for (const line of addRawLxcLines(ref, missing(view))) context.log(`added ${line}`);
      if (missing(await context.view()).length > 0) {
        throw new StepError({
          message: 'the raw LXC options did not stick in the container config',
          hint: 'check /etc/pve/lxc/<id>.conf by hand',
        });
      }
      return 'changed';
    },
  };
}

function startStep(ctid: string): PipelineStep {
  return convergeStep({
    key: 'start',
    title: 'Start',
    needs: { status: true },
    timeoutMs: 5 * 60_000,
    commands: (view) =>
      view.status === 'running' || view.config?.values.template === '1'
        ? []
        : [['pct', 'start', ctid]],
  });
}
