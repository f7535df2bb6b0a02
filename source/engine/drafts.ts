// A wizard's draft guest checked with exactly the rules of `phoenix validate`: the config files
// and the draft go into a private scratch copy of the config directory (through the same writer
// that saves it later), the copy is loaded and validated, and every new finding is placed on the
// draft's field. The user's own files are only read.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyseConfig } from '../config/load.js';
import { configFilePaths, type ConfigFileKind } from '../config/files.js';
import { formatPath } from '../config/source.js';
import { readConfigText, upsertGuest } from '../config/writer.js';
import type { Diagnostic, LoadOptions, Spec } from '../config/types.js';
import type { DraftProblem, GuestDraft } from './types.js';

/** The texts of a config directory's files (absent files are undefined). */
export type ConfigTexts = Partial<Record<ConfigFileKind, string>>;

export function readConfigTexts(configDir: string): ConfigTexts {
  const files = configFilePaths(configDir);
  const texts: ConfigTexts = {};
  for (const kind of Object.keys(files) as ConfigFileKind[]) {
    const text = readConfigText(files[kind]);
    if (text !== undefined) texts[kind] = text;
  }
  return texts;
}

export function draftId(draft: GuestDraft): number {
  return draft.kind === 'qemu' ? draft.entry.vm_id : draft.ctid;
}

const key = (d: Diagnostic) => `${d.severity} ${d.path} ${d.message}`;

/** Turns `$.network_config.gw` / `$.mount_points[0].host_path` into `network_config.gw`. */
function fieldOf(path: string, prefix: string): string | undefined {
  if (path === prefix) return '';
  if (!path.startsWith(prefix)) return undefined;
  const rest = path.slice(prefix.length);
  if (!rest.startsWith('.') && !rest.startsWith('[')) return undefined;
  return rest
    .replace(/\[(\d+)\]/g, '.$1')
    .replace(/\["([^"]*)"\]/g, '.$1')
    .replace(/^\./, '');
}

/**
 * Checks drafts in scratch config directories: each check makes one and removes it (nothing is
 * left in the temp directory); the unchanged config's findings are kept between checks.
 */
export class DraftChecker {
  private dir: string | undefined;
  private baseline: { texts: string; keys: Set<string>; spec: Spec } | undefined;

  constructor(private readonly options: LoadOptions = {}) {}

  private scratch(texts: ConfigTexts): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'phoenix-draft-'));
    const files = configFilePaths(this.dir);
    for (const kind of Object.keys(files) as ConfigFileKind[]) {
      rmSync(files[kind], { force: true });
      rmSync(`${files[kind]}.bak`, { force: true });
      const text = texts[kind];
      if (text !== undefined) writeFileSync(files[kind], text, { mode: 0o600 });
    }
    return this.dir;
  }

  /** The unchanged config's findings, so only what the draft adds is reported. */
  private base(texts: ConfigTexts): { keys: Set<string>; spec: Spec } {
    const id = JSON.stringify(texts);
    if (this.baseline?.texts !== id) {
      try {
        const result = analyseConfig(this.scratch(texts), this.options);
        this.baseline = {
          texts: id,
          keys: new Set(result.diagnostics.map(key)),
          spec: result.spec,
        };
      } finally {
        this.removeScratch();
      }
    }
    return this.baseline;
  }

  /** The config as it would be with the draft saved: a scratch directory holding both. */
  stage(texts: ConfigTexts, draft: GuestDraft): { dir: string; prefix: string } {
    const dir = this.scratch(texts);
    const { path } = upsertGuest(dir, draft);
    return { dir, prefix: formatPath(path) };
  }

  /** `configDir` names the real directory in messages instead of the scratch copy. */
  check(texts: ConfigTexts, draft: GuestDraft, configDir = '.'): DraftProblem[] {
    const base = this.base(texts);
    const id = draftId(draft);
    const idField = draft.kind === 'qemu' ? 'vm_id' : 'ctid';
    const owner = [...base.spec.vms, ...base.spec.containers].find(
      (g) => (g.kind === 'qemu' ? g.vm_id : g.ctid) === id,
    );
    if (owner) {
      const name = owner.kind === 'qemu' ? owner.vm_name : owner.name;
      return [
        {
          field: idField,
          severity: 'error',
          message: `ID ${id} is already used by ${owner.kind === 'qemu' ? 'VM' : 'container'} "${name}" in the config`,
          hint: 'pick a free ID (VMs and containers share one ID space)',
        },
      ];
    }
    try {
      return this.checkStaged(texts, draft, base.keys, configDir);
    } finally {
      this.removeScratch();
    }
  }

  private checkStaged(
    texts: ConfigTexts,
    draft: GuestDraft,
    baseKeys: Set<string>,
    configDir: string,
  ): DraftProblem[] {
    let staged: { dir: string; prefix: string };
    try {
      staged = this.stage(texts, draft);
    } catch (error) {
      return [
        {
          field: '',
          severity: 'error',
          message: error instanceof Error ? error.message : String(error),
        },
      ];
    }
    const result = analyseConfig(staged.dir, this.options);
    const problems: DraftProblem[] = [];
    for (const d of result.diagnostics) {
      if (baseKeys.has(key(d))) continue;
      // A container's ID is the key of its entry: a finding "at the key" concerns the ID.
      // A value the draft inherits is reported where the defaults block declares it.
      const field =
        fieldOf(d.path, staged.prefix) ??
        fieldOf(d.path, draft.kind === 'qemu' ? '$.vm_defaults' : '$.lxc_defaults') ??
        '';
      problems.push({
        field,
        severity: d.severity,
        message: d.message.split(staged.dir).join(configDir),
        ...(d.hint ? { hint: d.hint.split(staged.dir).join(configDir) } : {}),
      });
    }
    return problems;
  }

  private removeScratch(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  dispose(): void {
    this.removeScratch();
    this.baseline = undefined;
  }
}

/** The draft's config entry, checked and written by the same writer (tests, the fake engine). */
export function stageDraftText(texts: ConfigTexts, draft: GuestDraft): ConfigTexts {
  const checker = new DraftChecker();
  try {
    const { dir } = checker.stage(texts, draft);
    return readConfigTexts(dir);
  } finally {
    checker.dispose();
  }
}
