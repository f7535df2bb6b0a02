// Records demo.gif from a scripted `phoenix demo` session (scripts/demo-tape.json), offline:
// @lydell/node-pty + @xterm/headless play the session, @napi-rs/canvas paints the screen with
// DejaVu Sans Mono, gifenc encodes, gifsicle -O3 shrinks the result when it is installed.
//
//   npm run demo-gif                       build, record, write demo.gif
//   tsx scripts/record-demo.ts [--tape FILE] [--out FILE] [--png DIR] [--keep]
//     --png DIR   also write every distinct frame as a PNG (to check legibility)
//     --keep      keep the demo's temp folder (simulated host, config, runs)
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { encodeGif, mergeStills } from './recorder/gif.js';
import { createPainter, demoPaint } from './recorder/paint.js';
import { playTape } from './recorder/session.js';
import { loadTape } from './recorder/tape.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function hasGifsicle(): boolean {
  return spawnSync('gifsicle', ['--version'], { stdio: 'ignore' }).status === 0;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      tape: { type: 'string', default: join(root, 'scripts', 'demo-tape.json') },
      out: { type: 'string', default: join(root, 'demo.gif') },
      png: { type: 'string' },
      keep: { type: 'boolean', default: false },
    },
  });
  const cli = join(root, 'dist', 'cli.js');
  if (!existsSync(cli)) throw new Error(`${cli} not found: run \`npm run build\` first`);
  const tape = loadTape(resolve(values.tape));
  // The folder's name shows in the TUI's header: short and telling.
  const work = mkdtempSync(join(tmpdir(), 'homelab-'));
  const vars = {
    node: process.execPath,
    cli,
    root,
    dir: work,
    simBin: join(root, 'dist', 'sim-bin'),
    PATH: process.env.PATH ?? '',
  };
  const started = Date.now();
  let recording;
  try {
    recording = await playTape(tape, {
      theme: demoPaint.theme,
      vars,
      cwd: work,
      log: (line) => console.log(line),
    });
  } finally {
    if (values.keep) console.log(`demo folder kept: ${vars.dir}`);
    else rmSync(work, { recursive: true, force: true });
  }
  console.log(
    `recorded ${recording.stills.length} stills in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  const painter = createPainter(tape.cols, tape.rows, {
    ...demoPaint,
    captions: tape.captions ?? false,
  });
  if (values.png) {
    mkdirSync(values.png, { recursive: true });
    for (const [i, { still }] of mergeStills(recording.stills).entries())
      writeFileSync(
        join(values.png, `frame-${String(i).padStart(4, '0')}.png`),
        painter.png(still),
      );
  }
  const gif = encodeGif(painter, recording.stills, {
    colors: 64,
    endHoldMs: tape.endHoldMs ?? 2000,
  });
  const out = resolve(values.out);
  const temp = `${out}.tmp-${process.pid}`;
  writeFileSync(temp, gif.bytes);
  console.log(`gifenc: ${gif.bytes.length} bytes`);
  if (hasGifsicle()) {
    const optimised = spawnSync('gifsicle', ['-O3', '--no-comments', temp, '-o', `${temp}.opt`]);
    if (optimised.status === 0) renameSync(`${temp}.opt`, temp);
    else console.warn(`gifsicle failed, keeping the unoptimised GIF: ${optimised.stderr}`);
  } else {
    console.log('gifsicle not installed: GIF left as gifenc wrote it (apt-get install gifsicle)');
  }
  renameSync(temp, out);
  console.log(
    `${out}: ${statSync(out).size} bytes, ${gif.width}×${gif.height}, ${gif.frames} frames, ${(gif.durationMs / 1000).toFixed(1)} s`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
