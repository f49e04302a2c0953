import { strict as assert } from 'node:assert';
import { eventsUntil, isPodmanAnswer, podmanEventsPath, podmanPush } from '../../collector/podman';
import type { EngineEvent } from '../../collector/events';

const event = (actorId: string, attributes: Record<string, string>, s: number): EngineEvent => ({
  type: 'image',
  action: 'push',
  actorId,
  attributes,
  timeNano: s * 1e9,
});

describe("Podman's Docker-compatible API", function () {
  it('is recognised by the headers of any answer (Podman 4.3 sends Libpod-Api-Version and Server: Libpod/…), Docker is not', function () {
    assert.equal(isPodmanAnswer({ 'api-version': '1.41', 'libpod-api-version': '4.3.1', server: 'Libpod/4.3.1 (linux)' }), true);
    assert.equal(isPodmanAnswer({ server: 'Libpod/5.0.0 (linux)' }), true);
    assert.equal(isPodmanAnswer({ 'api-version': '1.41', server: 'Docker/20.10.24+dfsg1 (linux)' }), false);
  });

  it('is asked for its events since the window start, not streamed and without until', function () {
    assert.equal(podmanEventsPath(1795922526676.115), '/events?since=1795922526.676115000&stream=false');
  });

  it('drops events after the first look, which Podman cannot be asked to stop at', function () {
    const events = [event('x', {}, 1), event('y', {}, 2), event('z', {}, 3)];
    assert.deepEqual(
      eventsUntil(events, 2000).map((e) => e.actorId),
      ['x', 'y'],
    );
  });

  it("reads a push event's image ID and destination, and leaves Docker's shape (the reference in Actor.ID) alone", function () {
    const hex = 'ab'.repeat(32);
    assert.deepEqual(podmanPush(event(hex, { name: '127.0.0.1:5000/team/app:1' }, 1)), {
      imageId: `sha256:${hex}`,
      destination: '127.0.0.1:5000/team/app:1',
    });
    assert.equal(podmanPush(event('127.0.0.1:5000/team/app:1', { name: '127.0.0.1:5000/team/app:1' }, 1)), undefined);
    assert.equal(podmanPush(event(hex, {}, 1)), undefined);
  });
});
