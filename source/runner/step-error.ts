import type { FailureDetail } from './types.js';

/** Thrown by steps to fail with an explanation the user can act on. */
export class StepError extends Error {
  readonly detail: FailureDetail;

  constructor(detail: FailureDetail) {
    super(detail.message);
    this.name = 'StepError';
    this.detail = detail;
  }
}

/** Anything a step throws, as a FailureDetail. Errors that carry a `detail` keep it. */
export function toFailureDetail(error: unknown): FailureDetail {
  if (error instanceof StepError) return error.detail;
  if (error && typeof error === 'object' && 'detail' in error) {
    const detail = (error as { detail: unknown }).detail;
    if (detail && typeof detail === 'object' && 'message' in detail) return detail as FailureDetail;
  }
  return { message: error instanceof Error ? error.message : String(error) };
}
