import { createRequire } from 'node:module';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import {
  checkPasswordStrength,
  STRENGTH_THREAD_IDLE_STOP_MS,
  stopStrengthThread,
  strengthThreadRunning,
} from '../../../src/accounts/password/strength-check.js';

const user = { username: 'marmaladeotter', email: 'jane.doe@example.com' };
const jane = { username: 'jane', email: 'jane@example.com' };
const tooEasy = /^This password is too easy to guess\./;

afterAll(async () => {
  await stopStrengthThread();
});

describe('zxcvbn on its own thread', () => {
  it('starts on the first check and gives zxcvbn’s verdicts', async () => {
    await stopStrengthThread();
    expect(strengthThreadRunning()).toBe(false);
    expect(await checkPasswordStrength('velvet otter quantum marmalade', jane)).toBeNull();
    expect(strengthThreadRunning()).toBe(true);
    const repeated = await checkPasswordStrength('aaaaaaaaaaaa', user);
    expect(repeated).toMatch(tooEasy);
    expect(repeated).toContain('Repeated characters like "aaa" are easy to guess.');
    expect(await checkPasswordStrength('marmaladeotter2024', user)).toContain('There should not be any personal or page related data.');
    expect(await checkPasswordStrength('marmaladeotter2024', jane)).toBeNull();
  });

  it('never loads zxcvbn or its dictionaries into the main thread', async () => {
    await checkPasswordStrength('velvet otter quantum marmalade', jane);
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((key) => key.includes('@zxcvbn-ts'));
    expect(loaded).toEqual([]);
  });

  it('answers concurrent checks each with its own verdict', async () => {
    const passwords = Array.from({ length: 12 }, (_, i) => (i % 2 === 0 ? `velvet otter quantum marmalade ${i}` : 'a'.repeat(12 + i)));
    const verdicts = await Promise.all(passwords.map((password) => checkPasswordStrength(password, jane)));
    verdicts.forEach((verdict, i) => {
      if (i % 2 === 0) expect(verdict).toBeNull();
      else expect(verdict).toMatch(tooEasy);
    });
  });

  it('judges hostile input like any other, and the thread keeps serving', async () => {
    for (const hostile of ['\u0000'.repeat(20), '\ud800'.repeat(16), '\u202e'.repeat(16), '🐟'.repeat(5000), `${'p4ssw0rd'.repeat(4)}${'x'.repeat(100_000)}`]) {
      expect(await checkPasswordStrength(hostile, user)).toMatch(tooEasy);
    }
    // A user whose attributes hold hostile text too.
    expect(await checkPasswordStrength('velvet otter quantum marmalade', { username: '\u0000<script>', email: '"@\ud800' })).toBeNull();
    expect(strengthThreadRunning()).toBe(true);
  });

  it('starts a new thread after a stop, with the same verdicts', async () => {
    const before = await checkPasswordStrength('P@ssw0rd!Dr@g0n#Sunsh1ne', user);
    await stopStrengthThread();
    expect(strengthThreadRunning()).toBe(false);
    expect(await checkPasswordStrength('P@ssw0rd!Dr@g0n#Sunsh1ne', user)).toBe(before);
    expect(strengthThreadRunning()).toBe(true);
  });

  it('fails the checks a stopped thread still owed, and the next check works', async () => {
    const owed = checkPasswordStrength('p4ssw0rdm0nk3yd r4g0ns4nsh1n3m4st3rqw3r', user);
    await stopStrengthThread();
    await expect(owed).rejects.toThrow();
    expect(await checkPasswordStrength('velvet otter quantum marmalade', jane)).toBeNull();
  });

  it('stops once idle for the whole period, and the next check starts it again', async () => {
    await checkPasswordStrength('velvet otter quantum marmalade', jane);
    await sleep(STRENGTH_THREAD_IDLE_STOP_MS / 2);
    // A check halfway postpones the stop by a whole period.
    await checkPasswordStrength('aaaaaaaaaaaa', user);
    await sleep(STRENGTH_THREAD_IDLE_STOP_MS / 2 + 500);
    expect(strengthThreadRunning()).toBe(true);
    await sleep(STRENGTH_THREAD_IDLE_STOP_MS / 2 + 500);
    expect(strengthThreadRunning()).toBe(false);
    expect(await checkPasswordStrength('velvet otter quantum marmalade', jane)).toBeNull();
  }, 3 * STRENGTH_THREAD_IDLE_STOP_MS);
});
