import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GuestSpec, LxcSpec, Spec } from '../config/types.js';
import { redactArgv, type DirectoryState, type Host } from '../host/index.js';
import type { Inventory } from '../inventory/inventory.js';
import type { BridgeInfo, GuestConfig, GuestRef, StorageInfo } from '../inventory/types.js';
import { configDrift, specId, specName } from '../reconcile/reconcile.js';
import type { RunTask } from '../runner/types.js';
import { UserError } from '../util/user-error.js';
import { readGuestView, runForGuest, toRunStep, type LastView } from './guest-access.js';
import { lxcPipeline, osTemplateVolid } from './lxc-pipeline.js';
import { routeCommand } from './route.js';
import { prerequisites, provisioningOrder } from './order.js';
import type { GuestPlan, GuestView, PipelineStep, Plan, Problem } from './types.js';
import { vmPipeline } from './vm-pipeline.js';
import { waitBudgets } from './timeouts.js';
import {
  applicationScriptSteps,
  featureSteps,
  markerPaths,
  markerReadArgv,
  parseMarkers,
} from './feature-steps.js';
import { guestExec } from './guest-exec.js';
import { HostError, hintFor } from '../host/index.js';
import { planTemplateImage, predictCreatedView, templateImageSteps } from './template-pipeline.js';
import { clonePlacementProblems } from './placement.js';

export interface PlanRequest {
  spec: Spec;
  host: Host;
  /** Guest IDs to plan (plus what they need); undefined: every guest of the config. */
  ids?: readonly number[];
}

export interface BuiltPlan {
  plan: Plan;
  /** One runnable task per guest that has something to do and no blocking problem. */
  tasks: RunTask[];
  /** VMs the config declares without an ID, and the ID the plan gave them (by name). */
  assignedIds: Map<string, number>;
}

/** Everything the planner learns from the host once per plan. */
interface HostFacts {
  inventory: Inventory;
  localNode: string;
  imageStorages: StorageInfo[];
  rootdirStorages: StorageInfo[];
  allStorages: StorageInfo[];
  bridges: Map<string, BridgeInfo[]>;
  /** Configs of clone sources only on the host, read once per plan. */
  sourceConfigs: Map<number, Promise<GuestConfig | undefined>>;
}

export async function buildPlan(request: PlanRequest): Promise<BuiltPlan> {
  const { spec, host } = request;
  const [inventory, localNode] = await Promise.all([host.inventory(), host.localNode()]);
  const assignedIds = await assignMissingIds(spec, inventory, host);
  const withIds = applyAssignedIds(spec, assignedIds);

  const known = new Set([...withIds.vms, ...withIds.containers].map((guest) => specId(guest)!));
  const requested = request.ids ?? [...known];
  const unknown = requested.filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new UserError(`no guest ${unknown.join(', ')} in the config (${spec.configDir})`, {
      hint: 'phoenix list shows the guests of the config and of the host',
    });
  }
  const order = provisioningOrder(withIds, requested);

  const [imageStorages, rootdirStorages, allStorages] = await Promise.all([
    host.storages({ content: 'images' }),
    host.storages({ content: 'rootdir' }),
    host.storages(),
  ]);
  const facts: HostFacts = {
    inventory,
    localNode,
    imageStorages,
    rootdirStorages,
    allStorages,
    bridges: new Map(),
    sourceConfigs: new Map(),
  };
  for (const node of new Set(
    order.map((guest) => inventory.get(specId(guest)!)?.node ?? guest.node ?? localNode),
  )) {
    facts.bridges.set(node, await host.bridges(node));
  }

  const guests: GuestPlan[] = [];
  const tasks: RunTask[] = [];
  const planned = new Map<number, { view: GuestView; spec: GuestSpec }>();
  for (const guest of order) {
    const { guestPlan, steps, view, ref } = await planGuest(guest, withIds, facts, host, planned);
    planned.set(guestPlan.id, { view, spec: guest });
    if (assignedIds.has(specName(guest)) && guest.kind === 'qemu') guestPlan.assignedId = true;
    guests.push(guestPlan);
    if (guestPlan.action === 'create' || guestPlan.action === 'update') {
      const lastView: LastView = {};
      tasks.push({
        id: taskId(guestPlan.id),
        title: `${guest.kind === 'qemu' ? 'VM' : 'CT'} ${guestPlan.id} ${guestPlan.name}`,
        dependsOn: [],
        steps: steps.map((step) => toRunStep(step, host, ref, localNode, lastView)),
      });
    }
  }
  // A task waits for the tasks of its prerequisites that run in this plan.
  const inRun = new Set(tasks.map((task) => task.id));
  for (const task of tasks) {
    const guest = guests.find((g) => taskId(g.id) === task.id)!;
    task.dependsOn = guest.dependsOn.map(taskId).filter((id) => inRun.has(id));
  }
  // A blocked guest blocks the guests that need it.
  for (const guest of guests) {
    const blocker = guest.dependsOn.find(
      (id) => guests.find((g) => g.id === id)?.action === 'blocked',
    );
    if (blocker !== undefined && guest.action !== 'blocked') {
      guest.action = 'blocked';
      guest.problems.push({
        severity: 'error',
        message: `needs guest ${blocker}, which cannot be provisioned (see its problems)`,
      });
      const index = tasks.findIndex((task) => task.id === taskId(guest.id));
      if (index !== -1) tasks.splice(index, 1);
    }
  }
  return { plan: { guests }, tasks, assignedIds };
}

