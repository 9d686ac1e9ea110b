import { describe, expect, it } from 'vitest';
import { progressThrottle } from '../../src-main/api/event-throttle';

describe('progressThrottle', () => {
  it('passes one progress event per model per interval and every other event', () => {
    let t = 0;
    const pass = progressThrottle(100, () => t);
    const progress = (model: string) => ({ type: 'progress', model });
    expect(pass(progress('local-0'))).toBe(true);
    t = 50;
    expect(pass(progress('local-0'))).toBe(false);
    expect(pass(progress('local-1'))).toBe(true); // models are throttled separately
    expect(pass({ type: 'epoch', model: 'local-0' })).toBe(true);
    expect(pass({ type: 'done', model: 'local-0' })).toBe(true);
    expect(pass({ type: 'phase' })).toBe(true);
    t = 100;
    expect(pass(progress('local-0'))).toBe(true);
    t = 120;
    expect(pass(progress('local-1'))).toBe(false);
    t = 150;
    expect(pass(progress('local-1'))).toBe(true);
  });
});
