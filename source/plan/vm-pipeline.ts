import { writeFileSync } from 'node:fs';
import type { VmSpec } from '../config/types.js';
import { guestDisks } from '../inventory/parse-config.js';
import type { GuestConfig } from '../inventory/types.js';
import { vmSettings, type DesiredSetting } from '../reconcile/desired.js';
import { StepError } from '../runner/step-error.js';
import { guestExec } from './guest-exec.js';
import { convergeStep, setCommand, waitStep } from './steps.js';
import type { GuestView, PipelineContext, PipelineStep } from './types.js';

/** Options Proxmox's cloud-init reads; they are set in their own step, after the hardware. */
const CLOUD_INIT_KEYS = new Set([
  'ipconfig0',
  'nameserver',
  'searchdomain',
  'ciuser',
  'sshkeys',
  'cipassword',
]);

export interface VmPipelineInput {
  spec: VmSpec;
  id: number;
  /** The template (or VM) to clone; undefined for a template built from a cloud image. */
  sourceId?: number;
  /** The clone source's node when it is not the node Phoenix runs on (cloned through its API). */
  sourceNode?: string;
  /** Where the file `--sshkeys` reads is written just before use. */
  sshKeyFile: string;
  timeouts?: { agentMs?: number; cloudInitMs?: number; cloneMs?: number };
}

const GiB = 1024 ** 3;

/** The boot disk: first disk of the boot order, else the first non-cdrom, non-cloud-init disk. */
export function bootDisk(config: GuestConfig) {
  const disks = guestDisks(config).filter(
    (disk) => disk.media === 'disk' && !disk.cloudinit && !disk.key.startsWith('unused'),
  );
  const order = /order=([^,]+)/.exec(config.values.boot ?? '')?.[1]?.split(';') ?? [];
  return (
    order.map((key) => disks.find((disk) => disk.key === key)).find((disk) => disk !== undefined) ??
    disks[0]
  );
}

export function hasCloudInitDrive(config: GuestConfig | undefined): boolean {
  return config !== undefined && guestDisks(config).some((disk) => disk.cloudinit);
}

/**
 * Clone → hardware → cloud-init → grow the boot disk → start → guest agent → cloud-init done →
 * snapshots → template. Feature steps are inserted by the planner between cloud-init and the
 * post-feature snapshots.
 */
