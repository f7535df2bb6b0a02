// JSONSchema checks as pve-common does them: type, format, pattern, length, min/max, enum;
// only the first failing check is reported per parameter (reference §A.2).
import { namedFormats, namedHashFormats } from './formats.js';
import type { PropSchema } from './schema.js';

export type Errors = Record<string, string>;

export function parseBoolean(value: string): 0 | 1 | undefined {
  if (/^(1|on|yes|true)$/i.test(value)) return 1;
  if (/^(0|off|no|false)$/i.test(value)) return 0;
  return undefined;
}

function perlPattern(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern.replace(/\(\?\^:/g, '(?:')})$`);
}

/** The hash schema of a property-string parameter, if it is one. */
export function hashFormat(schema: PropSchema): Record<string, PropSchema> | undefined {
  if (schema.format && typeof schema.format === 'object') return schema.format;
  if (typeof schema.format === 'string') return namedHashFormats[schema.format];
  return undefined;
}

/** Parses `k=v,k2=v2` against a hash format; errors are keyed `param.key` or `param`. */
export function parsePropertyString(
  param: string,
  value: string,
  format: Record<string, PropSchema>,
  errors: Errors,
): Record<string, string> | undefined {
  const result: Record<string, string> = {};
  const defaultKey = Object.keys(format).find((k) => format[k]!.default_key);
  const nested: Errors = {};
  for (const part of value.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    let key: string;
    let val: string;
    if (eq >= 0) {
      key = part.slice(0, eq);
      val = part.slice(eq + 1);
    } else {
      if (!defaultKey || result[defaultKey] !== undefined) {
        errors[param] =
          'invalid format - value without key, but schema does not define a default key';
        return undefined;
      }
      key = defaultKey;
      val = part;
    }
    let schema = format[key];
    if (!schema) {
      errors[param] = `invalid format - invalid key in comma-separated list property: ${key}`;
      return undefined;
    }
    if (schema.keyAlias) {
      // net: `virtio=MAC` sets model=virtio and macaddr=MAC
      if (result[schema.keyAlias] !== undefined) {
        errors[param] =
          `invalid format - duplicate key in comma-separated list property: ${schema.keyAlias}`;
        return undefined;
      }
      result[schema.keyAlias] = key;
      key = schema.alias!;
      schema = format[key]!;
    } else if (schema.alias) {
      key = schema.alias;
      schema = format[key]!;
    }
    if (result[key] !== undefined) {
      errors[param] = `invalid format - duplicate key in comma-separated list property: ${key}`;
      return undefined;
    }
    result[key] = val;
  }
  for (const [key, schema] of Object.entries(format)) {
    if (schema.alias || schema.keyAlias) continue;
    const val = result[key];
    if (val === undefined) {
      if (!schema.optional)
        nested[`${param}.${key}`] = 'property is missing and it is not optional';
      continue;
    }
    const error = checkValue(val, schema);
    if (error) nested[`${param}.${key}`] = error;
    else if (schema.type === 'boolean') result[key] = String(parseBoolean(val));
    if (schema.requires && result[schema.requires] === undefined && !error) {
      nested[`${param}.${key}`] = `missing property - '${key}' requires '${schema.requires}'`;
    }
  }
  if (Object.keys(nested).length) {
    errors[param] = 'invalid format - format error';
    Object.assign(errors, nested);
    return undefined;
  }
  return result;
}

/** First failing check of one value, or undefined. */
export function checkValue(value: string, schema: PropSchema): string | undefined {
  const type = schema.type ?? 'string';
  if (type === 'integer' && !/^[+-]?\d+$/.test(value))
    return `type check ('integer') failed - got '${value}'`;
  if (type === 'number' && !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(value)) {
    return `type check ('number') failed - got '${value}'`;
  }
  if (type === 'boolean' && parseBoolean(value) === undefined)
    return `type check ('boolean') failed - got '${value}'`;
  if (typeof schema.format === 'string') {
    const check = namedFormats[schema.format];
    const hash = namedHashFormats[schema.format];
    if (check) {
      const error = check(value);
      if (error) return `invalid format - ${error}`;
    } else if (hash) {
      const errors: Errors = {};
      if (!parsePropertyString('x', value, hash, errors)) {
        return errors.x!;
      }
    }
  } else if (schema.format && typeof schema.format === 'object') {
    const errors: Errors = {};
    if (!parsePropertyString('x', value, schema.format, errors)) return errors.x!;
  }
  if (schema.pattern && !perlPattern(schema.pattern).test(value))
    return 'value does not match the regex pattern';
  if (type === 'string') {
    if (schema.maxLength !== undefined && value.length > schema.maxLength) {
      return `value may only be ${schema.maxLength} characters long`;
    }
    if (schema.minLength !== undefined && value.length < schema.minLength) {
      return `value must be at least ${schema.minLength} characters long`;
    }
  }
  if (type === 'integer' || type === 'number') {
    const n = Number(value);
    if (schema.minimum !== undefined && n < schema.minimum)
      return `value must have a minimum value of ${schema.minimum}`;
    if (schema.maximum !== undefined && n > schema.maximum)
      return `value must have a maximum value of ${schema.maximum}`;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    return `value '${value}' does not have a value in the enumeration '${schema.enum.join(', ')}'`;
  }
  return undefined;
}

/** Validates one top-level parameter, adding nested property-string errors. */
export function checkParam(name: string, value: string, schema: PropSchema, errors: Errors): void {
  const hash = hashFormat(schema);
  if (hash) {
    parsePropertyString(name, value, hash, errors);
    return;
  }
  const error = checkValue(value, schema);
  if (error) errors[name] = error;
}

/** Canonical property string: default key bare first, then required keys, then optional, sorted. */
export function printPropertyString(
  values: Record<string, string>,
  format: Record<string, PropSchema>,
): string {
  const keys = Object.keys(values).filter((k) => values[k] !== undefined);
  const defaultKey = keys.find((k) => format[k]?.default_key);
  const required = keys.filter((k) => k !== defaultKey && format[k] && !format[k]!.optional).sort();
  const optional = keys.filter((k) => k !== defaultKey && !required.includes(k)).sort();
  const parts: string[] = [];
  if (defaultKey) parts.push(values[defaultKey]!);
  for (const k of [...required, ...optional]) parts.push(`${k}=${values[k]}`);
  return parts.join(',');
}
