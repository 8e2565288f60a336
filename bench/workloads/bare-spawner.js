// The floor for a process manager written for Node: spawns $COUNT copies of a command through /bin/sh
// (as a Procfile line is run), each with its own $PORT, reads their output. SIGINT stops them as a
// manager would (SIGTERM to each group, exit once every one has exited); SIGTERM kills them at once.
import { spawn } from 'node:child_process';

const [command = '', countText = '1', baseText = '11000'] = process.argv.slice(2);
const children = [];
// The handlers first: the last server can listen (and the bench send SIGINT) before spawn() has returned
// to this script, and a SIGINT before the handler would kill this process and leave every server running.
process.on('SIGTERM', () => {
  for (const child of children) child.kill('SIGKILL');
  process.exit(0);
});
process.on('SIGINT', () => {
  const live = children.filter((child) => child.exitCode === null && child.signalCode === null);
  let running = live.length;
  if (running === 0) process.exit(0);
  for (const child of live) {
    child.once('exit', () => {
      if (--running === 0) process.exit(0);
    });
    process.kill(-child.pid, 'SIGTERM');
  }
});
for (let i = 0; i < Number(countText); i++) {
  const env = { ...process.env, PORT: String(Number(baseText) + i), PS: `web.${i + 1}` };
  const child = spawn('/bin/sh', ['-c', command], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', () => {});
  child.stderr.on('data', () => {});
  children.push(child);
}
