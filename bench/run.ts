// `npm run bench`: runs every bench/*.bench.ts module and prints one report. Benchmarks report
// ratios against a baseline measured in the same run; they never assert absolute times.
// `--strict` makes a missed target exit 1 (for CI trend checks); by default the run exits 0.
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Bench, BenchReport } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const strict = process.argv.includes('--strict');
const only = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));

function table(report: BenchReport): string {
  const cells = [report.columns, ...report.rows.map((row) => row.map(String))];
  const widths = report.columns.map((_, i) =>
    Math.max(...cells.map((row) => (row[i] ?? '').length)),
  );
  return cells
    .map((row, r) => {
      const line = row.map((cell, i) => cell.padStart(widths[i]!)).join('  ');
      return r === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

const files = readdirSync(here)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.some((name) => file.includes(name)))
  .sort();

let missed = 0;
let crashed = 0;
for (const file of files) {
  const module = (await import(pathToFileURL(join(here, file)).href)) as { bench?: Bench };
  if (!module.bench) {
    console.error(`${file}: exports no \`bench\`; skipped`);
    crashed++;
    continue;
  }
  console.log(`\n== ${module.bench.title} (${file})\n`);
  try {
    const report = await module.bench.run();
    console.log(table(report));
    if (report.notes?.length)
      console.log(`\n${report.notes.map((note) => `  note: ${note}`).join('\n')}`);
    console.log('');
    for (const target of report.targets) {
      if (!target.met) missed++;
      console.log(`  ${target.met ? 'met   ' : 'MISSED'}  ${target.description}: ${target.actual}`);
    }
  } catch (error) {
    crashed++;
    console.error(
      `  failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  }
}
console.log(
  `\n${files.length} bench module(s), ${missed} target(s) missed${crashed ? `, ${crashed} failed to run` : ''}`,
);
process.exitCode = crashed > 0 || (strict && missed > 0) ? 1 : 0;
