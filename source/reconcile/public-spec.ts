import type { GuestSpec } from '../config/types.js';

const SECRET_KEY = /pass(word)?|secret|token|private|hash/i;

/**
 * A guest's merged, canonical config without secrets (password hashes, tokens, private keys)
 * and without Phoenix's bookkeeping: what `list --json` shows as `desired` and what feature
 * scripts receive as their context.
 */
export function publicSpec(guest: GuestSpec): Record<string, unknown> {
  const { origin: _origin, declared: _declared, extra, ...rest } = guest;
  return stripSecrets({ ...extra, ...rest }) as Record<string, unknown>;
}

/** A value with every key that names a secret removed, at any depth. */
export function stripSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripSecrets);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([key]) => !SECRET_KEY.test(key))
        .map(([key, inner]) => [key, stripSecrets(inner)]),
    );
  }
  return value;
}
