// Builds the shipped artefacts:
//   dist/cli.js      tiny plain-JS preamble: refuses an old Node with a clear message, then loads
//   dist/phoenix.js  the whole CLI + TUI as one ESM file (esbuild), runs on plain Node >= 20.5
//   dist/sim.js      the Proxmox simulator as one file
//   dist/sim-bin/    qm, pct, pvesh, pvesm, pveam, ssh: thin launchers of dist/sim.js
//   dist/sim-node-bin/  mkdir, chown, stat of a simulated node (for commands over ssh)
import { build } from 'esbuild';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs';
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
mkdirSync(join(dist, 'sim-node-bin'), { recursive: true });

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
  write: false,
};

// Bundles are written atomically (temp file + rename): test runs build concurrently, and a
// process starting the simulator must never load a half-written dist/sim.js.
function writeAtomically(result) {
  for (const file of result.outputFiles) {
    const tmp = `${file.path}.tmp-${process.pid}`;
    writeFileSync(tmp, file.contents);
    renameSync(tmp, file.path);
  }
}

await Promise.all([
  build({
    ...common,
    entryPoints: [join(root, 'source/main.ts')],
    outfile: join(dist, 'phoenix.js'),
    // React and its reconciler pick their build from NODE_ENV at run time; unset, the shipped TUI
    // ran the development builds (owner stacks captured per element, a performance.measure per
    // render kept in the timeline, extra checks): slower and heavier. The bundle is production.
    define: { ...common.define, 'process.env.NODE_ENV': '"production"' },
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
]).then((results) => results.forEach(writeAtomically));

// Small files are replaced only when they changed, and atomically: a concurrent build must not
// truncate a launcher another test process is executing.
function writeExecutable(file, content, mode = 0o755) {
  if (existsSync(file) && readFileSync(file, 'utf8') === content.toString()) return;
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, content);
  chmodSync(tmp, mode);
  renameSync(tmp, file);
}

// The preamble must parse on any Node: no modern syntax here.
writeExecutable(
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

for (const tool of ['qm', 'pct', 'pvesh', 'pvesm', 'pveam', 'ssh']) {
  const file = join(dist, 'sim-bin', tool);
  writeExecutable(file, `#!/bin/sh\nexec node "\${0%/*}/../sim.js" ${tool} "$@"\n`);
}
// A simulated node's own file commands, first on the PATH of the shell ssh starts there.
for (const tool of ['mkdir', 'chown', 'stat']) {
  const file = join(dist, 'sim-node-bin', tool);
  writeExecutable(file, `#!/bin/sh\nexec node "\${0%/*}/../sim.js" __node ${tool} "$@"\n`);
}
// Stub system commands: guest-bin (apt-get, systemctl, ...) the simulator runs guest scripts
// against, host-bin (zpool, pveum, timedatectl, ...) the demo's stand-in host runs setup against.
const copyTree = (from, to) => {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    if (entry.isDirectory()) copyTree(join(from, entry.name), join(to, entry.name));
    else {
      const source = join(from, entry.name);
      writeExecutable(join(to, entry.name), readFileSync(source), statSync(source).mode & 0o777);
    }
  }
};
for (const [from, to] of [
  ['guest-bin', 'sim-guest-bin'],
  ['host-bin', 'sim-host-bin'],
]) {
  const dir = join(root, 'source/simulator', from);
  if (existsSync(dir)) copyTree(dir, join(dist, to));
}
if (!quiet) console.log('built dist/cli.js, dist/phoenix.js, dist/sim.js, dist/sim-bin/*');
