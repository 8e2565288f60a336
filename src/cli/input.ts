// `start --input <name>`: ps-run's own stdin goes to one instance's stdin. A terminal is read in its
// usual line mode (the terminal edits the line, Ctrl-C stays ps-run's); a pipe is forwarded as it comes.
import type { Readable } from 'node:stream';
import type { Runtime } from '../runtime/runtime.js';

/** Starts forwarding; returns the function that stops it. Checks the name now: a typo is one clear error. */
export function forwardInput(runtime: Runtime, target: string, stdin: Readable): () => void {
  const [name, ...more] = runtime.resolve([target]);
  if (!name || more.length > 0) {
    runtime.writer.system(`--input ${target} matches ${[name, ...more].join(', ')}: input goes to ${name}`);
  }
  const onData = (chunk: Buffer): void => {
    if (name && !runtime.input(name, chunk)) runtime.writer.system(`${name} is not running; input dropped`);
  };
  // End of ps-run's input ends the instance's input, as a pipe would.
  const onEnd = (): void => {
    const instance = name ? runtime.supervisor.get(name) : undefined;
    instance?.stdin?.end();
  };
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  return () => {
    stdin.off('data', onData);
    stdin.off('end', onEnd);
    stdin.pause();
    (stdin as Readable & { unref?: () => void }).unref?.();
  };
}
