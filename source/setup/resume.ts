import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../config/writer.js';
import { hostPath, type SetupEnv } from './environment.js';
import type { SetupStepId } from './types.js';

/** Where setup stopped for a reboot: written when a step exits 11, removed when it finishes. */
export interface ResumeState {
  step: SetupStepId;
  /** The steps the interrupted run had chosen, in order. */
  steps: SetupStepId[];
  runId: string;
  bootId: string;
  at: string;
}

const file = (env: SetupEnv) => join(env.stateDir, 'resume.json');

export function currentBootId(env: SetupEnv): string {
  const path = hostPath(env, '/proc/sys/kernel/random/boot_id');
  return existsSync(path) ? readFileSync(path, 'utf8').trim() : 'unknown';
}

export function readResume(env: SetupEnv): ResumeState | undefined {
  if (!existsSync(file(env))) return undefined;
  try {
    return JSON.parse(readFileSync(file(env), 'utf8')) as ResumeState;
  } catch {
    return undefined;
  }
}

export function writeResume(env: SetupEnv, state: ResumeState): void {
  mkdirSync(env.stateDir, { recursive: true, mode: 0o700 });
  writeFileAtomic(file(env), `${JSON.stringify(state, null, 2)}\n`);
}

export function clearResume(env: SetupEnv): void {
  rmSync(file(env), { force: true });
}

/** The host has rebooted since setup stopped (the kernel's boot id changed). */
export function rebootedSince(env: SetupEnv, state: ResumeState): boolean {
  return currentBootId(env) !== state.bootId;
}
