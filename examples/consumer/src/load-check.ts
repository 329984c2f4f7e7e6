// Which modules does importing an entry load? Prints one JSON line per entry, with the
// zod and yaml modules it pulled in (scripts/consumer-check.mjs asserts the lists).
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const loaded: string[] = [];
port1.on('message', (url: string) => loaded.push(url));
register('./load-hooks.js', import.meta.url, { data: { port: port2 }, transferList: [port2] });

const entry = process.argv[2];
if (entry === undefined) throw new Error('usage: node dist/load-check.js <module specifier>');
await import(entry);
await new Promise((resolve) => setTimeout(resolve, 200));
port1.close();
const heavy = (name: string): boolean =>
  loaded.some((url) => url.includes(`/node_modules/${name}/`));
console.log(
  JSON.stringify({ entry, zod: heavy('zod'), yaml: heavy('yaml'), modules: loaded.length }),
);
