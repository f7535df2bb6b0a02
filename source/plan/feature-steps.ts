import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { setImmediate } from 'node:timers/promises';
import type { GuestSpec, Spec } from '../config/types.js';
import { resolveFeature, type FeatureKind } from '../features/catalog.js';
import { StepError } from '../runner/step-error.js';
import { abortableSleep } from '../runner/runner.js';
import { featuresDir } from '../util/paths.js';
import { guestExec } from './guest-exec.js';
import { publicSpec, stripSecrets } from '../reconcile/public-spec.js';
import type { GuestView, PipelineContext, PipelineStep } from './types.js';

/** Where features live inside a guest (the layout features/README.md defines). */
export const GUEST_DIR = '/var/lib/phoenix';

/**
 * Feature scripts run inside the guest. Phoenix sends one generated bash "bundle" on stdin: it
 * writes the script, the shared lib and the context JSON under ${PHOENIX_ROOT:-}/var/lib/phoenix
 * and runs the feature. Containers run it in the foreground (`pct exec`, whose exit code is the
 * script's). VMs start it detached through the guest agent and Phoenix polls its exit-code file
 * and log, so a long install is never cut by the agent's exec timeout. A successful run leaves a
 * marker with the digest of script + lib + context: the next apply skips an unchanged feature.
 */
export function featureSteps(
  guest: GuestSpec,
  id: number,
  spec: Pick<Spec, 'lxcGlobals' | 'hypervisor'>,
  root = featuresDir(),
): PipelineStep[] {
  const kind: FeatureKind = guest.kind === 'qemu' ? 'vm' : 'lxc';
  const context = JSON.stringify(featureContext(guest, spec), null, 2);
  return guest.features.map((name) => {
    const feature = resolveFeature(kind, name, root);
    if (!feature) {
      return failingStep(
        `feature:${name}`,
        `Feature ${name}`,
        `there is no ${kind} feature "${name}" in ${join(root, kind)}`,
      );
    }
    const files = bundleFiles(root, kind, feature.name, feature.path, context);
    const digest = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16);
    const marker = `${GUEST_DIR}/state/${feature.name}.done`;
    const bundle = bundleScript(files, feature.name, kind, digest, guest.kind === 'qemu');
    const title = `Feature ${feature.name}${feature.name !== name ? ` (${name})` : ''}`;
    return guest.kind === 'qemu'
      ? vmFeatureStep(id, feature.name, title, marker, digest, bundle)
      : lxcFeatureStep(id, feature.name, title, marker, digest, bundle);
  });
}

/**
 * What a feature script reads: the guest's merged config over the host-wide settings it may need
 * (the LXC file's top-level nvidia_* keys, the host's NVIDIA driver version), without secrets.
 */
export function featureContext(
  guest: GuestSpec,
  spec: Pick<Spec, 'lxcGlobals' | 'hypervisor'>,
): Record<string, unknown> {
  const host: Record<string, unknown> = {};
  const driver = spec.hypervisor?.nvidia_driver;
  if (driver?.version) host.nvidia_driver_version = driver.version;
  if (driver?.runfile_url) host.nvidia_runfile_url = driver.runfile_url;
  return {
    ...host,
    ...(stripSecrets(spec.lxcGlobals) as Record<string, unknown>),
    ...publicSpec(guest),
  };
}

interface BundleFile {
  path: string;
  content: string;
  mode: string;
}

/** The script (from `scriptPath`), the shared lib and the context, as the guest will see them. */
function bundleFiles(
  root: string,
  kind: FeatureKind,
  name: string,
  scriptPath: string,
  context: string,
): BundleFile[] {
  const lib = join(root, 'lib');
  const libFiles = readdirSync(lib)
    .filter((file) => file.endsWith('.sh'))
    .sort()
    .map((file) => ({
      path: `features/lib/${file}`,
      content: readFileSync(join(lib, file), 'utf8'),
      mode: '0644',
    }));
  return [
    ...libFiles,
    {
      path: `features/${kind}/${name}.sh`,
      content: readFileSync(scriptPath, 'utf8'),
      mode: '0755',
    },
    { path: `context/${name}.json`, content: context, mode: '0600' },
  ];
}

