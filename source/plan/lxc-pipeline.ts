import type { LxcSpec } from '../config/types.js';
import { guestDisks } from '../inventory/parse-config.js';
import type { GuestConfig } from '../inventory/types.js';
import { lxcSettings } from '../reconcile/desired.js';
import { StepError } from '../runner/step-error.js';
import { convergeStep, setCommand } from './steps.js';
import { addRawLxcLines, chownArgv, makeDirectoryArgv, rawLxcLine } from '../host/host-files.js';
import { HostError, type DirectoryState } from '../host/index.js';
import { asStepError } from './guest-access.js';
import { taskUpid, waitForTask } from './tasks.js';
import { snapshotStep } from './vm-pipeline.js';
import type { GuestView, PipelineContext, PipelineStep } from './types.js';

export interface LxcPipelineInput {
  spec: LxcSpec;
  id: number;
  /** The node the container lives on (where its config file is). */
  node: string;
  /** That node is another one than this: its files are reached over root SSH. */
  remote?: boolean;
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
    steps.push(osTemplateStep(input.node, template));
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

  if (spec.mount_points.length > 0) steps.push(hostDirectoriesStep(input));

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

/**
 * The OS template on its storage of the container's node, downloaded when it is not there yet.
 * `pveam` sees this node's storages; for a container on another node route.ts turns the commands
 * into that node's API, where the download is a task that runs on after the call: the step
 * waits for it (tasks.ts).
 */
function osTemplateStep(node: string, template: ReturnType<typeof osTemplateVolid>): PipelineStep {
  const list = ['pveam', 'list', template.storage];
  const download = ['pveam', 'download', template.storage, template.file];
  // A template of one node's storage is downloaded once at a time.
  const where = `${node}:${template.volid}`;
  // `pveam list` prints volids in a table; the API lists them in JSON: either names it.
  const stored = async (context: PipelineContext) =>
    (await context.exec(list)).includes(template.volid);
  return {
    key: 'os-template',
    title: `Download the OS template ${template.file}`,
    locks: [`download:${where}`],
    timeoutMs: 30 * 60_000,
    preview: (view) => (view.exists || view.osTemplateStored !== false ? [] : [download]),
    async run(context) {
      if ((await context.view()).exists) return 'unchanged';
      if (await stored(context)) return 'unchanged';
      const output = await context.exec(download, { timeoutMs: 30 * 60_000 });
      const hint =
        "check `pveam available --section system` for the exact name, and the node's internet access";
      if (context.remote) {
        const upid = taskUpid(output);
        if (!upid) {
          throw new StepError({
            message: `node ${node} started no download of ${template.file}`,
            output,
          });
        }
        await waitForTask(context, node, upid, {
          what: `the download of ${template.file}`,
          timeoutMs: 30 * 60_000,
          hint,
        });
      } else for (const line of output.split('\n')) if (line.trim()) context.log(line);
      // pveam download exits 0 even when the download task fails: check the result.
      if (!(await stored(context))) {
        throw new StepError({
          message: `could not download ${template.file} to ${template.storage} on node ${node}`,
          output,
          hint,
        });
      }
      return 'changed';
    },
  };
}

/**
 * Bind mounts need their host directory on the container's node, owned for the container's
 * (mapped) user: here on the file system, on another node over root SSH (host.ts).
 */
function hostDirectoriesStep({ spec, id, node, remote }: LxcPipelineInput): PipelineStep {
  const wanted = spec.mount_points.map((mount) => ({
    path: mount.host_path,
    owner: hostOwner(spec, mount.owner_uid, mount.owner_gid),
  }));
  const differs = (state: DirectoryState | undefined, owner: (typeof wanted)[number]['owner']) =>
    !state?.exists || (owner !== undefined && (state.uid !== owner.uid || state.gid !== owner.gid));
  const todo = (view: GuestView) =>
    wanted.filter(
      ({ path, owner }) => !view.hostDirectories || differs(view.hostDirectories[path], owner),
    );
  const where = remote ? ` on node ${node}` : '';
  const describe = ({ path, owner }: (typeof wanted)[number]) =>
    `host directory ${path}${where}${owner ? ` owned by ${owner.uid}:${owner.gid}` : ''}`;
  return {
    key: 'host-directories',
    title: 'Host directories for bind mounts',
    // On another node these are commands (root SSH, route.ts), here file changes. Planned from
    // what the planner read of the node (nothing read: each may need making).
    preview: (view) =>
      remote
        ? todo(view).flatMap(({ path, owner }) => {
            const state = view.hostDirectories?.[path];
            const current = state?.exists ? state : { uid: 0, gid: 0 };
            return [
              ...(state?.exists ? [] : [makeDirectoryArgv(path)]),
              ...(owner && (current.uid !== owner.uid || current.gid !== owner.gid)
                ? [chownArgv(path, owner)]
                : []),
            ];
          })
        : [],
    changes: (view) => (remote ? [] : todo(view).map(describe)),
    async run(context) {
      const ref = { id, type: 'lxc' as const, node };
      const options = {
        signal: context.signal,
        announce: (argv: readonly string[]) => context.command(argv),
      };
      let changed = false;
      for (const directory of wanted) {
        try {
          const change = await context.host.ensureDirectory(
            node,
            directory.path,
            directory.owner,
            options,
          );
          if (!change.created && !change.chowned) continue;
          changed = true;
          context.log(
            `${change.created ? 'created' : 'changed the owner of'} ${describe(directory)}`,
          );
          const after = await context.host.directoryState(node, directory.path, options);
          if (differs(after, directory.owner)) {
            throw new StepError({
              message: `${describe(directory)} is not as it should be after making it`,
              hint: 'check the path (a file in its place?) and that root may change its owner',
            });
          }
        } catch (error) {
          if (error instanceof StepError) throw error;
          if (error instanceof HostError) throw asStepError(error, ref);
          throw new StepError({
            message: `could not prepare ${describe(directory)}: ${error instanceof Error ? error.message : String(error)}`,
            hint: 'check the paths and that Phoenix runs as root',
          });
        }
      }
      return changed ? 'changed' : 'unchanged';
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
