// The guided host setup behind the TUI's wizard: what it offers (facts), what the choices would
// touch (plan), saving them, and running them as a run the pipeline view shows. React-free; the
// setup engine (source/setup) does the work, exactly as for `phoenix setup`.
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { configFilePaths } from '../config/files.js';
import type { HypervisorSpec } from '../config/types.js';
import {
  answersFromChoices,
  lanOf,
  loadHypervisorConfig,
  planSetup,
  readResume,
  rebootedSince,
  runPreflight,
  saveAnswers,
  savedSteps,
  SETUP_STEPS,
  setupEnv,
  type SetupAnswers,
  type SetupEnv,
  type SetupStepId,
  type StepCheck,
} from '../setup/index.js';
import { UserError } from '../util/user-error.js';
import { readSshKeys } from './host-facts.js';
import type { PlannedStep, SetupDraft, SetupFacts } from './types.js';

/** The hypervisor part of the config in `configDir`; a config with errors is refused. */
export function readHypervisor(configDir: string): HypervisorSpec {
  const { hypervisor, diagnostics } = loadHypervisorConfig(configDir);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0)
    throw new UserError(`the config in ${configDir} has ${errors.length} error(s)`, {
      hint: 'fix them first: phoenix validate',
    });
  return hypervisor;
}

/** Area/City zone names under the host's /usr/share/zoneinfo, plus UTC. */
export function zoneNames(env: SetupEnv): string[] {
  const base = join(env.root || '/', 'usr/share/zoneinfo');
  const names = new Set<string>(['UTC']);
  const walk = (dir: string, prefix: string, depth: number) => {
    let entries: string[];
    try {
      entries = readdirSync(dir);
    } catch {
      return;
    }
    for (const entry of entries) {
      // Capitalised names are zones; posix/ and right/ repeat them, lower-case files are tables.
      if (!/^[A-Z][A-Za-z0-9_+-]*$/.test(entry)) continue;
      const path = join(dir, entry);
      const name = prefix ? `${prefix}/${entry}` : entry;
      let isDir = false;
      try {
        isDir = statSync(path).isDirectory();
      } catch {
        continue;
      }
      if (isDir) {
        if (depth < 2) walk(path, name, depth + 1);
      } else if (name.includes('/') || name === 'UTC') names.add(name);
    }
  };
  walk(base, '', 0);
  return [...names].sort();
}

const isRoot = (env: SetupEnv) => env.root !== '' || process.getuid?.() === 0;

export async function readSetupFacts(
  configDir: string,
  processEnv: NodeJS.ProcessEnv,
  home?: string,
): Promise<SetupFacts> {
  const env = setupEnv(processEnv);
  const problems: string[] = [];
  let hypervisor: HypervisorSpec = { users: [], extra: {} };
  try {
    hypervisor = readHypervisor(configDir);
  } catch (error) {
    problems.push(`config: ${error instanceof Error ? error.message : String(error)}`);
  }
  const report = await runPreflight(env);
  const suggested = new Set(report.items.flatMap((item) => (item.step ? [item.step] : [])));
  const nvidiaGpu = report.facts.gpus.some((gpu) => gpu.includes('[10de:'));
  const resume = readResume(env);
  const saved = savedSteps(hypervisor);
  const steps = SETUP_STEPS.filter((step) => step.id !== 'nvidia' || nvidiaGpu).map((step) => ({
    id: step.id,
    title: step.title,
    explanation: step.explanation,
    suggested: suggested.has(step.id),
  }));
  const offered = (ids: readonly SetupStepId[]) =>
    ids.filter((id) => steps.some((s) => s.id === id));
  const user = hypervisor.users[0];
  const nfs = (hypervisor.nfs as { exports?: unknown[] } | undefined)?.exports ?? [];
  const samba = (hypervisor.samba as { shares?: unknown[] } | undefined)?.shares ?? [];
  return {
    steps,
    preselected: offered(resume?.steps ?? saved ?? [...suggested]),
    ...(resume
      ? { resume: { step: resume.step, steps: resume.steps, rebooted: rebootedSince(env, resume) } }
      : {}),
    timezones: zoneNames(env),
    timezone: hypervisor.timezone ?? report.facts.timezone ?? 'UTC',
    ...(user
      ? {
          user: {
            username: user.username,
            hasPassword: Boolean(user.password_hash),
            ...(user.ssh_public_key ? { sshKey: user.ssh_public_key } : {}),
          },
        }
      : {}),
    sshKeys: readSshKeys(home),
    freeDisks: report.facts.disks
      .filter((disk) => !disk.pool)
      .map((disk) => ({
        byId: disk.byId,
        device: disk.device,
        holds: disk.holds,
        ...(disk.sizeBytes === undefined ? {} : { sizeBytes: disk.sizeBytes }),
        ...(disk.model ? { model: disk.model } : {}),
      })),
    ...(hypervisor.network?.internal_bridge
      ? {
          internalBridge: {
            name: hypervisor.network.internal_bridge.name,
            subnet: hypervisor.network.internal_bridge.subnet,
          },
        }
      : {}),
    kept: { nfsExports: nfs.length, sambaShares: samba.length, firewall: !!hypervisor.firewall },
    lan: lanOf(hypervisor.network?.interfaces?.address),
    nvidiaVersion: hypervisor.nvidia_driver?.version ?? '580.76.05',
    nvidiaGpu,
    ...(isRoot(env)
      ? {}
      : {
          cannotApply:
            'setup changes the host and must run as root: start phoenix as root to apply (planning and saving work)',
        }),
    problems,
  };
}

