import { describe, expect, it } from '@jest/globals';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import { serializeComment, serializeEvent, serializeRetry } from './event-serializer.js';
import { eventFrame } from './frames.js';
import type { SseEvent } from './sse-event.js';

function parse(wire: string): { events: EventSourceMessage[]; retries: number[]; comments: string[] } {
  const events: EventSourceMessage[] = [];
  const retries: number[] = [];
  const comments: string[] = [];
  const parser = createParser({
    onEvent: (event) => events.push(event),
    onRetry: (retry) => retries.push(retry),
    onComment: (comment) => comments.push(comment),
  });
  parser.feed(wire);
  return { events, retries, comments };
}

describe('serializeEvent', () => {
  it.each<[string, SseEvent, string]>([
    ['a string as data', 'hello', 'data: hello\n\n'],
    ['an empty string', '', 'data: \n\n'],
    ['a structured event', { id: '42', type: 'update', data: 'a' }, 'id: 42\nevent: update\ndata: a\n\n'],
    ['object data as JSON', { data: { a: 1, b: [true] } }, 'data: {"a":1,"b":[true]}\n\n'],
    ['null data as JSON', { data: null }, 'data: null\n\n'],
    ['a numeric id', { id: 0, data: 'x' }, 'id: 0\ndata: x\n\n'],
    ['an empty id, which resets the last event id', { id: '', data: 'x' }, 'id: \ndata: x\n\n'],
    ['retry 0', { retry: 0, data: 'x' }, 'retry: 0\ndata: x\n\n'],
    ['a comment before the fields', { comment: 'note', data: 'x' }, ': note\ndata: x\n\n'],
    ['a pure comment frame', { comment: 'ping' }, ': ping\n\n'],
    ['an empty type as the default type', { type: '', data: 'x' }, 'data: x\n\n'],
  ])('writes %s', (_name, event, wire) => {
    expect(serializeEvent(event)).toBe(wire);
  });

  it('splits multi-line data on CRLF, LF and CR into one data line each', () => {
    expect(serializeEvent('a\r\nb\nc\rd')).toBe('data: a\ndata: b\ndata: c\ndata: d\n\n');
  });

  it.each([
    'line1\nline2',
    'a\r\nb\r\n\r\nc',
    '\n',
    'trailing\n',
    '\r\rdouble cr',
    ' leading space',
    'data: fake\n\nevent: injected',
    '😀 astral and ü',
  ])('round-trips data %j through a spec-compliant parser', (data) => {
    const normalized = data.replace(/\r\n|\r/g, '\n');
    const { events } = parse(serializeEvent({ id: 'i', type: 't', data }));
    expect(events).toEqual([{ id: 'i', event: 't', data: normalized }]);
  });

  it('keeps a leading space in id and type', () => {
    const { events } = parse(serializeEvent({ id: ' 7', type: ' spaced', data: 'x' }));
    expect(events).toEqual([{ id: ' 7', event: ' spaced', data: 'x' }]);
  });

  it.each<[string, SseEvent, RegExp]>([
    ['LF in id', { id: 'a\nretry: 1', data: 'x' }, /id .*CR, LF or NUL/],
    ['CR in id', { id: 'a\rb', data: 'x' }, /id .*CR, LF or NUL/],
    ['NUL in id', { id: 'a\0b', data: 'x' }, /id .*CR, LF or NUL/],
    ['LF in type', { type: 'a\nid: 1', data: 'x' }, /type .*CR or LF/],
    ['CR in type', { type: 'a\rb', data: 'x' }, /type .*CR or LF/],
    ['a negative retry', { retry: -1, data: 'x' }, /retry/],
    ['a fractional retry', { retry: 1.5, data: 'x' }, /retry/],
    ['undefined data', { data: undefined }, /data is undefined/],
    ['undefined data with an id', { id: '1' }, /data is undefined/],
    ['a function as data', { data: () => 1 }, /no JSON form/],
    ['a lone surrogate in data', '\ud800', /lone UTF-16 surrogate/],
    ['a lone surrogate in type', { type: 'x\udc00', data: 'x' }, /lone UTF-16 surrogate/],
  ])('refuses %s with a TypeError', (_name, event, message) => {
    expect(() => serializeEvent(event)).toThrow(TypeError);
    expect(() => serializeEvent(event)).toThrow(message);
  });

  it('refuses circular data with a TypeError that keeps the cause', () => {
    const data: Record<string, unknown> = {};
    data.self = data;
    expect(() => serializeEvent({ data })).toThrow(/could not be sent as JSON/);
  });

  it('refuses something that is not an event', () => {
    expect(() => serializeEvent(42 as unknown as SseEvent)).toThrow(/must be a string or an object/);
    expect(() => serializeEvent(null as unknown as SseEvent)).toThrow(/got null/);
  });

  it('sends JSON data with non-BMP characters and escaped lone surrogates intact', () => {
    const data = { emoji: '🎉', lone: '\ud800' };
    const { events } = parse(serializeEvent({ data }));
    expect(JSON.parse(events[0]!.data)).toEqual(data);
  });
});

describe('control frames', () => {
  it('writes retry frames a parser reports', () => {
    expect(serializeRetry(2500)).toBe('retry: 2500\n\n');
    expect(parse(serializeRetry(2500)).retries).toEqual([2500]);
    expect(() => serializeRetry(-5)).toThrow(TypeError);
  });

  it('writes comments that dispatch no event', () => {
    expect(serializeComment('')).toBe(':\n\n');
    const { events, comments } = parse(serializeComment('keep\nalive'));
    expect(events).toEqual([]);
    expect(comments).toEqual(['keep', 'alive']);
  });
});

describe('encodeEvent', () => {
  it('encodes as UTF-8', () => {
    expect(eventFrame('ü€😀').toString('hex')).toBe(Buffer.from('data: ü€😀\n\n', 'utf8').toString('hex'));
  });
});
