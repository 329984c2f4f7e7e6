// Bytes allocated on this thread's V8 heap over a stretch of work, from the GC profiler: the
// heap's growth between collections plus its growth since the last one. (V8 keeps no running
// total; objects that die young are counted when a scavenge finds the space they filled.)
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { GCProfiler, getHeapStatistics } from 'node:v8';

export interface AllocationMeter {
  /** Bytes allocated since the meter started; stops it. */
  stop(): number;
}

export function startAllocationMeter(): AllocationMeter {
  const profiler = new GCProfiler();
  const startUsed = getHeapStatistics().used_heap_size;
  profiler.start();
  return {
    stop() {
      const endUsed = getHeapStatistics().used_heap_size;
      const { statistics } = profiler.stop();
      let allocated = 0;
      let after = startUsed;
      for (const gc of statistics) {
        allocated += Math.max(0, gc.beforeGC.heapStatistics.usedHeapSize - after);
        after = gc.afterGC.heapStatistics.usedHeapSize;
      }
      return allocated + Math.max(0, endUsed - after);
    },
  };
}

/**
 * A sampling heap profile of this thread (objects collected since included: where the bytes
 * were allocated, not what is left), written to `path` by `stop` (open it in Chrome DevTools'
 * Memory tab, or sum it by function).
 */
export function startHeapSampling(path: string): { stop(): void } {
  const session = new Session();
  session.connect();
  session.post('HeapProfiler.enable');
  session.post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  return {
    stop() {
      // The session of this thread answers synchronously.
      session.post('HeapProfiler.stopSampling', (error, result) => {
        if (error === null) writeFileSync(path, JSON.stringify(result.profile));
      });
      session.disconnect();
    },
  };
}
