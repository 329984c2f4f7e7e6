// The call-order rule every built-in strategy shares: steps only move forward.

/** Throws when a strategy is called at an earlier step than before (an engine bug). */
export function assertForward(id: string, step: number, lastStep: number): void {
  if (step < lastStep) {
    throw new Error(
      `strategy ${id}: onBar called at step ${step} after step ${lastStep} (steps must not go back)`,
    );
  }
}
