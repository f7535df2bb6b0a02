import { render } from 'ink-testing-library';
import { App } from '../../source/ui/app.js';
import {
  FakeEngine,
  ManualScheduler,
  type FakeEngineOptions,
} from '../../source/engine/fake-engine.js';
import { makeTheme } from '../../source/ui/theme.js';
import type { UiState } from '../../source/ui/model/app-state.js';

export const NOW = Date.UTC(2026, 10, 21, 20, 0, 0);

/** Lets React and ink flush (React 19 schedules renders on macrotasks). */
export async function settle(rounds = 3): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((resolve) => setTimeout(resolve, 5));
}

export interface RenderOptions {
  engine?: FakeEngine;
  engineOptions?: FakeEngineOptions;
  readonly?: boolean;
  ascii?: boolean;
  columns?: number;
  rows?: number;
  initial?: Partial<UiState>;
}

/** The App on a fake engine whose clock only moves when the test says so. */
export function renderApp(options: RenderOptions = {}) {
  const scheduler = new ManualScheduler(NOW);
  const engine =
    options.engine ?? new FakeEngine({ scheduler, stepMs: 1000, ...options.engineOptions });
  const theme = makeTheme({ ascii: options.ascii ?? false, color: false });
  const instance = render(
    <App
      engine={engine}
      readonly={options.readonly}
      theme={theme}
      size={{ columns: options.columns ?? 100, rows: options.rows ?? 30 }}
      refreshIntervalMs={0}
      now={() => scheduler.now()}
      initial={options.initial}
    />,
  );
  const frame = () => instance.lastFrame() ?? '';
  return {
    ...instance,
    engine,
    scheduler,
    frame,
    /** Writes keys (as one chunk) and waits for the frame to settle. */
    async press(keys: string): Promise<string> {
      instance.stdin.write(keys);
      await settle();
      return frame();
    },
    async waitFor(expected: string | RegExp, timeoutMs = 3000): Promise<string> {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const text = frame();
        if (typeof expected === 'string' ? text.includes(expected) : expected.test(text))
          return text;
        if (Date.now() > end)
          throw new Error(`timed out waiting for ${String(expected)}; screen:\n${text}`);
        await settle(1);
      }
    },
    /** The table line of a guest, or undefined when it is not on screen. */
    rowOf(id: number): string | undefined {
      return frame()
        .split('\n')
        .find((line) => new RegExp(`^..${id}\\s`).test(line));
    },
  };
}

export const ESC = '\x1b';
export const DOWN = '\x1b[B';
export const UP = '\x1b[A';
export const ENTER = '\r';