const applicationScriptName = (script: string): string =>
  `app_${basename(script)
    .replace(/\.sh$/, '')
    .replace(/[^\w.-]/g, '_')}`;

/**
 * A container's `application_script`: the site's own script, run after the features like one
 * (same delivery, context, lib and done-marker). It is looked up as given when absolute, else in
 * `<config dir>/scripts/`, then in the original layout's `bin/` beside the config dir.
 */
export function applicationScriptSteps(
  guest: GuestSpec,
  id: number,
  spec: Pick<Spec, 'lxcGlobals' | 'hypervisor' | 'configDir'>,
  root = featuresDir(),
): PipelineStep[] {
  if (guest.kind !== 'lxc' || !guest.application_script) return [];
  const script = guest.application_script;
  const candidates = isAbsolute(script)
    ? [script]
    : [join(spec.configDir, 'scripts', script), join(dirname(spec.configDir), 'bin', script)];
  const path = candidates.find((candidate) => existsSync(candidate));
  const name = applicationScriptName(script);
  const title = `Application script ${basename(script)}`;
  if (!path)
    return [
      failingStep(
        `app:${name}`,
        title,
        `application_script "${script}" not found (looked in ${candidates.join(', ')})`,
      ),
    ];
  const context = JSON.stringify(featureContext(guest, spec), null, 2);
  const files = bundleFiles(root, 'lxc', name, path, context);
  const digest = createHash('sha256').update(JSON.stringify(files)).digest('hex').slice(0, 16);
  return [
    lxcFeatureStep(
      id,
      name,
      title,
      `${GUEST_DIR}/state/${name}.done`,
      digest,
      bundleScript(files, name, 'lxc', digest, false),
    ),
  ];
}

/** The bash program sent on stdin. Every path is under "$R" so it also runs against a fake root. */
function bundleScript(
  files: BundleFile[],
  name: string,
  kind: FeatureKind,
  digest: string,
  detach: boolean,
): string {
  const lines = [
    'set -euo pipefail',
    'R="${PHOENIX_ROOT:-}"',
    `D="$R${GUEST_DIR}"`,
    `mkdir -p "$D/features/lib" "$D/features/${kind}" "$D/context" "$D/logs" "$D/state"`,
    'chmod 0700 "$D/context"',
  ];
  for (const file of files) {
    lines.push(
      `base64 -d > "$D/${file.path}.new" <<'PHOENIX_EOF'`,
      Buffer.from(file.content).toString('base64'),
      'PHOENIX_EOF',
    );
    lines.push(
      `chmod ${file.mode} "$D/${file.path}.new"`,
      `mv -f "$D/${file.path}.new" "$D/${file.path}"`,
    );
  }
  const run = `bash "$D/features/${kind}/${name}.sh" "$D/context/${name}.json"`;
  const done = `echo '${name} ${digest}' > "$D/state/${name}.done"`;
  lines.push(`rm -f "$D/logs/${name}.rc" "$D/state/${name}.done"`);
  if (detach) {
    // Detached from the agent's exec: output to the log, the exit code to the .rc file.
    lines.push(
      `setsid nohup bash -c 'bash "$1" "$2" > "$3" 2>&1; rc=$?; if [ "$rc" = 0 ]; then echo "$4" > "$5"; fi; echo "$rc" > "$6"' phoenix \\`,
      `  "$D/features/${kind}/${name}.sh" "$D/context/${name}.json" "$D/logs/${name}.log" '${name} ${digest}' "$D/state/${name}.done" "$D/logs/${name}.rc" \\`,
      '  < /dev/null > /dev/null 2>&1 &',
    );
  } else {
    lines.push(
      `set +e`,
      `${run} 2>&1 | tee "$D/logs/${name}.log"`,
      'rc=${PIPESTATUS[0]}',
      `if [ "$rc" = 0 ]; then ${done}; fi`,
      'exit "$rc"',
    );
  }
  return `${lines.join('\n')}\n`;
}

const EXIT_MEANINGS: Record<number, string> = {
  2: 'the feature rejected its context (a required config key is missing or invalid)',
  3: 'the guest OS or architecture is not supported by this feature',
  4: 'required hardware is missing (no GPU, or the driver does not answer)',
  5: "a download failed after retries: check DNS and the guest's internet access",
  6: "apt-get failed after retries: check the guest's apt sources, DNS and internet access",
  75: 'the apt/dpkg lock stayed held by another process (unattended-upgrades?); retry later',
};

