import { Injectable, Optional } from '@nestjs/common';
import { createHmac, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ClientIdProvider } from './client-id-provider.interface.js';

export interface CookieClientIdProviderOptions {
  /** Cookie name. Default `sse_client_id`. */
  name?: string;
  /** Cookie Path. Default `/`; scope it to the stream's route to keep it off other requests. */
  path?: string;
  /** Cookie Domain. Default: none (host-only). */
  domain?: string;
  /** `'auto'` (default) marks the cookie Secure when the request came over TLS. */
  secure?: boolean | 'auto';
  /** Default `Lax`. `None` needs `secure: true` or `'auto'` on TLS. */
  sameSite?: 'Strict' | 'Lax' | 'None';
  /** Lifetime in seconds. Default: a session cookie. */
  maxAge?: number;
  /**
   * Query parameter that tells the tabs of one browser apart, since they share the cookie.
   * With `?sse_tab=<token>` on the stream URL the id is `<cookie id>.<token>`, so each tab is its
   * own client; without it, a second tab replaces the first. Default `sse_tab`; `false` ignores it.
   */
  tabParam?: string | false;
  /**
   * Signs the id in the cookie (HMAC-SHA256), so that a client cannot pose as another by setting
   * the cookie to an id it has seen, whether to read that client's stream or to have it replaced.
   * Several secrets rotate: the first signs, any of them verifies, and a cookie signed with an
   * older one is signed again. At least 32 characters each. Default: none; ids are random UUIDs,
   * which cannot be guessed but are not protected once they leak (logs, admin pages).
   */
  secret?: string | readonly string[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const COOKIE_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const ATTRIBUTE_VALUE = /^[\x21-\x3a\x3c-\x7e]*$/;
const TAB = /^[A-Za-z0-9_-]{1,64}$/;
const EXPIRED = 'Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT';
const MIN_SECRET_LENGTH = 32;

/**
 * Keeps a client's id in an HttpOnly cookie, so the browser's automatic reconnects carry it.
 * A missing or malformed cookie yields a fresh id; headers are only touched while they can
 * still be sent.
 */
@Injectable()
export class CookieClientIdProvider implements ClientIdProvider {
  private readonly name: string;
  private readonly tabParam: string | false;
  private readonly attributes: (req: IncomingMessage) => string;
  private readonly signer?: CookieSigner;

  constructor(@Optional() options: CookieClientIdProviderOptions = {}) {
    this.name = checkCookieName(options.name ?? 'sse_client_id');
    this.tabParam = options.tabParam ?? 'sse_tab';
    this.attributes = buildAttributes(options);
    if (options.secret !== undefined) this.signer = new CookieSigner(options.secret);
  }

  acquireClientId(req: IncomingMessage, res: ServerResponse): string {
    const browserId = this.browserId(req, res);
    const tab = this.tabOf(req);
    return tab === undefined ? browserId : `${browserId}.${tab}`;
  }

  /**
   * Gives the browser its id cookie now, unless it has a valid one, and returns its id. Called for
   * the page that opens the streams (see SseClientIdCookieMiddleware), so that the streams a page
   * opens at once on a first visit all carry one cookie, instead of each getting one of its own.
   */
  issueCookie(req: IncomingMessage, res: ServerResponse): string {
    return this.browserId(req, res);
  }

  /**
   * Deletes the cookie, so that the browser's next visit is a new client, unless the id was a
   * tab's: the browser's other tabs share the cookie, and would lose their ids with it.
   */
  releaseClientId(_clientId: string, req: IncomingMessage, res: ServerResponse): void {
    if (this.tabOf(req) !== undefined) return;
    appendSetCookie(res, `${this.name}=; ${this.attributes(req)}; ${EXPIRED}`);
  }

  private tabOf(req: IncomingMessage): string | undefined {
    const tab = this.tabParam === false ? undefined : readQuery(req.url, this.tabParam);
    return tab !== undefined && TAB.test(tab) ? tab : undefined;
  }

  private browserId(req: IncomingMessage, res: ServerResponse): string {
    const cookie = readCookie(req.headers.cookie, this.name);
    const current = cookie === undefined ? undefined : this.verified(cookie);
    if (current?.id !== undefined && !current.resign) return current.id;
    const id = current?.id ?? randomUUID();
    appendSetCookie(res, `${this.name}=${this.signer ? this.signer.sign(id) : id}; ${this.attributes(req)}`);
    return id;
  }

  /** The id a cookie holds, if it is well-formed and, with a secret, signed by us. */
  private verified(cookie: string): { id?: string; resign: boolean } {
    if (!this.signer) return { id: UUID.test(cookie) ? cookie : undefined, resign: false };
    return this.signer.verify(cookie);
  }
}

/** `<uuid>.<signature>`; the signature never becomes part of the client id. */
class CookieSigner {
  private readonly secrets: readonly string[];

  constructor(secret: string | readonly string[]) {
    this.secrets = checkSecrets(secret);
  }

  sign(id: string): string {
    return `${id}.${this.signature(id, this.secrets[0]!)}`;
  }

  verify(cookie: string): { id?: string; resign: boolean } {
    const dot = cookie.indexOf('.');
    const id = cookie.slice(0, dot);
    if (dot < 0 || !UUID.test(id)) return { resign: false };
    const given = Buffer.from(cookie.slice(dot + 1));
    const index = this.secrets.findIndex((secret) => sameBytes(given, Buffer.from(this.signature(id, secret))));
    return index < 0 ? { resign: false } : { id, resign: index > 0 };
  }

  private signature(id: string, secret: string): string {
    return createHmac('sha256', secret).update(id).digest('base64url');
  }
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

function checkSecrets(secret: string | readonly string[]): readonly string[] {
  const secrets = typeof secret === 'string' ? [secret] : [...secret];
  const weak = secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || s.length < MIN_SECRET_LENGTH);
  if (weak) {
    throw new Error(
      `CookieClientIdProvider: secret must be a string of at least ${MIN_SECRET_LENGTH} characters, or a non-empty ` +
        "list of them (the first signs); e.g. crypto.randomBytes(32).toString('base64url'), kept out of the code.",
    );
  }
  return secrets;
}

function readQuery(url: string | undefined, name: string): string | undefined {
  const start = url?.indexOf('?') ?? -1;
  return start < 0 ? undefined : (new URLSearchParams(url!.slice(start + 1)).get(name) ?? undefined);
}

function buildAttributes(options: CookieClientIdProviderOptions): (req: IncomingMessage) => string {
  const sameSite = options.sameSite ?? 'Lax';
  const secure = options.secure ?? 'auto';
  if (sameSite === 'None' && secure === false) {
    throw new Error('CookieClientIdProvider: sameSite "None" needs a Secure cookie; set secure to true or "auto".');
  }
  let fixed = `Path=${checkAttribute(options.path ?? '/', 'path')}; HttpOnly; SameSite=${sameSite}`;
  if (options.domain !== undefined) fixed += `; Domain=${checkAttribute(options.domain, 'domain')}`;
  if (options.maxAge !== undefined) fixed += `; Max-Age=${checkMaxAge(options.maxAge)}`;
  if (secure === true) fixed += '; Secure';
  if (secure !== 'auto') return () => fixed;
  return (req) => (isSecure(req) ? `${fixed}; Secure` : fixed);
}

function isSecure(req: IncomingMessage): boolean {
  // Express sets req.secure from X-Forwarded-Proto when 'trust proxy' is on.
  const expressSecure = (req as IncomingMessage & { secure?: boolean }).secure;
  return expressSecure === true || (req.socket as { encrypted?: boolean } | undefined)?.encrypted === true;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    if (equals < 0 || pair.slice(0, equals).trim() !== name) continue;
    const value = pair.slice(equals + 1).trim();
    return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  }
  return undefined;
}

function appendSetCookie(res: ServerResponse, cookie: string): void {
  if (res.headersSent || res.writableEnded) return;
  const previous = res.getHeader('Set-Cookie');
  const list = previous === undefined ? [] : Array.isArray(previous) ? previous : [String(previous)];
  res.setHeader('Set-Cookie', [...list, cookie]);
}

function checkCookieName(name: string): string {
  if (!COOKIE_NAME.test(name)) {
    throw new Error(
      `CookieClientIdProvider: ${JSON.stringify(name)} is not a valid cookie name; use letters, digits and !#$%&'*+-.^_\`|~.`,
    );
  }
  return name;
}

function checkAttribute(value: string, option: string): string {
  if (!ATTRIBUTE_VALUE.test(value)) {
    throw new Error(`CookieClientIdProvider: ${option} ${JSON.stringify(value)} contains ";", spaces or control characters.`);
  }
  return value;
}

function checkMaxAge(seconds: number): number {
  if (!Number.isSafeInteger(seconds) || seconds <= 0) {
    throw new Error(`CookieClientIdProvider: maxAge is in whole seconds and must be > 0; got ${seconds}.`);
  }
  return seconds;
}
