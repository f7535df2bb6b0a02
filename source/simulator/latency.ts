// Latency model (env PVE_SIM_LATENCY=0|real|<factor>): typical durations of a real PVE host, in ms,
// multiplied by the factor. A Perl CLI start alone costs ~0.3-0.5 s.
import { sleepMs } from './fsutil.js';

export const durations = {
  base: 400,
  create: 1500,
  cloneLinked: 1500,
  /** per GiB of disk copied */
  cloneFullPerGiB: 250,
  start: 2500,
  stop: 1000,
  shutdown: 4000,
  /** qm/pct shutdown's default timeout, spent before `got timeout` */
  shutdownTimeout: 60000,
  reboot: 5000,
  destroy: 1200,
  snapshot: 1500,
  rollback: 2500,
  template: 1500,
  resize: 500,
  download: 6000,
  guestExec: 300,
  /** ssh to another node: connection and key exchange */
  sshConnect: 150,
  /** a started VM's guest agent answers after this */
  agentBoot: 15000,
  /** cloud-init finishes this long after the agent is up */
  cloudInit: 20000,
  /** a stopped guest's task costs this much extra */
  task: 300,
};

export type DurationKey = keyof typeof durations;

export function delay(factor: number, key: DurationKey, times = 1): void {
  if (factor > 0) sleepMs(durations[key] * factor * times);
}

/** Boot delays in ms; PVE_SIM_AGENT_DELAY / PVE_SIM_CLOUDINIT_DELAY (ms) override the model. */
export function bootDelays(factor: number): { agent: number; cloudInit: number } {
  const fromEnv = (name: string) => {
    const raw = process.env[name];
    return raw !== undefined && raw !== '' && Number.isFinite(Number(raw))
      ? Number(raw)
      : undefined;
  };
  return {
    agent: fromEnv('PVE_SIM_AGENT_DELAY') ?? durations.agentBoot * factor,
    cloudInit: fromEnv('PVE_SIM_CLOUDINIT_DELAY') ?? durations.cloudInit * factor,
  };
}
