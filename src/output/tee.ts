// Sends the children's output to several listeners (the log, and a readiness check reading lines).
import type { OutputListener } from '../supervisor/instance.js';

export function teeOutput(...listeners: OutputListener[]): OutputListener {
  if (listeners.length === 1) return listeners[0] as OutputListener;
  return {
    data: (name, stream, chunk) => {
      for (const listener of listeners) listener.data(name, stream, chunk);
    },
    end: (name, stream) => {
      for (const listener of listeners) listener.end(name, stream);
    },
  };
}