/** The answers of a draft; a kept admin user keeps its saved password hash. */
function answersOf(draft: SetupDraft, hypervisor: HypervisorSpec): SetupAnswers {
  const choices = draft.choices;
  const saved = hypervisor.users[0];
  const user =
    choices.user && !choices.user.passwordHash && saved?.username === choices.user.username
      ? {
          ...choices.user,
          ...(saved.password_hash ? { passwordHash: saved.password_hash } : {}),
        }
      : choices.user;
  return answersFromChoices({ ...choices, ...(user ? { user } : {}) });
}

/**
 * The hypervisor config as it will be once the draft is saved: the answers are written into a
 * copy of the config files, which is loaded like the real one (the same normalising and checks).
 */
function hypervisorWith(configDir: string, draft: SetupDraft): HypervisorSpec {
  const copy = mkdtempSync(join(tmpdir(), 'phoenix-setup-plan-'));
  try {
    for (const file of Object.values(configFilePaths(configDir)))
      if (existsSync(file)) copyFileSync(file, join(copy, basename(file)));
    saveAnswers(copy, answersOf(draft, readHypervisor(configDir)));
    return readHypervisor(copy);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

function plannedStep(check: StepCheck): PlannedStep {
  const title = SETUP_STEPS.find((step) => step.id === check.step)?.title ?? check.step;
  const state =
    check.state === 'in-place'
      ? ' (already in place)'
      : check.state === 'waiting-reboot'
        ? ' (waits for a reboot)'
        : check.state === 'problem'
          ? ` (cannot run: ${check.message ?? 'check failed'})`
          : '';
  return {
    id: check.step,
    title: `${title}${state}`,
    commands: [
      ...check.files.map((file) => `file     ${file}`),
      ...check.commands.map((command) => `command  ${command}`),
      ...check.wipes.map((wipe) => `WIPE     ${wipe.disk} (holds ${wipe.holds})`),
      ...check.notes.map((note) => `note     ${note}`),
    ],
  };
}

export async function planSetupDraft(
  configDir: string,
  processEnv: NodeJS.ProcessEnv,
  draft: SetupDraft,
): Promise<PlannedStep[]> {
  const checks = await planSetup({
    env: setupEnv(processEnv),
    hypervisor: hypervisorWith(configDir, draft),
    steps: draft.choices.steps,
    consent: draft.consent,
  });
  return checks.map(plannedStep);
}

export function saveSetupDraft(configDir: string, draft: SetupDraft): { file: string } {
  return { file: saveAnswers(configDir, answersOf(draft, readHypervisor(configDir))) };
}

/** Refuses to apply where `phoenix setup` would (not root on a real host). */
export function assertCanApplySetup(processEnv: NodeJS.ProcessEnv): SetupEnv {
  const env = setupEnv(processEnv);
  if (!isRoot(env))
    throw new UserError('phoenix setup changes the host and must run as root', {
      hint: 'start phoenix as root on the Proxmox VE host to apply the saved answers',
    });
  return env;
}
