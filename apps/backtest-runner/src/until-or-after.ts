// Waiting for something that may never come, with a bound.

/** `promise` settled, or `ms` milliseconds passed, whichever comes first (the timer does not hold the process). */
export function untilOrAfter(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    timer.unref();
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}
