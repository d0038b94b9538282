import { describe, expect, it } from '@jest/globals';
import { createParser, type EventSourceMessage } from 'eventsource-parser';
import fc from 'fast-check';
import { MAX_EVENT_ID_LENGTH, serializeComment, serializeEvent, serializeRetry } from './event-serializer.js';
import { eventFrame, loggedFrame } from './frames.js';
import type { SseEvent, SseMessageEvent } from './sse-event.js';

/**
 * The serializer promises that whatever it writes parses back, with a spec-compliant parser, into
 * the same data, type and id, and that whatever could not is refused with a TypeError up front.
 * Every property below checks both halves against an oracle written from the SSE spec, so a
 * serializer that refuses too much fails just as one that writes a broken stream does.
 */

// ---------------------------------------------------------------------------------------------
// Arbitraries
// ---------------------------------------------------------------------------------------------

/** Pieces the wire format gives meaning to; chance alone would almost never produce them. */
const WIRE_PIECES = [
  '\r',
  '\n',
  '\r\n',
  '\n\r',
  '\r\r',
  ':',
  ' ',
  '\0',
  '\uFEFF',
  'data:',
  'data: ',
  'id: ',
  'event:',
  'retry: 1',
  '\u2028',
  '\u0085',
  'é',
  '€',
  '😀',
];
const LONE_SURROGATES = ['\ud800', '\udbff', '\udc00', '\udfff', '\ud83d', '\ude00'];

const codePoint = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
const asciiChar = fc.string({ unit: 'binary-ascii', minLength: 1, maxLength: 1 });
/** Any UTF-16 code unit, so surrogate halves turn up alone as well as in pairs. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

const wellFormedUnit = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...WIRE_PIECES) },
  { weight: 2, arbitrary: asciiChar },
  { weight: 2, arbitrary: codePoint },
);
const anyUnit = fc.oneof(
  { weight: 6, arbitrary: wellFormedUnit },
  { weight: 1, arbitrary: codeUnit },
  { weight: 1, arbitrary: fc.constantFrom(...LONE_SURROGATES) },
);
/** What an id or type may hold: everything but the characters that end a field. */
const fieldUnit = wellFormedUnit.filter((unit) => !/[\r\n\0]/.test(unit));

const wellFormedText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: wellFormedUnit, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
);
/** Mostly sendable text, but often enough with a lone surrogate that refusals get exercised. */
const anyText = fc.oneof({ weight: 3, arbitrary: wellFormedText }, { weight: 1, arbitrary: fc.string({ unit: anyUnit, maxLength: 40 }) });
const fieldText = fc.string({ unit: fieldUnit, maxLength: 24 });

/** Ids right around the length limit, where an off-by-one would hide. */
const idNearLimit = fc.integer({ min: MAX_EVENT_ID_LENGTH - 2, max: MAX_EVENT_ID_LENGTH + 2 }).map((length) => 'i'.repeat(length));
const idText = fc.oneof({ weight: 4, arbitrary: fieldText }, { weight: 2, arbitrary: anyText }, { weight: 1, arbitrary: idNearLimit });
/** fc.double() brings NaN, ±Infinity and -0 along with ordinary fractions. */
const id = fc.oneof({ weight: 3, arbitrary: idText }, { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()) });
const type = fc.oneof(
  { weight: 4, arbitrary: fieldText },
  { weight: 1, arbitrary: anyText },
  { weight: 1, arbitrary: fc.constantFrom('', 'message', ' spaced') },
);
const retry = fc.oneof(
  { weight: 4, arbitrary: fc.nat() },
  { weight: 1, arbitrary: fc.maxSafeNat() },
  { weight: 1, arbitrary: fc.integer({ min: -1000, max: -1 }) },
  { weight: 1, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(-0, Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER + 1) },
);

function optional<T>(arbitrary: fc.Arbitrary<T>, freq = 2): fc.Arbitrary<T | undefined> {
  return fc.option(arbitrary, { nil: undefined, freq });
}

function messageWith(data: fc.Arbitrary<unknown>): fc.Arbitrary<SseMessageEvent> {
  return fc.record({
    data,
    id: optional(id),
    type: optional(type),
    retry: optional(retry, 4),
    comment: optional(anyText, 4),
  });
}

