import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Integration and end-to-end tests run the real bundles (dist/cli.js, dist/sim.js), as shipped.
export default function setup(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  execFileSync(process.execPath, ['scripts/build.mjs', '--quiet'], { cwd: root, stdio: 'inherit' });
}
