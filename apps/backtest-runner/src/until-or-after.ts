// Waiting for something that may never come, with a bound.

/**
 * `promise` settled, or `ms` milliseconds passed, whichever comes first. The timer holds the
 * process while it waits: what is awaited (a pool's unreferenced threads saying they loaded)
 * may not hold it, and a process that ran out of work mid-wait would end before it settled.
 */
export function untilOrAfter(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = (): void => {
      clearTimeout(timer);
      resolve();
    };
    promise.then(done, done);
  });
}
