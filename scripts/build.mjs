// Builds the shipped artefacts:
//   dist/cli.js      tiny plain-JS preamble: refuses an old Node with a clear message, then loads
//   dist/phoenix.js  the whole CLI + TUI as one ESM file (esbuild), runs on plain Node >= 20.5
//   dist/sim.js      the Proxmox simulator as one file
//   dist/sim-bin/    qm, pct, pvesh, pvesm, pveam: thin launchers of dist/sim.js
import { build } from 'esbuild';
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quiet = process.argv.includes('--quiet');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// --outdir=DIR and --version=X: scripts/release.mjs builds a release into its staging folder.
const argValue = (name) =>
  process.argv.find((arg) => arg.startsWith(`--${name}=`))?.slice(name.length + 3);
const dist = argValue('outdir') ?? join(root, 'dist');
const version = argValue('version') ?? pkg.version;

mkdirSync(join(dist, 'sim-bin'), { recursive: true });

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: quiet ? 'error' : 'info',
  legalComments: 'none',
  // CJS dependencies (ajv, …) call require() for builtins; give the ESM bundle one.
  banner: {
    js: "import { createRequire as __phoenixCreateRequire } from 'node:module'; const require = __phoenixCreateRequire(import.meta.url);",
  },
  define: { PHOENIX_VERSION: JSON.stringify(version) },
};

await Promise.all([
  build({
    ...common,
    entryPoints: [join(root, 'source/main.ts')],
    outfile: join(dist, 'phoenix.js'),
    // ink 6.8 imports react-devtools-core only in dev mode (ink #886); is-in-ci would make the
    // bundle non-interactive whenever CI is set in the environment (ink-stack.md §6).
    alias: {
      'react-devtools-core': join(root, 'scripts/stubs/react-devtools-core.js'),
      'is-in-ci': join(root, 'scripts/stubs/is-in-ci.js'),
      // jsonc-parser's "main" is a UMD build whose dynamic require('./impl/…') esbuild cannot follow.
      'jsonc-parser': join(root, 'node_modules/jsonc-parser/lib/esm/main.js'),
    },
  }),
  build({
    ...common,
    entryPoints: [join(root, 'source/simulator/main.ts')],
    outfile: join(dist, 'sim.js'),
  }),
]);

// The preamble must parse on any Node: no modern syntax here.
writeFileSync(
  join(dist, 'cli.js'),
  `#!/usr/bin/env node
var major = Number(process.versions.node.split('.')[0]);
var minor = Number(process.versions.node.split('.')[1]);
if (major < 20 || (major === 20 && minor < 5)) {
  process.stderr.write('phoenix: Node.js ' + process.versions.node + ' is too old; Phoenix needs Node.js 20.5 or newer.\\n' +
    '  On Proxmox VE 8 (Debian 12, nodejs 18) use the release tarball that carries its own Node.\\n');
  process.exit(1);
}
import('./phoenix.js');
`,
);
chmodSync(join(dist, 'cli.js'), 0o755);

for (const tool of ['qm', 'pct', 'pvesh', 'pvesm', 'pveam']) {
  const file = join(dist, 'sim-bin', tool);
  writeFileSync(file, `#!/bin/sh\nexec node "\${0%/*}/../sim.js" ${tool} "$@"\n`);
  chmodSync(file, 0o755);
}
// Stub system commands (apt-get, systemctl, ...) the simulator runs guest scripts against.
const guestBin = join(root, 'source/simulator/guest-bin');
if (existsSync(guestBin)) {
  // no rm first: concurrent builds (parallel test runs) would race on it
  cpSync(guestBin, join(dist, 'sim-guest-bin'), { recursive: true, force: true });
}
if (!quiet) console.log('built dist/cli.js, dist/phoenix.js, dist/sim.js, dist/sim-bin/*');