export const taskId = (id: number): string => `guest/${id}`;

async function planGuest(
  guest: GuestSpec,
  spec: Spec,
  facts: HostFacts,
  host: Host,
  planned: Map<number, { view: GuestView; spec: GuestSpec }>,
): Promise<{ guestPlan: GuestPlan; steps: PipelineStep[]; view: GuestView; ref: GuestRef }> {
  const id = specId(guest)!;
  const live = facts.inventory.get(id);
  const node = live?.node ?? guest.node ?? facts.localNode;
  const ref: GuestRef = { id, type: guest.kind, node };
  const problems: Problem[] = [];
  const source = cloneSource(guest, spec, facts.inventory, problems);

  if (live && live.type !== guest.kind) {
    problems.push({
      severity: 'error',
      message: `ID ${id} is taken on the host by ${live.type === 'qemu' ? 'VM' : 'container'} "${live.name}" on ${live.node}`,
      hint: `give ${specName(guest)} another ID in ${guest.origin.file}`,
    });
  }

  // A template without a clone source is made from its cloud image (unless it is there already).
  const image =
    guest.kind === 'qemu' && guest.is_template && source === undefined && !live
      ? await planTemplateImage(guest, node, facts.localNode, host, problems)
      : undefined;

  let view: GuestView;
  if (image && guest.kind === 'qemu') {
    view = predictCreatedView(guest, id, image);
  } else if (live && live.type === guest.kind) {
    view = await readGuestView(host, ref, facts.localNode, { status: true, snapshots: true });
    const scripted =
      guest.features.length > 0 || (guest.kind === 'lxc' && guest.application_script);
    if (view.status === 'running' && scripted)
      view.featureMarkers = await readFeatureMarkers(host, guest, ref, facts.localNode, problems);
  } else {
    view = await predictView(guest, source, facts, host, planned);
  }

  if (guest.kind === 'lxc')
    await readContainerNodeFacts(host, guest, view, ref, facts.localNode, source, problems);

  preflight(guest, view, node, facts, problems);

  // In a cluster the clone source may live on another node than this one or the new guest.
  const sourceNode =
    source === undefined
      ? undefined
      : (facts.inventory.get(source)?.node ?? planned.get(source)?.spec.node ?? facts.localNode);
  if (source !== undefined && sourceNode !== undefined && !live) {
    problems.push(
      ...(await clonePlacementProblems({
        guest,
        source,
        sourceNode,
        sourceConfig: view.config,
        target: node,
        host,
      })),
    );
  }

  const steps = [
    ...(image && guest.kind === 'qemu' ? templateImageSteps(guest, id, image, host) : []),
    ...pipelineFor(
      guest,
      id,
      node,
      source,
      spec,
      facts.localNode,
      sourceNode === facts.localNode ? undefined : sourceNode,
    ),
  ];
  const previews = [];
  for (const step of steps) {
    try {
      const commands = [];
      for (const argv of step.preview(view))
        commands.push(await shownCommand(host, argv, node, facts.localNode));
      const changes = step.changes?.(view) ?? [];
      if (commands.length > 0 || changes.length > 0) {
        previews.push({
          key: step.key,
          title: step.title,
          commands,
          ...(changes.length > 0 ? { changes } : {}),
          ...(step.note ? { note: step.note } : {}),
        });
      }
    } catch (error) {
      problems.push({
        severity: 'error',
        message: error instanceof Error ? error.message : String(error),
        ...(error &&
        typeof error === 'object' &&
        'detail' in error &&
        (error as { detail: { hint?: string } }).detail.hint
          ? { hint: (error as { detail: { hint: string } }).detail.hint }
          : {}),
      });
    }
  }

  const blocked = problems.some((problem) => problem.severity === 'error');
  const guestPlan: GuestPlan = {
    id,
    type: guest.kind,
    name: specName(guest),
    node,
    action: blocked ? 'blocked' : !view.exists ? 'create' : previews.length > 0 ? 'update' : 'none',
    steps: previews,
    problems,
    dependsOn: prerequisites(guest).filter((dependency) => dependency !== id),
  };
  return { guestPlan, steps, view, ref };
}