const FAILURE_LOG_LINES = 20;

function featureFailure(name: string, code: number, log: string): StepError {
  const tail = log.trimEnd().split('\n').slice(-FAILURE_LOG_LINES).join('\n');
  return new StepError({
    message: `feature ${name} exited with ${code}`,
    output: tail,
    hint: EXIT_MEANINGS[code] ?? 'read the log above; the script names the command that failed',
  });
}

function lxcFeatureStep(
  id: number,
  name: string,
  title: string,
  marker: string,
  digest: string,
  bundle: string,
): PipelineStep {
  const ctid = String(id);
  return {
    key: `feature:${name}`,
    title,
    timeoutMs: 60 * 60_000,
    preview: (view) =>
      view.featureMarkers?.[name] === digest || isTemplate(view)
        ? []
        : [['pct', 'exec', ctid, '--', 'bash', '-s']],
    note: `the script arrives on stdin with its lib and context; skipped when ${marker} matches`,
    async run(context) {
      if (isTemplate(await context.view())) return 'unchanged';
      if ((await readMarkers(context, 'lxc', id, [marker]))[name] === digest) return 'unchanged';
      try {
        // The script's output streams into the run log line by line.
        await context.exec(['pct', 'exec', ctid, '--', 'bash', '-s'], {
          input: bundle,
          timeoutMs: 60 * 60_000,
          stream: true,
        });
      } catch (error) {
        const detail = (error as { detail?: { output?: string; exitCode?: number; kind?: string } })
          .detail;
        // pct exec exits with the script's own code; anything else (CT stopped, lock) is Proxmox's.
        if (detail?.exitCode === undefined || detail.kind !== 'failed') throw error;
        throw featureFailure(name, detail.exitCode, detail.output ?? '');
      }
      return 'changed';
    },
  };
}

function vmFeatureStep(
  id: number,
  name: string,
  title: string,
  marker: string,
  digest: string,
  bundle: string,
): PipelineStep {
  const poll = [
    'R="${PHOENIX_ROOT:-}"',
    `D="$R${GUEST_DIR}/logs"`,
    `if [ -f "$D/${name}.rc" ]; then echo "rc=$(cat "$D/${name}.rc")"; else echo running; fi`,
    // `bash -s phoenix-poll <offset>`: $1 is the tag, $2 the byte offset to read from.
    `tail -c +"$2" "$D/${name}.log" 2>/dev/null || true`,
  ].join('\n');
  return {
    key: `feature:${name}`,
    title,
    timeoutMs: 60 * 60_000,
    preview: (view) =>
      view.featureMarkers?.[name] === digest || isTemplate(view)
        ? []
        : [['qm', 'guest', 'exec', String(id), '--pass-stdin', '1', '--', 'bash', '-s']],
    note: `started detached through the guest agent, log and exit code polled every 2 s; skipped when ${marker} matches`,
    async run(context) {
      if (isTemplate(await context.view())) return 'unchanged';
      if ((await readMarkers(context, 'qemu', id, [marker]))[name] === digest) return 'unchanged';
      const started = await guestExec(context, id, ['bash', '-s'], { input: bundle });
      if (started.exitcode !== 0) {
        throw new StepError({
          message: `could not deliver feature ${name} to VM ${id} (exit ${started.exitcode})`,
          output: `${started.out}${started.err}`.trim(),
        });
      }
      let offset = 1;
      // The end of the log, for the failure report (the whole log is in the run store).
      let tail = '';
      // Quick first looks for short scripts, then every 2 s for long installs.
      for (let attempt = 0; ; attempt++) {
        await abortableSleep(Math.min(2000, 150 * 2 ** attempt), context.signal);
        const status = await guestExec(
          context,
          id,
          ['bash', '-s', 'phoenix-poll', String(offset)],
          { input: poll },
        );
        const newline = status.out.indexOf('\n');
        const head = newline === -1 ? status.out : status.out.slice(0, newline);
        const read = newline === -1 ? '' : status.out.slice(newline + 1);
        const rc = /^rc=(\d+)/.exec(head);
        // The script may be in the middle of a line: that line is read again next time, whole
        // (unless it keeps growing without a newline, a progress bar). Once the exit code is
        // there the log is complete.
        const complete = read.lastIndexOf('\n') + 1;
        const chunk =
          rc || read.length - complete > PARTIAL_LINE_MAX ? read : read.slice(0, complete);
        offset += Buffer.byteLength(chunk);
        tail = lastLines(tail + chunk, FAILURE_LOG_LINES);
        await logLines(context, chunk);
        if (rc) {
          const code = Number(rc[1]);
          if (code !== 0) throw featureFailure(name, code, tail);
          return 'changed';
        }
      }
    },
  };
}

