const EVENT_STREAM = 'text/event-stream';

/**
 * True when an Accept header lets us answer with text/event-stream. The most specific matching
 * media range decides (RFC 9110 12.5.1), so `text/*;q=0, text/event-stream` is accepted and
 * `*\/*, text/event-stream;q=0` is not. No header at all means anything goes.
 */
export function acceptsEventStream(accept: string | undefined): boolean {
  if (accept === undefined || accept.trim() === '') return true;
  let bestSpecificity = -1;
  let quality = 0;
  for (const range of accept.split(',')) {
    const [mediaType = '', ...parameters] = range.split(';');
    const specificity = specificityOf(mediaType.trim().toLowerCase());
    if (specificity < bestSpecificity) continue;
    const q = qualityOf(parameters);
    quality = specificity > bestSpecificity ? q : Math.max(quality, q);
    bestSpecificity = specificity;
  }
  return bestSpecificity >= 0 && quality > 0;
}

function specificityOf(mediaType: string): number {
  if (mediaType === EVENT_STREAM) return 2;
  if (mediaType === 'text/*') return 1;
  if (mediaType === '*/*') return 0;
  return -1;
}

function qualityOf(parameters: string[]): number {
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() !== 'q') continue;
    const text = value.trim();
    const q = text === '' ? Number.NaN : Number(text);
    // A malformed q is the client's mistake; reading it as "acceptable" fails open.
    return Number.isFinite(q) && q >= 0 && q <= 1 ? q : 1;
  }
  return 1;
}