function pipelineFor(
  guest: GuestSpec,
  id: number,
  node: string,
  source: number | undefined,
  spec: Spec,
  localNode: string,
  /** The clone source's node when it is not this one. */
  remoteSourceNode?: string,
): PipelineStep[] {
  const features = featureSteps(guest, id, spec);
  if (guest.kind === 'qemu') {
    return vmPipeline(
      {
        spec: guest,
        id,
        ...(source === undefined ? {} : { sourceId: source }),
        ...(remoteSourceNode ? { sourceNode: remoteSourceNode } : {}),
        sshKeyFile: join(tmpdir(), `phoenix-sshkeys-${id}.pub`),
        timeouts: waitBudgets(),
      },
      features,
    );
  }
  return lxcPipeline(
    {
      spec: guest,
      id,
      node,
      remote: node !== localNode,
      ...(source === undefined ? {} : { sourceId: source }),
    },
    [...features, ...applicationScriptSteps(guest, id, spec)],
  );
}

/** The guest to clone: `clone_from_vmid`/`clone_from_ctid`, or a template found by `template_name`. */
function cloneSource(
  guest: GuestSpec,
  spec: Spec,
  inventory: Inventory,
  problems: Problem[],
): number | undefined {
  if (guest.kind === 'lxc') return guest.clone_from_ctid;
  if (guest.clone_from_vmid !== undefined) return guest.clone_from_vmid;
  if (guest.is_template || !guest.template_name) return undefined;
  const name = guest.template_name;
  const inConfig = spec.vms.find((vm) => vm.vm_name === name && vm.is_template);
  if (inConfig?.vm_id !== undefined) return inConfig.vm_id;
  const onHost = inventory
    .templates()
    .filter((template) => template.type === 'qemu' && template.name === name);
  if (onHost.length === 1) return onHost[0]!.id;
  problems.push({
    severity: 'error',
    message:
      onHost.length > 1
        ? `${onHost.length} templates on the host are named "${name}"`
        : `no template named "${name}" in the config or on the host`,
    hint: "set clone_from_vmid to the template's ID, or run phoenix template provision",
  });
  return undefined;
}

/** What the guest will look like right after its clone or create, for the plan's preview. */
async function predictView(
  guest: GuestSpec,
  source: number | undefined,
  facts: HostFacts,
  host: Host,
  planned: Map<number, { view: GuestView; spec: GuestSpec }>,
): Promise<GuestView> {
  const empty: GuestView = { exists: false, snapshots: [], predicted: true };
  if (source === undefined) return empty;
  const sourceLive = facts.inventory.get(source);
  // A source in the config was read (or predicted) moments ago, when the plan got to it.
  let sourceConfig = planned.get(source)?.view.config;
  if (!sourceConfig && sourceLive) {
    if (!facts.sourceConfigs.has(source)) {
      const ref = { id: source, type: sourceLive.type, node: sourceLive.node };
      facts.sourceConfigs.set(
        source,
        readGuestView(host, ref, facts.localNode).then((view) => view.config),
      );
    }
    sourceConfig = await facts.sourceConfigs.get(source);
  }
  if (!sourceConfig) return empty;
  // A clone copies the source's config: new name and MACs, no template flag, no snapshots.
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(sourceConfig.values)) {
    if (key === 'template' || key === 'parent' || key === 'lock') continue;
    values[key] = /^net\d+$/.test(key)
      ? value.replace(/([=,]|^)([0-9A-F]{2}(:[0-9A-F]{2}){5})/i, '$1').replace(/^(\w+)=,/, '$1,')
      : value;
  }
  values[guest.kind === 'qemu' ? 'name' : 'hostname'] = specName(guest);
  return {
    exists: false,
    config: { ...sourceConfig, id: specId(guest)!, values },
    status: 'stopped',
    snapshots: [],
    predicted: true,
  };
}

