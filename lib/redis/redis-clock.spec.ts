import { describe, expect, it } from '@jest/globals';
import { fromRedisTime, RedisClock } from './redis-clock.js';

describe('RedisClock', () => {
  it('takes both clocks as one until Redis has said its time', () => {
    const clock = new RedisClock();
    expect(clock.known).toBe(false);
    expect(clock.toRedis(1_000_000)).toBe(1_000_000);
    clock.observe(1_000_500, 1_000_000);
    expect(clock.known).toBe(true);
  });

  it('keeps the largest lower bound of the offset, so a deadline is never later on Redis than here', () => {
    const clock = new RedisClock();
    // Redis is 5000 ms ahead; answers arrive 3, then 1, then 20 ms after the command ran.
    clock.observe(1_005_000, 1_000_003);
    clock.observe(1_005_100, 1_000_101);
    clock.observe(1_005_200, 1_000_220);
    expect(clock.toRedis(2_000_000)).toBe(2_004_999);
  });

  it('follows a stepped clock once its bound is 30 s old', () => {
    const clock = new RedisClock();
    clock.observe(1_005_000, 1_000_000);
    clock.observe(1_020_000, 1_020_000);
    expect(clock.toRedis(2_000_000)).toBe(2_005_000);
    clock.observe(1_031_000, 1_031_000);
    expect(clock.toRedis(2_000_000)).toBe(2_000_000);
  });

  it('reads a TIME reply', () => {
    expect(fromRedisTime(['1700000000', '123456'])).toBe(1_700_000_000_123);
  });
});