export function vmPipeline(input: VmPipelineInput, features: PipelineStep[] = []): PipelineStep[] {
  const { spec, id } = input;
  const vmid = String(id);
  const settings = vmSettings(spec);
  const hardware = settings.filter(
    (setting) => !CLOUD_INIT_KEYS.has(setting.key) && !setting.immutable,
  );
  const cloudInit = settings.filter((setting) => CLOUD_INIT_KEYS.has(setting.key));
  const optionsFor = (
    list: DesiredSetting[],
    config: GuestConfig | undefined,
  ): [string, string][] =>
    list
      .filter((setting) => !config || !setting.inSync(config))
      .map((setting) => [
        setting.key,
        setting.key === 'sshkeys' ? input.sshKeyFile : setting.value(config),
      ]);
  const isTemplate = (view: GuestView) => view.config?.values.template === '1';

  const steps: PipelineStep[] = [];

  if (input.sourceId !== undefined) {
    const clone = [
      ...(input.sourceNode
        ? ['pvesh', 'create', `/nodes/${input.sourceNode}/qemu/${input.sourceId}/clone`, '--newid']
        : ['qm', 'clone', String(input.sourceId)]),
      vmid,
      '--name',
      spec.vm_name,
      '--full',
      '1',
    ];
    if (spec.declared.includes('boot_disk_storage'))
      clone.push('--storage', spec.boot_disk_storage);
    if (spec.node) clone.push('--target', spec.node);
    steps.push(
      convergeStep({
        key: 'clone',
        title: `Clone from template ${input.sourceId}`,
        // Proxmox serialises clones of one source through its config lock; so does Phoenix.
        locks: [`clone-source:${input.sourceId}`],
        timeoutMs: input.timeouts?.cloneMs ?? 30 * 60_000,
        commands: (view) => (view.exists ? [] : [clone]),
      }),
    );
  }

  steps.push(
    convergeStep({
      key: 'hardware',
      title: 'Hardware: CPU, memory, network, agent, serial console, boot',
      commands: (view) =>
        isTemplate(view) ? [] : setCommand(['qm', 'set', vmid], optionsFor(hardware, view.config)),
    }),
  );

  if (cloudInit.length > 0) {
    steps.push(
      convergeStep({
        key: 'cloud-init',
        title: 'Cloud-init: user, SSH key, network',
        needs: { status: true },
        prepare: () => {
          const key = spec.user_config?.ssh_public_key;
          if (key) writeFileSync(input.sshKeyFile, `${key.trim()}\n`, { mode: 0o600 });
        },
        commands: (view) => {
          if (isTemplate(view)) return [];
          const options = optionsFor(cloudInit, view.config);
          if (!hasCloudInitDrive(view.config))
            options.unshift(['ide2', `${spec.boot_disk_storage}:cloudinit`]);
          const commands = setCommand(['qm', 'set', vmid], options);
          // A running VM reads cloud-init only at boot; regenerate the drive so the next boot sees it.
          if (commands.length > 0 && view.status === 'running')
            commands.push(['qm', 'cloudinit', 'update', vmid]);
          return commands;
        },
      }),
    );
  }

  if (spec.declared.includes('boot_disk_size_gb')) {
    steps.push(
      convergeStep({
        key: 'disk',
        title: `Grow the boot disk to ${spec.boot_disk_size_gb} GiB`,
        commands: (view) => {
          const disk = view.config && bootDisk(view.config);
          if (!disk || isTemplate(view)) return [];
          const current = (disk.sizeBytes ?? 0) / GiB;
          if (current > spec.boot_disk_size_gb) {
            throw new StepError({
              message: `the boot disk ${disk.key} is ${formatGiB(current)} GiB, the config asks for ${spec.boot_disk_size_gb} GiB: Proxmox never shrinks disks`,
              hint: `Set boot_disk_size_gb to ${Math.ceil(current)} or more for ${spec.vm_name}.`,
            });
          }
          return current < spec.boot_disk_size_gb
            ? [['qm', 'disk', 'resize', vmid, disk.key, `${spec.boot_disk_size_gb}G`]]
            : [];
        },
      }),
    );
  }

  if (spec.is_template) return [...steps, ...templateSteps(input)];

  steps.push(
    convergeStep({
      key: 'start',
      title: 'Start',
      needs: { status: true },
      timeoutMs: 5 * 60_000,
      commands: (view) => (view.status === 'running' ? [] : [['qm', 'start', vmid]]),
    }),
    waitForAgent(id, input.timeouts?.agentMs ?? 5 * 60_000),
    waitForCloudInit(
      id,
      input.timeouts?.cloudInitMs ?? 15 * 60_000,
      input.timeouts?.agentMs ?? 5 * 60_000,
    ),
  );

  const pre = spec.snapshots['pre-features'];
  if (pre && features.length > 0) steps.push(snapshotStep(vmid, pre, 'Snapshot before features'));
  steps.push(...features);
  const post = spec.snapshots['post-features'];
  if (post) steps.push(snapshotStep(vmid, post, 'Snapshot after features'));
  if (spec.template_snapshot_name)
    steps.push(snapshotStep(vmid, spec.template_snapshot_name, 'Snapshot for clones'));
  return steps;
}