/** Problems Phoenix can see before it touches anything. */
function preflight(
  guest: GuestSpec,
  view: GuestView,
  node: string,
  facts: HostFacts,
  problems: Problem[],
): void {
  const storage =
    guest.kind === 'qemu'
      ? guest.declared.includes('boot_disk_storage')
        ? guest.boot_disk_storage
        : undefined
      : guest.storage_pool;
  const needsStorage =
    !view.exists && (guest.kind === 'lxc' ? guest.clone_from_ctid === undefined : true);
  if (storage && needsStorage) {
    const content = guest.kind === 'qemu' ? 'images' : 'rootdir';
    const list = guest.kind === 'qemu' ? facts.imageStorages : facts.rootdirStorages;
    const what = content === 'images' ? 'VM disks' : 'container volumes';
    const known = facts.allStorages.find((info) => info.id === storage);
    if (!known) {
      problems.push({
        severity: 'error',
        message: `storage "${storage}" does not exist`,
        hint: `storages on this node: ${facts.allStorages.map((info) => info.id).join(', ') || 'none'} (pvesm status)`,
      });
    } else if (known.status !== 'active') {
      problems.push({
        severity: 'error',
        message: `storage "${storage}" is ${known.status}`,
        hint: 'enable it or bring it online (pvesm status shows why), or pick another storage',
      });
    } else if (!list.some((info) => info.id === storage)) {
      problems.push({
        severity: 'error',
        message: `storage "${storage}" does not hold ${what} (content "${content}")`,
        hint: `pick a storage from \`pvesm status --content ${content}\`, or add "${content}" to its content types`,
      });
    } else {
      const neededGiB = guest.kind === 'qemu' ? guest.boot_disk_size_gb : guest.storage_size_gb;
      const freeGiB = known.availableBytes / 1024 ** 3;
      if (neededGiB > freeGiB) {
        problems.push({
          severity: 'warning',
          message: `storage "${storage}" has ${freeGiB.toFixed(1)} GiB free; ${specName(guest)} asks for ${neededGiB} GiB`,
          hint: 'thin pools may still fit it; otherwise free space or pick another storage',
        });
      }
    }
  }
  const bridges = facts.bridges.get(node) ?? [];
  const wanted =
    guest.kind === 'qemu'
      ? [guest.network_config?.bridge ?? guest.network_bridge]
      : [
          guest.network_config.bridge ?? 'vmbr0',
          ...(guest.secondary_network_config
            ? [guest.secondary_network_config.bridge ?? 'vmbr0']
            : []),
        ];
  for (const bridge of new Set(wanted)) {
    if (bridges.length > 0 && !bridges.some((info) => info.name === bridge)) {
      problems.push({
        severity: 'error',
        message: `bridge "${bridge}" does not exist on node ${node}`,
        hint: `bridges there: ${bridges.map((info) => info.name).join(', ')}`,
      });
    }
  }
  if (view.exists && view.config) {
    for (const drift of configDrift(guest, view.config)) {
      if (drift.immutable) {
        problems.push({
          severity: 'warning',
          message: `${drift.field} is ${drift.live ?? 'unset'} on the host but ${drift.desired} in the config, and Proxmox cannot change it in place`,
          hint: 'recreate the guest (phoenix delete, then phoenix apply) if the config is right',
        });
      }
    }
  }
}

/** VMs without an ID get the next free ones, in config order. */
async function assignMissingIds(
  spec: Spec,
  inventory: Inventory,
  host: Host,
): Promise<Map<string, number>> {
  const missing = spec.vms.filter((vm) => vm.vm_id === undefined);
  const assigned = new Map<string, number>();
  if (missing.length === 0) return assigned;
  const used = new Set<number>([
    ...inventory.guests.map((guest) => guest.id),
    ...spec.vms.flatMap((vm) => (vm.vm_id === undefined ? [] : [vm.vm_id])),
    ...spec.containers.map((ct) => ct.ctid),
  ]);
  let next = await host.nextId();
  for (const vm of missing) {
    const existing = inventory.guests.find(
      (guest) => guest.type === 'qemu' && guest.name === vm.vm_name,
    );
    if (
      existing &&
      !spec.vms.some((other) => other.vm_id === existing.id) &&
      !spec.containers.some((ct) => ct.ctid === existing.id)
    ) {
      // Created by an earlier run whose write-back did not happen: adopt it.
      assigned.set(vm.vm_name, existing.id);
      continue;
    }
    while (used.has(next)) next++;
    assigned.set(vm.vm_name, next);
    used.add(next);
  }
  return assigned;
}

