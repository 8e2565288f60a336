// The floor for a log relay written for Node: spawns $COUNT copies of a command through /bin/sh, and
// copies their output chunks to stdout as they come, with no line handling, prefixes or back-pressure.
import { spawn } from 'node:child_process';
import { writeSync } from 'node:fs';

const [command = '', countText = '1'] = process.argv.slice(2);
let running = Number(countText);
for (let i = 0; i < Number(countText); i++) {
  const env = { ...process.env, PS: `spew.${i + 1}` };
  const child = spawn('/bin/sh', ['-c', command], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk) => writeSync(1, chunk));
  child.stderr.on('data', (chunk) => writeSync(2, chunk));
  child.once('close', () => {
    if (--running === 0) process.exit(0);
  });
}