/** The last `count` lines of `text` (ignoring trailing blank ones), with what follows them. */
function lastLines(text: string, count: number): string {
  let cut = text.trimEnd().length;
  for (let i = 0; i < count && cut > 0; i++) cut = text.lastIndexOf('\n', cut - 1);
  return cut <= 0 ? text : text.slice(cut + 1);
}

/** A line still being written is logged as it is once it is this long. */
const PARTIAL_LINE_MAX = 64 * 1024;

/** Lines logged per turn of the event loop: a poll may bring tens of thousands at once. */
const LOG_SLICE = 500;

/** Logs a chunk's non-blank lines, giving way to keys and timers between slices. */
async function logLines(context: PipelineContext, chunk: string): Promise<void> {
  let start = 0;
  while (start < chunk.length) {
    for (let n = 0; n < LOG_SLICE && start < chunk.length; n++) {
      let end = chunk.indexOf('\n', start);
      if (end === -1) end = chunk.length;
      const line = chunk.slice(start, end);
      if (line.trim()) context.log(line);
      start = end + 1;
    }
    if (start < chunk.length) await setImmediate();
  }
}

/** The marker files of a guest's features (`<dir>/state/<name>.done`, holding `name digest`). */
export function markerPaths(guest: GuestSpec, root = featuresDir()): string[] {
  const kind: FeatureKind = guest.kind === 'qemu' ? 'vm' : 'lxc';
  const features = guest.features.flatMap((name) => {
    const feature = resolveFeature(kind, name, root);
    return feature ? [`${GUEST_DIR}/state/${feature.name}.done`] : [];
  });
  const app =
    guest.kind === 'lxc' && guest.application_script
      ? [`${GUEST_DIR}/state/${applicationScriptName(guest.application_script)}.done`]
      : [];
  return [...features, ...app];
}

/** `name digest` lines as a map. */
export function parseMarkers(text: string): Record<string, string> {
  const markers: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^([\w.-]+) ([0-9a-f]+)$/.exec(line.trim());
    if (match) markers[match[1]!] = match[2]!;
  }
  return markers;
}

/** The read-only command that prints a guest's markers (missing files are simply not printed). */
export function markerReadArgv(type: 'qemu' | 'lxc', id: number, paths: string[]): string[] {
  return type === 'qemu'
    ? ['qm', 'guest', 'exec', String(id), '--', 'cat', ...paths]
    : ['pct', 'exec', String(id), '--', 'cat', ...paths];
}

async function readMarkers(
  context: PipelineContext,
  type: 'qemu' | 'lxc',
  id: number,
  paths: string[],
): Promise<Record<string, string>> {
  try {
    const view = await context.view({ status: true });
    if (view.status !== 'running') return {};
    if (type === 'qemu') return parseMarkers((await guestExec(context, id, ['cat', ...paths])).out);
    return parseMarkers(await context.exec(markerReadArgv('lxc', id, paths)));
  } catch (error) {
    // cat exits 1 when a marker is missing; what it printed still counts.
    return parseMarkers((error as { detail?: { output?: string } }).detail?.output ?? '');
  }
}

/** A template's features were baked in before it was converted; it cannot run anything now. */
const isTemplate = (view: GuestView): boolean => view.config?.values.template === '1';

function failingStep(key: string, title: string, message: string): PipelineStep {
  return {
    key,
    title,
    preview: () => {
      throw new StepError({ message, hint: 'phoenix features lists the features there are' });
    },
    run: async () => {
      throw new StepError({ message, hint: 'phoenix features lists the features there are' });
    },
  };
}