function applyAssignedIds(spec: Spec, assigned: Map<string, number>): Spec {
  if (assigned.size === 0) return spec;
  return {
    ...spec,
    vms: spec.vms.map((vm) =>
      vm.vm_id === undefined && assigned.has(vm.vm_name)
        ? { ...vm, vm_id: assigned.get(vm.vm_name)! }
        : vm,
    ),
  };
}

/**
 * A step's command as it will run for the guest (the plan is what apply does): routed to the
 * guest's node (route.ts) — its API, or root SSH to it — and redacted.
 */
async function shownCommand(
  host: Host,
  argv: readonly string[],
  node: string,
  localNode: string,
): Promise<string[]> {
  const routed = routeCommand(argv, node, localNode, undefined, { preview: true });
  if (!routed.onNode) return redactArgv(routed.argv);
  try {
    return redactArgv(await host.nodeCommand(routed.onNode, routed.argv));
  } catch {
    // The node's address is unknown (not in the cluster, offline): the run says so.
    return redactArgv(routed.argv);
  }
}

/**
 * What a container's steps need to know of its node for the plan: whether the directories of
 * its bind mounts are there (and whose they are), and whether its OS template is on the storage
 * (a storage that is not shared is another one on every node). A node that cannot be read is
 * a warning; the steps look again when they run.
 */
async function readContainerNodeFacts(
  host: Host,
  guest: LxcSpec,
  view: GuestView,
  ref: GuestRef,
  localNode: string,
  source: number | undefined,
  problems: Problem[],
): Promise<void> {
  const warn = (what: string, error: unknown) => {
    const hint = error instanceof HostError ? hintFor(error, ref) : undefined;
    problems.push({
      severity: 'warning',
      message: `${what}: ${error instanceof Error ? error.message : String(error)}`,
      ...(hint ? { hint } : {}),
    });
  };
  if (guest.mount_points.length > 0) {
    try {
      const states: Record<string, DirectoryState> = {};
      for (const mount of guest.mount_points)
        states[mount.host_path] = await host.directoryState(ref.node, mount.host_path);
      view.hostDirectories = states;
    } catch (error) {
      warn(`cannot tell which bind mount directories exist on node ${ref.node}`, error);
    }
  }
  if (!view.exists && source === undefined && guest.template) {
    const template = osTemplateVolid(guest.template);
    try {
      const list = await runForGuest(host, ref, localNode, ['pveam', 'list', template.storage]);
      view.osTemplateStored = list.stdout.includes(template.volid);
    } catch (error) {
      warn(`cannot tell whether ${template.file} is on node ${ref.node}`, error);
    }
  }
}

/**
 * Which features already ran in a guest: one read-only `cat` of their marker files, where the
 * guest is (through the agent API or over SSH for a guest on another node, like the steps).
 */
async function readFeatureMarkers(
  host: Host,
  guest: GuestSpec,
  ref: GuestRef,
  localNode: string,
  problems: Problem[],
): Promise<Record<string, string>> {
  const paths = markerPaths(guest);
  if (paths.length === 0) return {};
  try {
    if (guest.kind === 'lxc') {
      const read = markerReadArgv('lxc', ref.id, paths);
      return parseMarkers((await runForGuest(host, ref, localNode, read)).stdout);
    }
    const agent = {
      remote: ref.node !== localNode,
      signal: new AbortController().signal,
      exec: async (command: readonly string[], options: { input?: string } = {}) =>
        (await runForGuest(host, ref, localNode, command, options)).stdout,
    };
    return parseMarkers((await guestExec(agent, ref.id, ['cat', ...paths])).out);
  } catch (error) {
    if (error instanceof HostError && error.kind === 'node-unreachable') {
      const hint = hintFor(error, ref);
      problems.push({
        severity: 'warning',
        message: `cannot tell which features already ran: ${error.message}`,
        ...(hint ? { hint } : {}),
      });
    }
    // No agent yet, or some markers missing (cat exits 1): what was printed still counts.
    return error instanceof HostError ? parseMarkers(error.stdout) : {};
  }
}
