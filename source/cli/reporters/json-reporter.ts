import type { RunEventListener } from '../../runner/types.js';

/** One JSON object per line per event (`--json`), for scripts and other tools. */
export function jsonReporter(write: (line: string) => void): RunEventListener {
  return (event) => write(JSON.stringify(event));
}
