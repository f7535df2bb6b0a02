/** How long the pipelines wait for guests, in milliseconds. */
export interface WaitBudgets {
  agentMs: number;
  cloudInitMs: number;
  cloneMs: number;
}

const seconds = (value: string | undefined, fallback: number): number => {
  const parsed = Number(value);
  return value !== undefined && Number.isFinite(parsed) && parsed > 0 ? parsed * 1000 : fallback;
};

/**
 * Defaults fit a typical host; slow storage or mirrors may need more:
 * PHOENIX_AGENT_TIMEOUT, PHOENIX_CLOUD_INIT_TIMEOUT and PHOENIX_CLONE_TIMEOUT (seconds).
 */
export function waitBudgets(env: NodeJS.ProcessEnv = process.env): WaitBudgets {
  return {
    agentMs: seconds(env.PHOENIX_AGENT_TIMEOUT, 5 * 60_000),
    cloudInitMs: seconds(env.PHOENIX_CLOUD_INIT_TIMEOUT, 15 * 60_000),
    cloneMs: seconds(env.PHOENIX_CLONE_TIMEOUT, 30 * 60_000),
  };
}
