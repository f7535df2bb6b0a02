import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Ajv2020,
  type AnySchemaObject,
  type ErrorObject,
  type ValidateFunction,
} from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { schemasDir } from '../util/paths.js';
import { describeType, isObject } from './normalise.js';
import type { DocRef, Reporter } from './reporter.js';
import { didYouMean } from './suggest.js';

// ajv-formats is CommonJS: under NodeNext its default import is the module object.
type AddFormats = (ajv: Ajv2020) => unknown;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;

export type SchemaName = 'phoenix_vm_configs' | 'phoenix_lxc_configs' | 'phoenix_hypervisor_config';
export const SCHEMA_FILES = [
  'common',
  'phoenix_vm_configs',
  'phoenix_lxc_configs',
  'phoenix_hypervisor_config',
] as const;

const validators = new Map<string, Map<SchemaName, ValidateFunction>>();

export function loadSchema(
  name: (typeof SCHEMA_FILES)[number],
  dir = schemasDir(),
): AnySchemaObject {
  return JSON.parse(readFileSync(join(dir, `${name}.schema.json`), 'utf8')) as AnySchemaObject;
}

function validator(name: SchemaName, dir = schemasDir()): ValidateFunction {
  let compiled = validators.get(dir);
  if (!compiled) {
    const ajv = new Ajv2020({
      allErrors: true,
      verbose: true,
      strict: true,
      strictRequired: false,
      allowUnionTypes: true,
    });
    addFormats(ajv);
    ajv.addVocabulary(['x-site-keys', 'x-pattern-message']);
    for (const file of SCHEMA_FILES) ajv.addSchema(loadSchema(file, dir));
    compiled = new Map();
    for (const file of SCHEMA_FILES) {
      if (file === 'common') continue;
      const schema = ajv.getSchema(`https://phoenix-hypervisor.dev/schemas/${file}.schema.json`);
      if (!schema) throw new Error(`schema ${file} did not compile`);
      compiled.set(file, schema);
    }
    validators.set(dir, compiled);
  }
  return compiled.get(name)!;
}

const SECRET_KEY = /pass|secret|token|api_key|hash/i;

interface SiteKeyUse {
  doc: DocRef;
  segments: (string | number)[];
}

/** Validates a canonical document against its schema and reports every finding with its position. */
export function validateDocument(
  name: SchemaName,
  doc: DocRef,
  reporter: Reporter,
  options: { strict: boolean },
  siteKeys: Map<string, SiteKeyUse[]>,
): void {
  const validate = validator(name);
  if (validate(doc.value)) return;
  const seen = new Set<string>();
  for (const error of validate.errors ?? []) {
    if (error.keyword === 'propertyNames' || error.keyword === 'if') continue;
    const segments = pointerSegments(doc.value, error.instancePath);
    const key = `${error.instancePath}|${error.keyword}|${JSON.stringify(error.params)}`;
    if (seen.has(key)) continue;
    seen.add(key);
    reportError(doc, segments, error, reporter, options, siteKeys);
  }
}

/** One warning per site key and file, listing the other places it appears. */
export function reportSiteKeys(siteKeys: Map<string, SiteKeyUse[]>, reporter: Reporter): void {
  for (const [id, uses] of siteKeys) {
    const key = id.slice(id.indexOf('|') + 1);
    const [first, ...rest] = uses;
    if (!first) continue;
    const others = rest.map((use) => reporter.build('warning', use.doc, use.segments, '').path);
    const more = others.length
      ? ` (also at ${others.slice(0, 3).join(', ')}${others.length > 3 ? ` and ${others.length - 3} more` : ''})`
      : '';
    reporter.warning(
      first.doc,
      first.segments,
      `"${key}" belongs to the original project's site-specific layer; Phoenix keeps it in the file but does not act on it${more}`,
      { atKey: true, hint: 'nothing to do if you keep it for other tools; delete it otherwise' },
    );
  }
}

