import type { SseEvent, SseMessageEvent } from './sse-event.js';

const LINE_BREAK = /\r\n|\r|\n/;
/**
 * Longer ids are refused when sent, and ignored when a client claims one in Last-Event-ID: the
 * browser sends the id back on every reconnect, and an event log has to look it up.
 */
export const MAX_EVENT_ID_LENGTH = 1024;
const FIELD_BREAK = /[\r\n]/;

/**
 * Turns one event into its wire form. The output always parses back, with a spec-compliant
 * parser, into the same data, type and id; anything that could not round-trip is refused with
 * a TypeError before a byte is written.
 */
export function serializeEvent(event: SseEvent): string {
  if (typeof event === 'string') return `${dataLines(checkText(event, 'data'))}\n`;
  if (event === null || typeof event !== 'object') {
    throw new TypeError(`An SSE event must be a string or an object like { data, id?, type?, retry? }; got ${describe(event)}.`);
  }
  return serializeMessage(event);
}

export function serializeRetry(milliseconds: number): string {
  return `retry: ${checkRetry(milliseconds)}\n\n`;
}

/** The `id:` line that SseService puts ahead of a logged event's body. */
export function serializeIdLine(id: string): string {
  return `id: ${checkId(id)}\n`;
}

export function serializeComment(text: string): string {
  return `${commentLines(checkText(text, 'comment'))}\n`;
}

function serializeMessage(event: SseMessageEvent): string {
  let frame = '';
  if (event.comment !== undefined) frame += commentLines(checkText(event.comment, 'comment'));
  if (event.id !== undefined) frame += `id: ${checkId(event.id)}\n`;
  if (event.type !== undefined && event.type !== '') frame += `event: ${checkType(event.type)}\n`;
  if (event.retry !== undefined) frame += `retry: ${checkRetry(event.retry)}\n`;
  if (event.data !== undefined) frame += dataLines(dataText(event.data));
  else if (event.id !== undefined || event.type !== undefined || frame === '') {
    throw new TypeError(
      'SSE event data is undefined. Pass a string, or a value to send as JSON (null included); ' +
        'only a pure comment or retry frame may leave data out.',
    );
  }
  return `${frame}\n`;
}

function dataText(data: unknown): string {
  if (typeof data === 'string') return checkText(data, 'data');
  let json: string | undefined;
  try {
    json = JSON.stringify(data);
  } catch (cause) {
    throw new TypeError(`SSE event data could not be sent as JSON: ${(cause as Error).message}`, { cause });
  }
  if (json === undefined) {
    throw new TypeError(`SSE event data of type ${typeof data} has no JSON form; send a string or a plain value.`);
  }
  return json;
}

function dataLines(text: string): string {
  if (!FIELD_BREAK.test(text)) return `data: ${text}\n`;
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += `data: ${line}\n`;
  return out;
}

function commentLines(text: string): string {
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += line === '' ? ':\n' : `: ${line}\n`;
  return out;
}

function checkId(id: string | number): string {
  const text = typeof id === 'number' && Number.isFinite(id) ? String(id) : id;
  if (typeof text !== 'string') {
    throw new TypeError(`SSE event id must be a string or a finite number; got ${describe(id)}.`);
  }
  if (FIELD_BREAK.test(text) || text.includes('\0')) {
    throw new TypeError(`SSE event id ${JSON.stringify(text)} contains CR, LF or NUL, which would break the stream; remove them.`);
  }
  if (text.length > MAX_EVENT_ID_LENGTH) {
    throw new TypeError(
      `SSE event id is ${text.length} characters long; the limit is ${MAX_EVENT_ID_LENGTH}. ` +
        'Send a short key and keep the rest in data.',
    );
  }
  return checkText(text, 'id');
}

function checkType(type: string): string {
  if (typeof type !== 'string') throw new TypeError(`SSE event type must be a string; got ${describe(type)}.`);
  if (FIELD_BREAK.test(type)) {
    throw new TypeError(`SSE event type ${JSON.stringify(type)} contains CR or LF, which would inject fields; remove them.`);
  }
  return checkText(type, 'type');
}

function checkRetry(retry: number): number {
  if (!Number.isSafeInteger(retry) || retry < 0) {
    throw new TypeError(`SSE retry must be a whole number of milliseconds >= 0; got ${describe(retry)}.`);
  }
  return retry;
}

function checkText(text: string, field: string): string {
  if (typeof text !== 'string') throw new TypeError(`SSE event ${field} must be a string; got ${describe(text)}.`);
  if (!text.isWellFormed()) {
    throw new TypeError(
      `SSE event ${field} contains a lone UTF-16 surrogate, which cannot be sent as UTF-8 unchanged; ` +
        'fix the string (String.prototype.toWellFormed) or send it as JSON.',
    );
  }
  return text;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return typeof value;
}