/** Tens of KB, built by repetition because drawing that many characters one by one is slow. */
const largeText = fc
  .tuple(
    fc.oneof(
      { weight: 3, arbitrary: fc.string({ unit: wellFormedUnit, minLength: 1, maxLength: 16 }) },
      { weight: 1, arbitrary: fc.string({ unit: anyUnit, minLength: 1, maxLength: 16 }) },
    ),
    fc.integer({ min: 10_000, max: 60_000 }),
    anyText,
  )
  .map(([piece, size, tail]) => piece.repeat(Math.ceil(size / piece.length)) + tail);

/** A message the serializer must accept: nothing in it the spec cannot carry. */
const sendableMessage: fc.Arbitrary<SseMessageEvent> = fc.record({
  data: wellFormedText,
  id: optional(fc.oneof(fieldText, fc.integer())),
  type: optional(fieldText),
  retry: optional(fc.nat(), 4),
  comment: optional(wellFormedText, 4),
});

/**
 * Where to cut the bytes before they reach the decoder. Byte by byte tries every cut, inside
 * multi-byte UTF-8 sequences included, but is only affordable for small frames.
 */
type Cuts = number[] | 'bytewise';

function cuts({ bytewise }: { bytewise: boolean }): fc.Arbitrary<Cuts> {
  const points = fc.array(fc.nat(), { maxLength: bytewise ? 12 : 64 });
  return bytewise ? fc.oneof(points, fc.constant('bytewise' as const)) : points;
}

// ---------------------------------------------------------------------------------------------
// The oracle: which fields the spec cannot carry, worked out without the serializer's help
// ---------------------------------------------------------------------------------------------

/** Matched on code units, so a surrogate pair split across two pieces is seen as a pair. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function hasLoneSurrogate(text: string): boolean {
  return LONE_SURROGATE.test(text);
}

function jsonOf(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function messageOf(event: SseEvent): SseMessageEvent {
  return typeof event === 'string' ? { data: event } : event;
}

function idFault(id: string | number): boolean {
  const text = typeof id === 'string' ? id : Number.isFinite(id) ? String(id) : undefined;
  // UTF-8 has no form for a lone surrogate; CR and LF end the line; a parser drops an id with NUL.
  return text === undefined || /[\r\n\0]/.test(text) || text.length > MAX_EVENT_ID_LENGTH || hasLoneSurrogate(text);
}

function dataFault(message: SseMessageEvent): boolean {
  const { data } = message;
  if (data === undefined) {
    // Without data a parser dispatches nothing, so only a pure comment or retry frame makes sense.
    return message.id !== undefined || message.type !== undefined || (message.comment === undefined && message.retry === undefined);
  }
  return typeof data === 'string' ? hasLoneSurrogate(data) : jsonOf(data) === undefined;
}

function isRetryFault(retry: number): boolean {
  return !(Number.isInteger(retry) && retry >= 0 && retry <= Number.MAX_SAFE_INTEGER);
}

/** The fields an event has to be refused for; empty when it must go out. */
function faultsOf(event: SseEvent): string[] {
  const message = messageOf(event);
  const faults: string[] = [];
  if (message.comment !== undefined && hasLoneSurrogate(message.comment)) faults.push('comment');
  if (message.id !== undefined && idFault(message.id)) faults.push('id');
  if (message.type && (/[\r\n]/.test(message.type) || hasLoneSurrogate(message.type))) faults.push('type');
  if (message.retry !== undefined && isRetryFault(message.retry)) faults.push('retry');
  if (dataFault(message)) faults.push('data');
  return faults;
}

/**
 * Runs the encoder and holds it to the oracle: a TypeError that names a field really at fault,
 * or bytes when there is none.
 */
function encodeOrRefuse(encode: () => Buffer, faults: string[]): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = encode();
  } catch (error) {
    expect(error).toBeInstanceOf(TypeError);
    expect(faults).toContain(fieldNamedIn((error as Error).message));
    return undefined;
  }
  expect(faults).toEqual([]);
  return bytes;
}

/** "SSE event id ...", "SSE retry ...": the field comes first, before any quoted user text. */
function fieldNamedIn(message: string): string | undefined {
  return /^SSE (?:event )?(\w+)/.exec(message)?.[1];
}

// ---------------------------------------------------------------------------------------------
// What a spec-compliant client sees
// ---------------------------------------------------------------------------------------------