function reportError(
  doc: DocRef,
  segments: (string | number)[],
  error: ErrorObject,
  reporter: Reporter,
  options: { strict: boolean },
  siteKeys: Map<string, SiteKeyUse[]>,
): void {
  const parentSchema = (error.parentSchema ?? {}) as AnySchemaObject;
  const data: unknown = error.data;
  const last = segments[segments.length - 1];
  const got = typeof last === 'string' && SECRET_KEY.test(last) ? '(value hidden)' : show(data);
  const hint = exampleHint(last, parentSchema);
  switch (error.keyword) {
    case 'additionalProperties': {
      const extra = String((error.params as { additionalProperty: string }).additionalProperty);
      const container = valueAt(doc.value, segments);
      if (reporter.isSuppressed(container, extra)) return;
      const path = [...segments, extra];
      const site = (parentSchema['x-site-keys'] as string[] | undefined) ?? [];
      if (site.includes(extra)) {
        const id = `${doc.file}|${extra}`;
        const list = siteKeys.get(id) ?? [];
        list.push({ doc, segments: path });
        siteKeys.set(id, list);
        return;
      }
      const known = Object.keys((parentSchema.properties as object | undefined) ?? {});
      const suggestion = didYouMean(extra, known);
      reporter.add(
        options.strict ? 'error' : 'warning',
        doc,
        path,
        `unknown key "${extra}"${options.strict ? '' : ' (ignored)'}`,
        {
          atKey: true,
          hint: suggestion
            ? `did you mean "${suggestion}"?`
            : known.length
              ? `known keys here: ${known.join(', ')}`
              : 'delete it',
        },
      );
      return;
    }
    case 'required': {
      const missing = String((error.params as { missingProperty: string }).missingProperty);
      const propertySchema =
        ((parentSchema.properties as Record<string, AnySchemaObject> | undefined) ?? {})[missing] ??
        findPropertySchema(missing);
      reporter.error(doc, segments, `missing required key "${missing}"`, {
        hint: propertySchema ? exampleHint(missing, propertySchema, 'add ') : `add "${missing}"`,
      });
      return;
    }
    case 'type': {
      const type = (error.params as { type: string | string[] }).type;
      const types = (Array.isArray(type) ? type : String(type).split(',')).map(article);
      reporter.error(doc, segments, `must be ${types.join(' or ')} (got ${got})`, hintOption(hint));
      return;
    }
    case 'minimum':
    case 'maximum': {
      if (parentSchema.minimum === 100 && parentSchema.maximum === 999999999) {
        reporter.error(doc, segments, `must be a Proxmox ID from 100 to 999999999 (got ${got})`, {
          hint: 'Proxmox reserves IDs below 100; pick a free ID such as 1000',
        });
        return;
      }
      const { comparison, limit } = error.params as { comparison: string; limit: number };
      const sign = comparison === '>=' ? '≥' : comparison === '<=' ? '≤' : comparison;
      const integer = parentSchema.type === 'integer' ? 'an integer ' : 'a number ';
      reporter.error(
        doc,
        segments,
        `must be ${integer}${sign} ${limit} (got ${got})`,
        hintOption(hint),
      );
      return;
    }
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.map(String);
      const suggestion = typeof data === 'string' ? didYouMean(data, allowed) : undefined;
      reporter.error(doc, segments, `must be one of ${allowed.join(', ')} (got ${got})`, {
        hint: suggestion ? `did you mean "${suggestion}"?` : `use one of: ${allowed.join(', ')}`,
      });
      return;
    }
    case 'const': {
      const allowed = (error.params as { allowedValue: unknown }).allowedValue;
      reporter.error(doc, segments, `must be ${JSON.stringify(allowed)} (got ${got})`, {
        hint: `write ${JSON.stringify(allowed)}`,
      });
      return;
    }
    case 'pattern': {
      const propertyName = (error as ErrorObject & { propertyName?: string }).propertyName;
      const message =
        (parentSchema['x-pattern-message'] as string | undefined) ??
        `does not match ${String(parentSchema.pattern)}`;
      if (propertyName !== undefined) {
        reporter.error(
          doc,
          [...segments, propertyName],
          `key ${JSON.stringify(propertyName)} ${message}`,
          {
            atKey: true,
            hint: 'containers are keyed by their CTID, e.g. "900": { "name": "base", … }',
          },
        );
        return;
      }
      reporter.error(doc, segments, `${got} ${message}`, {
        hint:
          hint ??
          'change the value as described; the configuration reference in README.md lists every key',
      });
      return;
    }
    case 'maxLength':
    case 'minLength': {
      const limit = (error.params as { limit: number }).limit;
      const length = typeof data === 'string' ? data.length : 0;
      const word = error.keyword === 'maxLength' ? 'at most' : 'at least';
      reporter.error(
        doc,
        segments,
        `must be ${word} ${limit} characters long (got ${length})`,
        hintOption(hint),
      );
      return;
    }
    case 'format': {
      const format = (error.params as { format: string }).format;
      reporter.error(
        doc,
        segments,
        `must be a valid ${format === 'uri' ? 'URL' : format} (got ${got})`,
        hintOption(hint),
      );
      return;
    }
    case 'false schema':
      reporter.error(doc, segments, 'is not allowed here', { atKey: true, hint: 'delete it' });
      return;
    default:
      reporter.error(
        doc,
        segments,
        `${error.message ?? 'is invalid'} (got ${describeType(data)})`,
        hintOption(hint),
      );
  }
}

