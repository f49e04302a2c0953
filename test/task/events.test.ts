import { strict as assert } from 'node:assert';
import {
  ENGINE_EVENT_BUFFER,
  engineTimestamp,
  eventsPath,
  mayBeTruncated,
  parseAgentTime,
  parseEvents,
  pushEvents,
  type EngineEvent,
} from '../../collector/events';

// Shapes as Docker 20.10 (API 1.41) writes them.
const TAG =
  '{"status":"tag","id":"sha256:e4d1","Type":"image","Action":"tag","Actor":{"ID":"sha256:e4d1","Attributes":{"name":"127.0.0.1:5000/exp/a:1"}},"scope":"local","time":1795886576,"timeNano":1795886576710978594}';
const PUSH =
  '{"status":"push","id":"127.0.0.1:5000/exp/a:1","Type":"image","Action":"push","Actor":{"ID":"127.0.0.1:5000/exp/a:1","Attributes":{"name":"127.0.0.1:5000/exp/a","org.opencontainers.image.revision":"abc"}},"scope":"local","time":1795886576,"timeNano":1795886576773329647}';
const CONTAINER =
  '{"status":"create","id":"66c0","from":"sha256:0994","Type":"container","Action":"create","Actor":{"ID":"66c0","Attributes":{"image":"sha256:0994"}},"scope":"local","time":1795886576,"timeNano":1795886576654917630}';

function event(action: string, seconds: number, actorId = 'x', type = 'image'): EngineEvent {
  return { type, action, actorId, attributes: {}, timeNano: seconds * 1e9 };
}

describe('Docker engine events', function () {
  it("parses the engine's newline-delimited events into time order", function () {
    const { events, malformed } = parseEvents(`${PUSH}\n${TAG}\n\n${CONTAINER}\n`);
    assert.equal(malformed, 0);
    assert.deepEqual(
      events.map((e) => `${e.type}/${e.action}/${e.actorId}`),
      ['container/create/66c0', 'image/tag/sha256:e4d1', 'image/push/127.0.0.1:5000/exp/a:1'],
    );
    assert.equal(events[1]?.attributes.name, '127.0.0.1:5000/exp/a:1');
  });

  for (const [name, line] of [
    ['is not JSON', '{"status":'],
    ['has no type', '{"Action":"push","Actor":{"ID":"a"},"timeNano":1}'],
    ['has no time', '{"Type":"image","Action":"push","Actor":{"ID":"a"}}'],
    ['is not an object', '42'],
  ]) {
    it(`counts a line that ${name} as malformed instead of throwing`, function () {
      const { events, malformed } = parseEvents(`${line}\n${PUSH}`);
      assert.equal(malformed, 1);
      assert.equal(events.length, 1);
    });
  }

  it('falls back to `time` in seconds when `timeNano` is missing', function () {
    const { events } = parseEvents('{"Type":"image","Action":"push","Actor":{"ID":"r:1"},"time":100}');
    assert.equal(events[0]?.timeNano, 100e9);
  });

  for (const [ms, text] of [
    [1795886576654, '1795886576.654000000'],
    [1795886576000, '1795886576.000000000'],
    [1795886576654.25, '1795886576.654250000'],
    [999, '0.999000000'],
  ] as const) {
    it(`writes ${ms} ms as the engine timestamp ${text}, never rounding up`, function () {
      assert.equal(engineTimestamp(ms), text);
    });
  }

  it('asks for every event of the window, unfiltered', function () {
    assert.equal(eventsPath(1000, 2500), '/events?since=1.000000000&until=2.500000000');
  });

  it("keeps the push events at or after the window's start", function () {
    const events = [event('push', 9), event('tag', 10), event('push', 10), event('push', 11), event('push', 12, 'c', 'container')];
    assert.deepEqual(
      pushEvents(events, 10_000).map((e) => e.timeNano / 1e9),
      [10, 11],
    );
  });

  describe('truncation', function () {
    const full = (oldestSeconds: number) =>
      Array.from({ length: ENGINE_EVENT_BUFFER }, (_, i) => event('create', oldestSeconds + i, 'c', 'container'));
    it("is suspected when the buffer is full and its oldest event is newer than the window's start", function () {
      assert.equal(mayBeTruncated(full(100), 50_000), true);
    });
    it('is ruled out when the oldest event predates the window', function () {
      assert.equal(mayBeTruncated(full(40), 50_000), false);
    });
    it('is ruled out when the buffer is not full', function () {
      assert.equal(mayBeTruncated(full(100).slice(1), 50_000), false);
    });
  });

  for (const [text, iso] of [
    ['2026-11-28 17:22:01+00:00', '2026-11-28T17:22:01.000Z'],
    ['2026-11-28 18:22:01+01:00', '2026-11-28T17:22:01.000Z'],
    ['2026-11-28T17:22:01.123Z', '2026-11-28T17:22:01.123Z'],
    // The agent's own fixture spells it with a local offset west of UTC (L1TestBase.cs: 2020-02-10 13:29:58-05:00).
    ['2026-11-28 12:22:01-05:00', '2026-11-28T17:22:01.000Z'],
    ['2026-11-28 13:29:58-05:00', '2026-11-28T18:29:58.000Z'],
    // Timeline times carry 7 fractional digits.
    ['2026-11-28T17:22:01.1234567Z', '2026-11-28T17:22:01.123Z'],
  ]) {
    it(`reads the agent time ${text}`, function () {
      assert.equal(new Date(parseAgentTime(text) ?? NaN).toISOString(), iso);
    });
  }
  it('reads nothing from an empty or unparsable time', function () {
    assert.equal(parseAgentTime(undefined), undefined);
    assert.equal(parseAgentTime('yesterday'), undefined);
  });
});