interface Parsed {
  events: EventSourceMessage[];
  retries: number[];
  comments: string[];
  errors: string[];
}

function nothingParsed(): Parsed {
  return { events: [], retries: [], comments: [], errors: [] };
}

function chunksOf(bytes: Uint8Array, cuts: Cuts): Uint8Array[] {
  if (cuts === 'bytewise') return Array.from(bytes, (_byte, at) => bytes.subarray(at, at + 1));
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  return chunks;
}

/**
 * Decodes as a browser does, chunk by chunk; `fatal` turns any byte sequence that is not UTF-8
 * into a failure instead of a silent U+FFFD.
 */
function parse(bytes: Uint8Array, cuts: Cuts): Parsed {
  const parsed = nothingParsed();
  const parser = createParser({
    onEvent: (event) => parsed.events.push(event),
    onRetry: (retry) => parsed.retries.push(retry),
    onComment: (comment) => parsed.comments.push(comment),
    // Unknown fields and bad retry values mean a field leaked out of its line.
    onError: (error) => parsed.errors.push(`${error.type}: ${error.message}`),
  });
  const decoder = new TextDecoder('utf-8', { fatal: true });
  for (const chunk of chunksOf(bytes, cuts)) parser.feed(decoder.decode(chunk, { stream: true }));
  parser.feed(decoder.decode());
  return parsed;
}

/** The spec has no way to carry CR in data: CRLF, LF and CR all end a line and come back as LF. */
function normalizeLineBreaks(text: string): string {
  return text.replace(/\r\n|\r/g, '\n');
}