/** A property's schema by name anywhere in the loaded schemas (for hints when ajv gives no parent). */
function findPropertySchema(name: string, dir = schemasDir()): AnySchemaObject | undefined {
  const visit = (node: unknown): AnySchemaObject | undefined => {
    if (!node || typeof node !== 'object') return undefined;
    const properties = (node as AnySchemaObject).properties as
      Record<string, AnySchemaObject> | undefined;
    if (properties && properties[name]) return properties[name];
    for (const child of Object.values(node)) {
      const found = visit(child);
      if (found) return found;
    }
    return undefined;
  };
  for (const file of SCHEMA_FILES) {
    const found = visit(loadSchema(file, dir));
    if (found) return found;
  }
  return undefined;
}

/** Every finding says how to fix it; the reference lists each key with its type and an example. */
function hintOption(hint: string | undefined): { hint: string } {
  return { hint: hint ?? 'see "Configuration reference" in README.md for this key' };
}

/** A property schema with its `common.schema.json` reference folded in (for examples and defaults). */
export function resolveCommonRef(schema: AnySchemaObject, dir = schemasDir()): AnySchemaObject {
  const ref =
    typeof schema.$ref === 'string'
      ? /^common\.schema\.json#\/\$defs\/(\w+)$/.exec(schema.$ref)
      : null;
  if (!ref) return schema;
  const defs = (loadSchema('common', dir).$defs ?? {}) as Record<string, AnySchemaObject>;
  return { ...(defs[ref[1]!] ?? {}), ...schema };
}

function exampleHint(
  key: string | number | undefined,
  rawSchema: AnySchemaObject,
  prefix = 'e.g. ',
): string | undefined {
  const schema = resolveCommonRef(rawSchema);
  const examples = schema.examples as unknown[] | undefined;
  const description = typeof schema.description === 'string' ? schema.description : '';
  const example =
    examples?.[0] !== undefined
      ? examples[0]
      : schema.default !== undefined
        ? schema.default
        : Array.isArray(schema.enum)
          ? schema.enum[0]
          : undefined;
  const sample =
    example !== undefined && typeof key === 'string'
      ? `${prefix}"${key}": ${JSON.stringify(example)}`
      : example !== undefined
        ? `${prefix}${JSON.stringify(example)}`
        : '';
  const text = [description, sample].filter(Boolean).join(' — ');
  return text || undefined;
}

function article(type: string): string {
  switch (type) {
    case 'integer':
      return 'an integer';
    case 'object':
      return 'an object';
    case 'array':
      return 'an array';
    default:
      return `a ${type}`;
  }
}

/** Short rendering of a value for a message. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (isObject(value)) return 'an object';
  if (Array.isArray(value)) return 'an array';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}…` : text;
}

/** JSON pointer to segments: numbers for array indexes, strings for object keys (CTIDs stay "901"). */
function pointerSegments(root: unknown, pointer: string): (string | number)[] {
  if (!pointer) return [];
  const segments: (string | number)[] = [];
  let current = root;
  for (const raw of pointer.slice(1).split('/')) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const segment = Array.isArray(current) ? Number(part) : part;
    segments.push(segment);
    current =
      current !== null && typeof current === 'object'
        ? (current as Record<string, unknown>)[part]
        : undefined;
  }
  return segments;
}

function valueAt(root: unknown, segments: readonly (string | number)[]): unknown {
  let current = root;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[String(segment)];
  }
  return current;
}
