// A process holding a journal lock (for journal-lock.test.ts): takes the lock on argv[2],
// prints "held", and idles until killed.
import pino from 'pino';
import { JournalFileLock } from '../adapters/journal-lock.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: journal-lock-holder PATH');
const lock = new JournalFileLock(path, pino({ level: 'silent' }));
await lock.acquire(
  () => false,
  () => process.exit(3),
);
process.stdout.write('held\n');
setInterval(() => undefined, 1 << 30);
