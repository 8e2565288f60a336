// One attempt to pass a request to one instance, streaming both bodies, and what became of it: the
// router decides from the outcome whether the request may be tried on another instance. The
// instance side is undici's dispatcher (a pool of keep-alive connections per instance): no
// ClientRequest or IncomingMessage per request, the response head and body handed over as they come.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { endToEndRaw, type ForwardedHead } from './headers.js';

export type Outcome =
  /** The instance answered (the response may still have broken off mid-body: nothing to retry then). */
  | { kind: 'answered' }
  /** The connection was never made (refused, unreachable): nothing was sent, any request may go elsewhere. */
  | { kind: 'refused'; error: Error }
  /** Sent (maybe in part) but no response started: `retryable` when the method is idempotent and no body was sent. */
  | { kind: 'failed'; error: Error; retryable: boolean }
  /** The client went away first; nothing to answer, and no fault of the instance. */
  | { kind: 'aborted' };

/** Idempotent methods (RFC 9110 9.2.2): repeating them has the effect of sending them once. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** Errors of the connect step: nothing of the request reached the instance. */
const NOT_CONNECTED = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'EADDRNOTAVAIL', 'UND_ERR_CONNECT_TIMEOUT']);

/** The request body as a stream undici may end or destroy without destroying the client's request. */
function bodyOf(req: IncomingMessage, head: ForwardedHead): Readable | null {
  return head.hasBody ? Readable.from(req.iterator({ destroyOnReturn: false }), { objectMode: false }) : null;
}

export function forwardOnce(pool: Dispatcher, req: IncomingMessage, res: ServerResponse, head: ForwardedHead): Promise<Outcome> {
  return new Promise((resolve) => {
    let settled = false;
    let responded = false;
    let abort: ((error?: Error) => void) | undefined;
    const settle = (outcome: Outcome): void => {
      if (settled) return;
      settled = true;
      res.off('close', onClientGone);
      resolve(outcome);
    };
    const onClientGone = (): void => {
      abort?.(new Error('the client went away'));
      settle(responded ? { kind: 'answered' } : { kind: 'aborted' });
    };
    res.once('close', onClientGone);
    const body = bodyOf(req, head);
    pool.dispatch(
      {
        path: req.url ?? '/',
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: head.headers,
        body,
        // No timeouts: a long upload or a stream is the application's business, not the router's.
        headersTimeout: 0,
        bodyTimeout: 0,
      },
      {
        onConnect: (abortRequest) => {
          abort = abortRequest;
          if (settled) abortRequest(new Error('the client went away'));
        },
        onHeaders: (status, rawHeaders, resume, statusText) => {
          if (status < 200) return true; // informational (103 Early Hints, say): the final answer follows
          responded = true;
          if (res.destroyed) return false;
          const raw = rawHeaders.map((b) => b.toString('latin1'));
          res.writeHead(status, statusText, endToEndRaw(raw));
          res.on('drain', resume);
          return true;
        },
        onData: (chunk) => res.write(chunk),
        onComplete: () => {
          res.end();
          settle({ kind: 'answered' });
        },
        onError: (error: NodeJS.ErrnoException) => {
          if (settled) return;
          // A response broken off mid-body cuts the client's response short: nothing to retry.
          if (responded) {
            res.destroy();
            settle({ kind: 'answered' });
          } else if (NOT_CONNECTED.has(error.code ?? '')) settle({ kind: 'refused', error });
          else settle({ kind: 'failed', error, retryable: IDEMPOTENT.has(req.method ?? '') && body === null });
        },
      },
    );
  });
}
