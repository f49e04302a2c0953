/**
 * A Docker "daemon" that hangs: a unix socket that accepts connections and never answers, or
 * answers the headers of a response and never finishes it. Used by the task's integration tests
 * and by `npm run bench:task` (how long the task takes to give up, against its time limit).
 */
import { createServer, type Server } from 'node:net';

/** Listens on `path`; `answerHeaders` makes it start an answer (headers only) to every request. */
export function hungDaemon(path: string, answerHeaders: boolean): Promise<Server> {
  const server = createServer((socket) => {
    socket.on('error', () => undefined);
    socket.on('data', () => {
      if (answerHeaders)
        socket.write('HTTP/1.0 200 OK\r\nApi-Version: 1.41\r\nServer: Docker/20.10.24 (linux)\r\nContent-Type: application/json\r\n\r\n');
    });
  });
  return new Promise((resolve) => server.listen(path, () => resolve(server)));
}
