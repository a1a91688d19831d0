/**
 * InstallStepTurns: who gets a turn that frees up. An install call's step (its shop owner waiting in the
 * browser) goes ahead of the background steps (the install retry's, the start-up re-registration's) waiting
 * too — before, first come first served, a burst of due retries queued a new install call behind them all —,
 * and a background step that waited `backgroundMaxWaitMs` goes ahead of install calls, so it is not held
 * back for ever.
 */
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { InstallStepTurns } from './install-step-turns.js';

const logger = pino({ level: 'silent' });

/** A step that runs until released; `started` tells the order the steps got their turn. */
function steps() {
  const started: string[] = [];
  const releases = new Map<string, () => void>();
  const step = (name: string) => () =>
    new Promise<string>((resolve) => {
      started.push(name);
      releases.set(name, () => resolve(name));
    });
  const release = async (name: string) => {
    releases.get(name)?.();
    // the turn is handed over once the released step's promise settled
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { started, step, release };
}

describe('InstallStepTurns', () => {
  it('gives a turn that frees up to an install call queued behind background steps', async () => {
    const turns = new InstallStepTurns(logger, 1);
    const { started, step, release } = steps();
    const running = [
      turns.run('busy', step('busy'), 'background'),
      turns.run('retry1', step('retry1'), 'background'),
      turns.run('retry2', step('retry2'), 'background'),
      turns.run('retry3', step('retry3'), 'background'),
      turns.run('new', step('new'), 'install_call'),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['busy']);

    await release('busy');
    // before: retry1 (first come, first served), the install call after every retry
    expect(started).toEqual(['busy', 'new']);
    for (const name of ['new', 'retry1', 'retry2', 'retry3']) await release(name);
    expect(started).toEqual(['busy', 'new', 'retry1', 'retry2', 'retry3']);
    expect(await Promise.all(running)).toEqual(['busy', 'retry1', 'retry2', 'retry3', 'new']);
  });

  it('takes install calls in the order they came, ahead of background steps queued before them', async () => {
    const turns = new InstallStepTurns(logger, 2);
    const { started, step, release } = steps();
    void turns.run('a', step('a'), 'install_call');
    void turns.run('b', step('b'), 'background');
    void turns.run('retry', step('retry'), 'background');
    void turns.run('new1', step('new1'), 'install_call');
    void turns.run('new2', step('new2'), 'install_call');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['a', 'b']);
    await release('b');
    await release('a');
    expect(started).toEqual(['a', 'b', 'new1', 'new2']);
    await release('new1');
    expect(started.at(-1)).toBe('retry');
  });

  it('gives the turn to a background step that waited backgroundMaxWaitMs, ahead of install calls', async () => {
    let now = 0;
    const turns = new InstallStepTurns(logger, 1, { backgroundMaxWaitMs: 30_000, now: () => now });
    const { started, step, release } = steps();
    void turns.run('busy', step('busy'), 'install_call');
    void turns.run('retry', step('retry'), 'background');
    now = 10_000;
    void turns.run('new1', step('new1'), 'install_call');
    void turns.run('new2', step('new2'), 'install_call');
    await new Promise((resolve) => setImmediate(resolve));
    await release('busy');
    // the retry waited 10 s: the install call first
    expect(started).toEqual(['busy', 'new1']);
    now = 30_000;
    await release('new1');
    // the retry waited 30 s: its turn now, the other install call after it
    expect(started).toEqual(['busy', 'new1', 'retry']);
    await release('retry');
    expect(started).toEqual(['busy', 'new1', 'retry', 'new2']);
  });

  it('on close starts none of the steps waiting, install calls and background ones', async () => {
    const turns = new InstallStepTurns(logger, 1);
    const { step, release } = steps();
    const busy = turns.run('busy', step('busy'), 'background');
    const waiting = [
      turns.run('retry', step('retry'), 'background'),
      turns.run('new', step('new'), 'install_call'),
    ];
    await new Promise((resolve) => setImmediate(resolve));
    const settled = turns.settled(5000);
    await release('busy');
    await settled;
    expect(await busy).toBe('busy');
    const outcomes = await Promise.all(waiting);
    expect(outcomes.every((outcome) => typeof outcome === 'symbol')).toBe(true);
  });
});
