declare const PHOENIX_VERSION: string | undefined;

/** Set by the bundler (scripts/build.mjs); "dev" when run from source. */
export const version: string = typeof PHOENIX_VERSION === 'string' ? PHOENIX_VERSION : 'dev';