function linesOf(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** What a parser must report for an accepted message whose data is a string (or absent). */
function expectedFor(message: SseMessageEvent): Parsed {
  const expected = nothingParsed();
  if (message.comment !== undefined) expected.comments.push(...linesOf(message.comment));
  // The wire has no -0; `retry: 0` comes back as +0, which toEqual tells apart.
  if (message.retry !== undefined) expected.retries.push(message.retry + 0);
  if (message.data !== undefined) {
    expected.events.push({
      data: normalizeLineBreaks(message.data as string),
      event: message.type || undefined,
      id: message.id === undefined ? undefined : String(message.id),
    });
  }
  return expected;
}

function merge(parts: Parsed[]): Parsed {
  const merged = nothingParsed();
  for (const part of parts) {
    merged.events.push(...part.events);
    merged.retries.push(...part.retries);
    merged.comments.push(...part.comments);
  }
  return merged;
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

describe('event serializer round trip (property-based)', () => {
  it('writes string-data events that parse back exactly, or refuses them for a real reason', () => {
    const event: fc.Arbitrary<SseEvent> = fc.oneof(
      { weight: 1, arbitrary: anyText },
      { weight: 4, arbitrary: messageWith(optional(anyText, 12)) },
    );
    fc.assert(
      fc.property(event, cuts({ bytewise: true }), (event, cuts) => {
        const bytes = encodeOrRefuse(() => eventFrame(event), faultsOf(event));
        if (bytes) expect(parse(bytes, cuts)).toEqual(expectedFor(messageOf(event)));
      }),
      { numRuns: 1000 },
    );
  });

  it('writes string data of tens of KB that parses back exactly, or refuses it', () => {
    fc.assert(
      fc.property(messageWith(largeText), cuts({ bytewise: false }), (event, cuts) => {
        const bytes = encodeOrRefuse(() => eventFrame(event), faultsOf(event));
        if (bytes) expect(parse(bytes, cuts)).toEqual(expectedFor(event));
      }),
      { numRuns: 25 },
    );
  });

  it('sends non-string data as JSON that parses back to the same value, or refuses it', () => {
    const data = fc
      .oneof(
        { weight: 2, arbitrary: fc.jsonValue({ stringUnit: anyUnit }) },
        {
          weight: 1,
          arbitrary: fc.anything({
            stringUnit: anyUnit,
            withBigInt: true,
            withBoxedValues: true,
            withDate: true,
            withMap: true,
            withSet: true,
            withNullPrototype: true,
            withObjectString: true,
            withSparseArray: true,
            withTypedArray: true,
          }),
        },
      )
      // A string is sent as it is, not as JSON; the properties above cover it.
      .filter((value) => typeof value !== 'string');
    fc.assert(
      fc.property(data, optional(fieldText), cuts({ bytewise: true }), (data, type, cuts) => {
        const event: SseMessageEvent = { data, type };
        const bytes = encodeOrRefuse(() => eventFrame(event), faultsOf(event));
        if (!bytes) return;
        const { events, errors } = parse(bytes, cuts);
        expect(errors).toEqual([]);
        expect(events).toHaveLength(1);
        expect(events[0]!.event).toBe(type || undefined);
        expect(JSON.parse(events[0]!.data)).toEqual(JSON.parse(jsonOf(data)!));
      }),
      { numRuns: 500 },
    );
  });

  it('writes a batch of frames into one stream that parses back into the same sequence', () => {
    type Frame = { kind: 'event'; event: SseEvent } | { kind: 'retry'; milliseconds: number } | { kind: 'comment'; text: string };
    const frame: fc.Arbitrary<Frame> = fc.oneof(
      { weight: 4, arbitrary: sendableMessage.map((event) => ({ kind: 'event' as const, event })) },
      { weight: 1, arbitrary: wellFormedText.map((event) => ({ kind: 'event' as const, event })) },
      {
        weight: 1,
        // A pure control frame sent as an event: no data, so no dispatch.
        arbitrary: fc
          .record({ comment: optional(wellFormedText), retry: optional(fc.nat()) })
          .filter(({ comment, retry }) => comment !== undefined || retry !== undefined)
          .map((event) => ({ kind: 'event' as const, event })),
      },
      { weight: 1, arbitrary: fc.nat().map((milliseconds) => ({ kind: 'retry' as const, milliseconds })) },
      { weight: 1, arbitrary: wellFormedText.map((text) => ({ kind: 'comment' as const, text })) },
    );
    const encode = (frame: Frame): Buffer =>
      frame.kind === 'event'
        ? eventFrame(frame.event)
        : Buffer.from(frame.kind === 'retry' ? serializeRetry(frame.milliseconds) : serializeComment(frame.text));
    const expected = (frame: Frame): Parsed =>
      frame.kind === 'event'
        ? expectedFor(messageOf(frame.event))
        : frame.kind === 'retry'
          ? { ...nothingParsed(), retries: [frame.milliseconds] }
          : { ...nothingParsed(), comments: linesOf(frame.text) };

    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 12 }), cuts({ bytewise: true }), (frames, cuts) => {
        // As a batched write: the frames' bytes back to back in one buffer.
        const stream = Buffer.concat(frames.map(encode));
        expect(parse(stream, cuts)).toEqual(merge(frames.map(expected)));
      }),
      { numRuns: 300 },
    );
  });

  it('gives a logged event the id the log chose, or refuses an id a client could not get back', () => {
    fc.assert(
      fc.property(sendableMessage, idText, cuts({ bytewise: true }), (event, loggedId, cuts) => {
        // What SseService does: the body is kept without an id, and the log's id goes in front.
        const body = serializeEvent({ ...event, id: undefined });
        const bytes = encodeOrRefuse(() => loggedFrame(loggedId, body), idFault(loggedId) ? ['id'] : []);
        if (bytes) expect(parse(bytes, cuts)).toEqual(expectedFor({ ...event, id: loggedId }));
      }),
      { numRuns: 500 },
    );
  });

  it('writes retry frames a parser reports as the same delay, and nothing else', () => {
    fc.assert(
      fc.property(retry, cuts({ bytewise: true }), (milliseconds, cuts) => {
        const encode = () => Buffer.from(serializeRetry(milliseconds));
        const bytes = encodeOrRefuse(encode, isRetryFault(milliseconds) ? ['retry'] : []);
        if (bytes) expect(parse(bytes, cuts)).toEqual({ ...nothingParsed(), retries: [milliseconds + 0] });
      }),
      { numRuns: 300 },
    );
  });

  it('writes comments of any text as comment lines that dispatch no event', () => {
    fc.assert(
      fc.property(anyText, cuts({ bytewise: true }), (text, cuts) => {
        const encode = () => Buffer.from(serializeComment(text));
        const bytes = encodeOrRefuse(encode, hasLoneSurrogate(text) ? ['comment'] : []);
        if (bytes) expect(parse(bytes, cuts)).toEqual({ ...nothingParsed(), comments: linesOf(text) });
      }),
      { numRuns: 500 },
    );
  });
});
