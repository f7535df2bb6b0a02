import { useStdout } from 'ink';
import { useEffect, useState } from 'react';

const CLEAR_SCREEN = '\x1b[2J\x1b[H';
const REPAINT_DELAY_MS = 200;

export interface TerminalSize {
  columns: number;
  rows: number;
}

/** The terminal's size, re-read on every resize. `fixed` wins (tests). */
export function useTerminalSize(fixed?: TerminalSize): TerminalSize {
  const { stdout, write } = useStdout();
  const read = (): TerminalSize => ({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    if (fixed) return;
    let repaint: ReturnType<typeof setTimeout> | undefined;
    const onResize = () => {
      const next = read();
      setSize((prev) => (prev.columns === next.columns && prev.rows === next.rows ? prev : next));
      // The terminal reflows on resize (rows shift or vanish when it shrinks), so what ink's
      // incremental renderer believes is on screen can be wrong. Once resizing has settled
      // (and ink's throttled frames are out), ink's write() erases its frame, writes ours
      // (clear screen, cursor home) and redraws the whole current frame.
      if (repaint) clearTimeout(repaint);
      repaint = setTimeout(() => write(CLEAR_SCREEN), REPAINT_DELAY_MS);
    };
    stdout.on('resize', onResize);
    // Node emits 'resize' only when the size differs from the last one it saw; a shrink and a
    // grow in quick succession reach us as SIGWINCH alone, and the screen still needs a repaint.
    process.on('SIGWINCH', onResize);
    return () => {
      stdout.off('resize', onResize);
      process.off('SIGWINCH', onResize);
      if (repaint) clearTimeout(repaint);
    };
  }, [stdout, write, fixed]);
  return fixed ?? size;
}
