// Bytes allocated on this thread's V8 heap over a stretch of work, from the GC profiler: the
// heap's growth between collections plus its growth since the last one. (V8 keeps no running
// total; objects that die young are counted when a scavenge finds the space they filled.)
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
