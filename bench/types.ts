/** What a bench module (bench/*.bench.ts) exports: `bench`, run by `npm run bench` (bench/run.ts). */
export interface Bench {
  /** Shown as the section title. */
  title: string;
  run(): Promise<BenchReport>;
}

export interface BenchTarget {
  /** What is measured against what, e.g. "processes per refresh at 1000 guests = 1". */
  description: string;
  /** The measured value, as printed. */
  actual: string;
  met: boolean;
}

export interface BenchReport {
  /** Column names, then one row per measurement. */
  columns: string[];
  rows: Array<Array<string | number>>;
  targets: BenchTarget[];
  notes?: string[];
}
