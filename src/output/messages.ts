// One sentence per supervisor event, for the `system` lines of the log.
import type { SupervisorEvent } from '../supervisor/events.js';

export function describeEvent(event: SupervisorEvent): string {
  switch (event.kind) {
    case 'state':
      return `${event.name} is ${event.state}`;
    case 'spawn':
      return `${event.name} started with pid ${event.pid}${event.port ? ` on port ${event.port}` : ''}`;
    case 'spawn-error':
      return `${event.name} could not start: ${event.message}`;
    case 'exit':
      return event.signal !== null ? `${event.name} was killed by ${event.signal}` : `${event.name} exited with code ${event.code}`;
    case 'restart':
      return `restarting ${event.name} in ${event.delayMs} ms (restart ${event.attempt} in a row)`;
    case 'give-up':
      return `${event.name} crashed ${event.crashes} times in a row; giving up on it`;
    case 'fatal':
      return `${event.name} failed; stopping everything (--restart ${event.policy})`;
    case 'stopping':
      return `stopping all processes (${event.reason})`;
    case 'kill':
      return `sending SIGKILL to ${event.name} (pid ${event.pid})`;
    case 'left-behind':
      return `${event.name}'s command ${event.signal !== null ? `was killed by ${event.signal}` : `exited with code ${event.code}`} but left processes running in its group; stopping them (a Procfile command must stay in the foreground: "exec server", not "server &")`;
    case 'strays':
      return `sending ${event.signal} to ${event.pids.length} process${event.pids.length === 1 ? '' : 'es'} that left their process group (pid ${listPids(event.pids)})`;
    case 'ready':
      return `${event.name} ready${event.port ? ` on port ${event.port}` : ''} after ${event.afterMs} ms (${event.check})`;
    case 'not-ready':
      return `${event.name} not ready (${event.check}): ${event.reason}`;
  }
}

/** The first few pids, and how many more: a sweep may find a thousand. */
function listPids(pids: readonly number[], shown = 5): string {
  const head = pids.slice(0, shown).join(', ');
  return pids.length > shown ? `${head} and ${pids.length - shown} more` : head;
}
