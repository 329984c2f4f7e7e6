// The file piscina loads for a local sweep thread, CommonJS on purpose (copied next to
// thread.js at build). Piscina require()s its worker file first; given an ES module, Node 20
// loads it through require(esm), and a thread terminated before that finishes aborts the whole
// process (an assertion in CreateRequiredModuleFacade: about 1 sweep in 60 that fails early,
// on a busy machine). Loaded with import() instead, the module has no such step; the thread
// says it loaded once the import settled, and the pool ends threads only after that.
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS on purpose (above)
const { parentPort, workerData } = require('node:worker_threads');

// workerData.loaded: the message the pool waits for (THREAD_LOADED, from startThreadPool).
const loading = import('./thread.js').finally(() => parentPort?.postMessage(workerData?.loaded));
// A failed import fails each task with its error; it is not an unhandled rejection.
loading.catch(() => undefined);

module.exports = async function runOnThread(task) {
  const thread = await loading;
  return thread.default(task);
};
