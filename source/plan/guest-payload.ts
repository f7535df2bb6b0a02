import { randomBytes } from 'node:crypto';

/**
 * Stdin for a VM on another node of the cluster. Through the agent API a command's stdin is its
 * `input-data`, at most AGENT_INPUT_LIMIT characters (route.ts). A bigger payload (a feature
 * bundle: script, lib and context) is staged: base64-encoded, appended to a file in the guest in
 * chunks under the limit, then decoded and fed to the command, whose exit code is the result.
 * base64 keeps every chunk plain ASCII, so its length is exact and no character is split.
 */

/** Characters of base64 per chunk: well under the API's 65536. */
export const STAGE_CHUNK_SIZE = 48 * 1024;

/** Where staged payloads wait in the guest (under `${PHOENIX_ROOT:-}`, like the feature files). */
const STAGE_DIR = '/var/lib/phoenix/incoming';

/** A payload cut for delivery: a name for its file in the guest, its chunks and their total. */
export interface StagedPayload {
  name: string;
  chunks: string[];
  /** Characters of base64 in all chunks: the staged file must hold exactly that many bytes. */
  length: number;
}

export function stagePayload(input: string, chunkSize = STAGE_CHUNK_SIZE): StagedPayload {
  const encoded = Buffer.from(input).toString('base64');
  const chunks: string[] = [];
  for (let at = 0; at < encoded.length; at += chunkSize)
    chunks.push(encoded.slice(at, at + chunkSize));
  return {
    name: `${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`,
    chunks: chunks.length > 0 ? chunks : [''],
    length: encoded.length,
  };
}

/**
 * `bash -c … NAME first|more`: the chunk on stdin starts or extends the staged file. The first
 * chunk also clears what an interrupted delivery left there more than an hour ago.
 */
const appendScript = [
  'set -e',
  `d="\${PHOENIX_ROOT:-}${STAGE_DIR}"`,
  'mkdir -p "$d"',
  'chmod 0700 "$d"',
  'if [ "$2" = first ]; then',
  '  find "$d" -type f -mmin +60 -delete 2>/dev/null || true',
  '  cat > "$d/$1"',
  'else',
  '  cat >> "$d/$1"',
  'fi',
].join('\n');

export function appendChunkArgv(payload: StagedPayload, index: number): string[] {
  return [
    'bash',
    '-c',
    appendScript,
    'phoenix-stage',
    payload.name,
    index === 0 ? 'first' : 'more',
  ];
}

/**
 * `bash -c … NAME LENGTH CMD…`: checks the staged file is whole, decodes it and runs the command
 * with it on stdin; the staged files are removed either way. A short file exits 90, an undecodable
 * one 91 (each with a line on stderr saying so); otherwise the exit code is the command's.
 */
const runScript = [
  `f="\${PHOENIX_ROOT:-}${STAGE_DIR}/$1"`,
  'want="$2"',
  'shift 2',
  'have=$(( $(wc -c < "$f" 2>/dev/null || echo 0) ))',
  'if [ "$have" != "$want" ]; then',
  '  echo "phoenix: the staged input has $have of $want bytes" >&2; rm -f "$f"; exit 90',
  'fi',
  'if ! base64 -d < "$f" > "$f.in"; then',
  '  echo "phoenix: the staged input does not decode" >&2; rm -f "$f" "$f.in"; exit 91',
  'fi',
  'rm -f "$f"',
  '"$@" < "$f.in"',
  'rc=$?',
  'rm -f "$f.in"',
  'exit "$rc"',
].join('\n');

export function runStagedArgv(payload: StagedPayload, argv: readonly string[]): string[] {
  return ['bash', '-c', runScript, 'phoenix-run', payload.name, String(payload.length), ...argv];
}
