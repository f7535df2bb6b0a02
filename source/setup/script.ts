import { chmodSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { runHostScript, type HostScriptResult } from '../host/host-scripts.js';
import type { HypervisorSpec } from '../config/types.js';
import { writeFileAtomic } from '../config/writer.js';
import { scriptPath, type SetupEnv } from './environment.js';
import { stepInfo } from './steps.js';
import type { SetupStepId, StepCheck } from './types.js';

/** Exit codes of the host step scripts (features/README.md, "Host steps"). */
export const StepExit = {
  ok: 0,
  failed: 1,
  badConfig: 2,
  unsupported: 3,
  noHardware: 4,
  download: 5,
  apt: 6,
  changesNeeded: 10,
  rebootRequired: 11,
  needsConsent: 12,
  conflict: 13,
  lockTimeout: 75,
} as const;

const hints: Record<number, string> = {
  [StepExit.badConfig]:
    'fix the value in phoenix_hypervisor_config.json (phoenix validate shows where)',
  [StepExit.unsupported]: 'phoenix setup runs on Proxmox VE 8 (bookworm) or 9 (trixie)',
  [StepExit.noHardware]: 'the hardware this step needs is not there; leave the step out',
  [StepExit.download]: 'check the host can reach the download (DNS, proxy, IPv6)',
  [StepExit.apt]:
    'run apt-get update by hand to see the error; the repositories step fixes the enterprise repository',
  [StepExit.needsConsent]:
    'look at the disk first; to wipe it, type its by-id name when asked (or pass --wipe <by-id name>)',
  [StepExit.conflict]:
    'Phoenix never changes what it did not create: resolve it by hand or choose another name',
  [StepExit.lockTimeout]: 'another apt/dpkg run holds the lock; wait for it, then run setup again',
};

export function hintForExit(code: number | undefined): string | undefined {
  return code === undefined ? undefined : hints[code];
}

/**
 * The config the scripts read: the host settings as the config layer normalised them, plus the
 * `setup` section. Written 0600 (it holds the admin's password hash), removed after the run.
 */
export function writeScriptConfig(env: SetupEnv, hypervisor: HypervisorSpec): string {
  mkdirSync(env.stateDir, { recursive: true, mode: 0o700 });
  const { extra, ...settings } = hypervisor;
  const file = join(env.stateDir, `.config.${process.pid}.${randomBytes(4).toString('hex')}.json`);
  writeFileAtomic(file, `${JSON.stringify({ ...settings, setup: extra.setup ?? {} }, null, 2)}\n`);
  chmodSync(file, 0o600);
  return file;
}

export function removeScriptConfig(file: string): void {
  rmSync(file, { force: true });
}

export interface ScriptCall {
  env: SetupEnv;
  step: SetupStepId;
  mode: 'check' | 'apply' | 'undo';
  configFile: string;
  /** By-id names the user typed to allow wiping those disks. */
  consent?: readonly string[];
  journalDir?: string;
  undoRecords?: string;
  signal?: AbortSignal;
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
}

export function runStepScript(call: ScriptCall): Promise<HostScriptResult> {
  const env: NodeJS.ProcessEnv = { ...call.env.processEnv };
  if (call.env.root) env.PHOENIX_ROOT = call.env.root;
  env.PHOENIX_WIPE_CONSENT = (call.consent ?? []).join(' ');
  if (call.journalDir) env.PHOENIX_STEP_JOURNAL = call.journalDir;
  else delete env.PHOENIX_STEP_JOURNAL;
  if (call.undoRecords) env.PHOENIX_UNDO_RECORDS = call.undoRecords;
  else delete env.PHOENIX_UNDO_RECORDS;
  return runHostScript(
    scriptPath(call.env, stepInfo(call.step).script),
    [call.mode, call.configFile],
    {
      env,
      ...(call.signal ? { signal: call.signal } : {}),
      ...(call.onLine ? { onLine: call.onLine } : {}),
    },
  );
}

/** The last "[step] error: …" line of a script, without its prefix. */
export function scriptError(result: HostScriptResult): string {
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  const error = [...lines].reverse().find((line) => /^\[[\w-]+\] error: /.test(line));
  if (error) return error.replace(/^\[[\w-]+\] error: /, '');
  if (result.timedOut) return 'the step did not finish in time and was stopped';
  if (result.aborted) return 'interrupted';
  return lines.at(-1) ?? `exited with ${String(result.exitCode)}`;
}

/** Runs the step's check mode and reads its plan lines (@file, @command, @wipe, @note, @reboot). */
export async function checkStep(
  call: Omit<ScriptCall, 'mode' | 'journalDir' | 'undoRecords'>,
): Promise<StepCheck> {
  const result = await runStepScript({ ...call, mode: 'check' });
  const check: StepCheck = {
    step: call.step,
    state: 'in-place',
    files: [],
    commands: [],
    wipes: [],
    notes: [],
    reboot: false,
  };
  for (const line of result.stdout.split('\n')) {
    const match = /^@(file|command|wipe|note|reboot) (.*)$/.exec(line);
    if (!match) continue;
    const [, kind, text = ''] = match;
    if (kind === 'file' && !check.files.includes(text)) check.files.push(text);
    else if (kind === 'command') check.commands.push(text);
    else if (kind === 'note') check.notes.push(text);
    else if (kind === 'reboot') {
      check.reboot = true;
      check.notes.push(text);
    } else if (kind === 'wipe') {
      const [disk = '', ...holds] = text.split(' ');
      check.wipes.push({ disk, holds: holds.join(' ') });
    }
  }
  if (result.exitCode === StepExit.ok) check.state = 'in-place';
  else if (result.exitCode === StepExit.changesNeeded) check.state = 'changes';
  else if (result.exitCode === StepExit.rebootRequired) check.state = 'waiting-reboot';
  else {
    check.state = 'problem';
    check.message = scriptError(result);
    if (result.exitCode !== undefined) check.exitCode = result.exitCode;
  }
  return check;
}
