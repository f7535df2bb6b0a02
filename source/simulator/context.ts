import type { SimEnv } from './env.js';
import type { Faults } from './faults.js';
import type { DurationKey } from './latency.js';

/** What a simulated command gets. */
export interface Ctx {
  env: SimEnv;
  tool: string;
  args: string[];
  faults: Faults;
  /** Stdin handed over in-process (the API's `input-data` for `qm guest exec --pass-stdin`). */
  stdin?: string;
  out(text: string): void;
  err(text: string): void;
  delay(key: DurationKey, times?: number): void;
}

export type ToolMain = (ctx: Ctx) => number;
