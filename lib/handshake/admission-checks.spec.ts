import { describe, expect, it } from '@jest/globals';
import type { IncomingMessage } from 'node:http';
import { sentLastEventId, streamMethods } from './admission-checks.js';

describe('admission checks', () => {
  it('takes GET by default, and the methods a connect() call lists, upper-cased', () => {
    expect(streamMethods(undefined)).toEqual(['GET']);
    expect(streamMethods(['post', 'GET'])).toEqual(['POST', 'GET']);
  });

  it.each([[[]], [['']], [['PO ST']], [[42]], ['POST'], [null]])('refuses methods %j, naming the option', (methods) => {
    expect(() => streamMethods(methods as unknown as string[])).toThrow(/connect\(\) options\.methods must be a non-empty array/);
  });

  it('tells a request that carried a Last-Event-ID, usable or not, from one that carried none', () => {
    const request = (value?: string) => ({ headers: value === undefined ? {} : { 'last-event-id': value } }) as IncomingMessage;
    expect(sentLastEventId(request('42'))).toBe(true);
    expect(sentLastEventId(request('x'.repeat(5000)))).toBe(true);
    expect(sentLastEventId(request('  '))).toBe(false);
    expect(sentLastEventId(request())).toBe(false);
  });
});
