import { describe, expect, it } from '@jest/globals';
import { acceptsEventStream } from './accept-header.js';

describe('acceptsEventStream', () => {
  it.each([
    [undefined],
    [''],
    ['text/event-stream'],
    ['TEXT/Event-Stream'],
    ['*/*'],
    ['text/*'],
    ['text/html, text/event-stream'],
    ['text/event-stream;q=0.5'],
    ['text/event-stream; charset=utf-8'],
    ['text/*;q=0, text/event-stream'],
    ['application/json;q=0.9, */*;q=0.1'],
    ['text/event-stream;q=oops'],
    ['text/event-stream;q='],
  ])('accepts %j', (accept) => {
    expect(acceptsEventStream(accept)).toBe(true);
  });

  it.each([
    ['text/plain'],
    ['text/plain, text/html'],
    ['application/json'],
    ['text/event-stream;q=0'],
    ['*/*, text/event-stream;q=0'],
    ['text/*;q=0'],
    ['*/*;q=0.0'],
  ])('refuses %j', (accept) => {
    expect(acceptsEventStream(accept)).toBe(false);
  });
});