function formatGiB(value: number): string {
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

export function snapshotStep(
  vmid: string,
  name: string,
  title: string,
  tool: 'qm' | 'pct' = 'qm',
): PipelineStep {
  return convergeStep({
    key: `snapshot:${name}`,
    title: `${title} (${name})`,
    needs: { snapshots: true },
    timeoutMs: 10 * 60_000,
    commands: (view) => (view.snapshots.includes(name) ? [] : [[tool, 'snapshot', vmid, name]]),
  });
}

export function waitForAgent(id: number, timeoutMs: number): PipelineStep {
  const ping = ['qm', 'agent', String(id), 'ping'];
  return waitStep({
    key: 'wait-agent',
    title: 'Wait for the guest agent',
    polls: [ping],
    intervalMs: 2000,
    timeoutMs,
    probe: async (context) => agentAnswers(context, ping),
    timeoutMessage: `VM ${id}: the QEMU guest agent did not answer within ${Math.round(timeoutMs / 1000)} s`,
    hint:
      'The image needs qemu-guest-agent installed and enabled (Phoenix templates bake it in). Check the VM console: `qm terminal ' +
      id +
      '`.',
  });
}

async function agentAnswers(context: PipelineContext, ping: string[]): Promise<boolean> {
  try {
    await context.exec(ping);
    return true;
  } catch (error) {
    // Until the guest has booted, Proxmox answers "not running" or times out: keep waiting.
    const kind = (error as { detail?: { kind?: string } }).detail?.kind;
    if (kind === 'agent-not-running' || kind === 'not-running' || kind === 'timeout') return false;
    throw error;
  }
}

/**
 * Polls `cloud-init status` through the agent. Exit 2 means "finished with recoverable errors"
 * (after a kernel upgrade, typically): Phoenix reports it, reboots once and checks again.
 */
export function waitForCloudInit(
  id: number,
  timeoutMs: number,
  agentTimeoutMs: number,
): PipelineStep {
  const status = ['cloud-init', 'status'];
  let rebooted = false;
  return waitStep({
    key: 'wait-cloud-init',
    title: 'Wait for cloud-init to finish',
    polls: [['qm', 'guest', 'exec', String(id), '--', ...status]],
    intervalMs: 3000,
    timeoutMs,
    applies: (view) => hasCloudInitDrive(view.config),
    probe: async (context) => {
      const result = await guestExec(context, id, status);
      const state = /status:\s*(\S+)/.exec(result.out)?.[1] ?? '';
      if (result.exitcode === 0 && state === 'done') return true;
      if (state === 'running' || state === 'not' || state === '') return false;
      if (result.exitcode === 2 && !rebooted) {
        rebooted = true;
        context.log(
          `cloud-init finished with errors (exit 2): ${result.out.trim()} — rebooting once and checking again`,
        );
        await context.exec(['qm', 'reboot', String(id)]);
        const deadline = Date.now() + agentTimeoutMs;
        while (!(await agentAnswers(context, ['qm', 'agent', String(id), 'ping']))) {
          if (Date.now() > deadline)
            throw new StepError({
              message: `VM ${id}: the guest agent did not come back after the reboot`,
              kind: 'timeout',
            });
          await new Promise((resolve) => setTimeout(resolve, 2000));
        }
        return false;
      }
      throw new StepError({
        message: `VM ${id}: cloud-init finished with errors (exit ${result.exitcode}${rebooted ? ', also after a reboot' : ''})`,
        output: `${result.out}${result.err}`.trim(),
        command: ['qm', 'guest', 'exec', String(id), '--', 'cloud-init', 'status', '--long'],
        hint: 'Read /var/log/cloud-init.log in the guest; a wrong network config (gateway, DNS) is the usual cause.',
      });
    },
    timeoutMessage: `VM ${id}: cloud-init did not finish within ${Math.round(timeoutMs / 60_000)} min`,
    hint: 'A slow mirror or package upgrade can take long: check /var/log/cloud-init-output.log in the guest.',
  });
}

/** A template VM: made from its image by the template pipeline; here only converted once ready. */
function templateSteps(input: VmPipelineInput): PipelineStep[] {
  const vmid = String(input.id);
  return [
    convergeStep({
      key: 'template',
      title: 'Convert to a template',
      needs: { status: true },
      commands: (view) => {
        if (view.config?.values.template === '1') return [];
        const commands: string[][] = [];
        if (view.status === 'running')
          commands.push(['qm', 'shutdown', vmid, '--timeout', '120', '--forceStop', '1']);
        commands.push(['qm', 'template', vmid]);
        return commands;
      },
    }),
  ];
}
