/**
 * Closes a connection in stages after refusing a body that is still arriving, so that the client reads the refusal.
 * Node ends and destroys a `Connection: close` socket as soon as the answer is written; the client's body bytes that
 * arrive after that make the kernel answer with a reset, and a client still writing (fetch, curl) may then lose the
 * answer it had not read yet. RFC 9112 section 9.6 ("Tear-down") describes the cure: half-close (send FIN after the
 * answer), keep reading until the client closes too, then close fully.
 */
import type { Socket } from 'node:net';

/** How long a refused client may keep sending after its answer before the connection is closed anyway. */
export const LINGER_MS = 2000;

/**
 * Makes the closing of `socket` after the current answer a lingering one: the write side is ended at once, the
 * connection is destroyed when the client closes its side or after `lingerMs`, whichever is first. What the client
 * still sends meanwhile is read and discarded by the HTTP server (the request is dumped), never kept.
 */
export function lingerOnClose(socket: Socket, lingerMs = LINGER_MS): void {
  // Node's HTTP server calls destroySoon() once a Connection: close answer is written (lib/_http_server.js, resOnFinish).
  socket.destroySoon = function lingering(this: Socket) {
    if (this.writable) this.end();
    const timer = setTimeout(() => this.destroy(), lingerMs);
    timer.unref();
    this.once('close', () => clearTimeout(timer));
  };
}
