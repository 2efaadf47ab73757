// SharedTimeouts: the event streams' heartbeats ride on it, so each must fall due on time.
import assert from 'node:assert/strict';
import {describe, it} from 'node:test';
import {SharedTimeouts} from '../../src/kit/timeouts.js';

/** Timers that move only when told, and say how many are set. */
class Clock {
  time = 1_000_000;
  private readonly pending = new Map<number, {at: number; callback: () => void}>();
  private nextId = 1;
  readonly now = () => this.time;
  readonly setTimeout = (callback: () => void, ms: number): unknown => {
    this.pending.set(this.nextId, {at: this.time + ms, callback});
    return this.nextId++;
  };
  readonly clearTimeout = (handle: unknown): void => {
    this.pending.delete(handle as number);
  };

  get timers(): number {
    return this.pending.size;
  }

  /** Moves to `time + ms`, running each timer when it falls due. */
  advance(ms: number): void {
    const target = this.time + ms;
    for (;;) {
      const [id, due] = [...this.pending].sort((a, b) => a[1].at - b[1].at)[0] ?? [];
      if (id === undefined || !due || due.at > target) break;
      this.pending.delete(id);
      this.time = due.at;
      due.callback();
    }
    this.time = target;
  }
}

function setup(ms = 100) {
  const clock = new Clock();
  const fired: {item: string; at: number}[] = [];
  const timeouts = new SharedTimeouts<string>(
    ms,
    (item) => fired.push({item, at: clock.time}),
    clock.now,
    clock
  );
  return {clock, fired, timeouts};
}

describe('SharedTimeouts', () => {
  it('each item falls due its delay after it was last started, on one timer', () => {
    const {clock, fired, timeouts} = setup();
    timeouts.start('a');
    clock.advance(30);
    timeouts.start('b');
    clock.advance(30);
    timeouts.start('c');
    timeouts.start('a'); // restarted at 60: due at 160, after b and c
    assert.equal(clock.timers, 1);
    clock.advance(200);
    assert.deepEqual(fired, [
      {item: 'b', at: 1_000_130},
      {item: 'c', at: 1_000_160},
      {item: 'a', at: 1_000_160},
    ]);
    assert.equal(timeouts.size, 0);
  });

  it('a stopped item never falls due, and the others still do', () => {
    const {clock, fired, timeouts} = setup();
    timeouts.start('a');
    timeouts.start('b');
    clock.advance(50);
    timeouts.stop('a');
    clock.advance(100);
    assert.deepEqual(fired, [{item: 'b', at: 1_000_100}]);
    assert.equal(clock.timers, 0);
  });

  it('an item restarted when it falls due repeats at its interval, beside items started later', () => {
    const clock = new Clock();
    const fired: string[] = [];
    const timeouts: SharedTimeouts<string> = new SharedTimeouts(
      100,
      (item) => {
        fired.push(`${item}@${clock.time - 1_000_000}`);
        if (item === 'beat') timeouts.start(item);
      },
      clock.now,
      clock
    );
    timeouts.start('beat');
    clock.advance(150);
    timeouts.start('once');
    clock.advance(200);
    assert.deepEqual(fired, ['beat@100', 'beat@200', 'once@250', 'beat@300']);
    assert.equal(clock.timers, 1);
  });

  it('when the clock goes back, no item waits as long as it went back', () => {
    const {clock, fired, timeouts} = setup();
    timeouts.start('a');
    clock.advance(40);
    clock.time -= 60_000; // a has 60 ms left; set to the new clock, it would wait a minute more
    timeouts.start('b');
    clock.advance(100);
    // a waits 40 ms too long at most (the time between the last start and the jump).
    assert.deepEqual(fired, [
      {item: 'a', at: 940_140},
      {item: 'b', at: 940_140},
    ]);
  });

  it('clear stops every item and the timer', () => {
    const {clock, fired, timeouts} = setup();
    timeouts.start('a');
    timeouts.clear();
    assert.equal(clock.timers, 0);
    clock.advance(1000);
    assert.deepEqual(fired, []);
  });
});
