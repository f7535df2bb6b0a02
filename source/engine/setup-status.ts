import { runPreflight, setupEnv, type PreflightItem } from '../setup/index.js';
import type { SetupItem, SetupItemState } from './types.js';

const states: Record<PreflightItem['status'], SetupItemState> = {
  fine: 'done',
  'needs-setup': 'missing',
  problem: 'drifted',
};

/**
 * The host setup as the TUI's setup view shows it: the read-only preflight of `phoenix setup`,
 * item by item with its fix. Applying is `phoenix setup` (it asks its questions on the terminal).
 */
export async function hostSetupStatus(
  env: NodeJS.ProcessEnv = process.env,
): Promise<readonly SetupItem[]> {
  const report = await runPreflight(setupEnv(env));
  return report.items.map((item) => ({
    id: item.id,
    area: item.step ?? 'host',
    title: item.title,
    state: states[item.status],
    detail: item.fix ? `${item.detail} — ${item.fix}` : item.detail,
  }));
}
