import { existsSync, readFileSync, statSync } from 'node:fs';
import { configFilePaths, type ConfigFileKind } from './files.js';
import { collectGuests, type GuestEntry } from './guests.js';
import { normalise, type CanonicalDocs, type RawSources } from './normalise.js';
import { Reporter } from './reporter.js';
import { reportSiteKeys, validateDocument, type SchemaName } from './schema.js';
import { checkSemantics } from './semantic.js';
import { formatPath, Locator, nodePath, parseSource, positionOf } from './source.js';
import { buildContainer, buildHypervisor, buildVm } from './spec.js';
import type { Diagnostic, LoadOptions, LoadResult, Spec } from './types.js';

/** Everything learnt while loading: the result plus the raw sources and canonical documents (for migrate). */
export interface ConfigAnalysis extends LoadResult {
  sources: RawSources;
  /** Files that could not be parsed (syntax errors); their documents are empty. */
  unparsed: ConfigFileKind[];
  docs: CanonicalDocs;
  files: Record<ConfigFileKind, string>;
  /** Where every canonical value came from (file order of keys, positions). */
  locator: Locator;
}

const SCHEMAS: Record<ConfigFileKind, SchemaName> = {
  vm: 'phoenix_vm_configs',
  lxc: 'phoenix_lxc_configs',
  hypervisor: 'phoenix_hypervisor_config',
};

/**
 * Loads, normalises and validates a config directory (synchronously). Never throws for bad input:
 * every problem is a diagnostic with file, line:column, JSON path, message and hint.
 */
export function loadConfig(configDir: string, options: LoadOptions = {}): LoadResult {
  const { spec, diagnostics, valid } = analyseConfig(configDir, options);
  return { spec, diagnostics, valid };
}

export function analyseConfig(configDir: string, options: LoadOptions = {}): ConfigAnalysis {
  const files = configFilePaths(configDir);
  const locator = new Locator();
  const reporter = new Reporter(locator);
  const sources: RawSources = {};
  const unparsed: ConfigFileKind[] = [];
  const emptySpec: Spec = { vms: [], containers: [], lxcGlobals: {}, configDir };

  if (!existsSync(configDir) || !statSync(configDir).isDirectory()) {
    const diagnostic: Diagnostic = {
      severity: 'error',
      file: configDir,
      line: 0,
      column: 0,
      path: '$',
      message: `config directory ${configDir} ${existsSync(configDir) ? 'is not a directory' : 'does not exist'}`,
      hint: 'pass --config-dir DIR or set PHOENIX_CONFIG_DIR; the Phoenix checkout ships an example in etc/',
    };
    const docs = normalise({}, files, locator, reporter);
    return {
      spec: emptySpec,
      diagnostics: [diagnostic],
      valid: false,
      sources,
      unparsed,
      docs,
      files,
      locator,
    };
  }

  for (const kind of Object.keys(files) as ConfigFileKind[]) {
    const file = files[kind];
    if (!existsSync(file)) continue;
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      reporter.diagnostics.push({
        severity: 'error',
        file,
        line: 0,
        column: 0,
        path: '$',
        message: `cannot read the file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
        hint: 'check its permissions',
      });
      unparsed.push(kind);
      continue;
    }
    const { source, diagnostics } = parseSource(file, text);
    reporter.diagnostics.push(...diagnostics);
    if (diagnostics.length) unparsed.push(kind);
    sources[kind] = source;
  }
  if (!sources.vm && !sources.lxc && !sources.hypervisor && unparsed.length === 0) {
    reporter.diagnostics.push({
      severity: 'warning',
      file: configDir,
      line: 0,
      column: 0,
      path: '$',
      message:
        'no config files here (phoenix_vm_configs.json, phoenix_lxc_configs.json, phoenix_hypervisor_config.json)',
      hint: 'copy the example from etc/ in the Phoenix checkout, or create guests with the TUI',
    });
  }

  const docs = normalise(sources, files, locator, reporter);
  reportDuplicateKeys(locator, reporter);
  const siteKeys = new Map();
  for (const kind of Object.keys(files) as ConfigFileKind[]) {
    validateDocument(
      SCHEMAS[kind],
      docs[kind],
      reporter,
      { strict: options.strict ?? false },
      siteKeys,
    );
  }
  reportSiteKeys(siteKeys, reporter);
  const guests = collectGuests(docs, locator);
  checkSemantics(
    docs,
    guests,
    reporter,
    options.featuresRoot ? { featuresRoot: options.featuresRoot } : {},
  );

  const spec = buildSpec(configDir, docs, guests);
  const diagnostics = sortDiagnostics(reporter.diagnostics);
  return {
    spec,
    diagnostics,
    valid: !diagnostics.some((d) => d.severity === 'error'),
    sources,
    unparsed,
    docs,
    files,
    locator,
  };
}

function buildSpec(configDir: string, docs: CanonicalDocs, guests: GuestEntry[]): Spec {
  const hypervisor = buildHypervisor(docs);
  const lxcGlobals = Object.fromEntries(
    Object.entries(docs.lxc.value).filter(
      ([key]) => !['$schema', 'lxc_defaults', 'lxc_configs'].includes(key),
    ),
  );
  const spec: Spec = {
    vms: guests
      .filter((g) => g.kind === 'qemu')
      .map((g) => buildVm(g, guests, hypervisor?.ubuntu_release)),
    containers: guests.filter((g) => g.kind === 'lxc').map((g) => buildContainer(g, guests)),
    lxcGlobals,
    configDir,
  };
  if (hypervisor) spec.hypervisor = hypervisor;
  return spec;
}

function reportDuplicateKeys(locator: Locator, reporter: Reporter): void {
  for (const { source, keyNode, key } of locator.duplicates) {
    const { line, column } = positionOf(source, keyNode.offset);
    const objectNode = keyNode.parent?.parent;
    reporter.diagnostics.push({
      severity: 'error',
      file: source.file,
      line,
      column,
      path: formatPath([...(objectNode ? nodePath(objectNode) : []), key]),
      message: `key "${key}" appears twice in this object; only the last one would count`,
      hint: 'keep one of them',
    });
  }
}

function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((d, index) => ({ d, index }))
    .sort(
      (a, b) =>
        a.d.file.localeCompare(b.d.file) ||
        a.d.line - b.d.line ||
        a.d.column - b.d.column ||
        a.index - b.index,
    )
    .map(({ d }) => d);
}
