// The floor for a process manager written for Node: spawns $COUNT copies of a command through /bin/sh
// (as a Procfile line is run), each with its own $PORT, reads their output, and stops them on SIGTERM.
import { spawn } from 'node:child_process';

const [command = '', countText = '1', baseText = '11000'] = process.argv.slice(2);
const children = [];
for (let i = 0; i < Number(countText); i++) {
  const env = { ...process.env, PORT: String(Number(baseText) + i), PS: `web.${i + 1}` };
  const child = spawn('/bin/sh', ['-c', command], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', () => {});
  child.stderr.on('data', () => {});
  children.push(child);
}
process.on('SIGTERM', () => {
  for (const child of children) child.kill('SIGKILL');
  process.exit(0);
});
