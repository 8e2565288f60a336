// Shutdown signals for a command's lifetime: the first asks for a graceful stop, a second SIGINT
// asks to kill at once.
import { signalStatus } from '../exit-status.js';

export const SHUTDOWN_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type ShutdownSignal = (typeof SHUTDOWN_SIGNALS)[number];

export interface ShutdownHandlers {
  stop(signal: ShutdownSignal, status: number): void;
  kill(signal: ShutdownSignal): void;
}

/** Installs handlers; returns the function that removes them. */
export function onShutdownSignals(handlers: ShutdownHandlers): () => void {
  let received = false;
  const listeners = SHUTDOWN_SIGNALS.map((signal) => {
    const listener = (): void => {
      if (received) {
        if (signal === 'SIGINT') handlers.kill(signal);
        return;
      }
      received = true;
      handlers.stop(signal, signalStatus(signal));
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.off(signal, listener);
  };
}
