/** Checks a millisecond duration from configuration and names the option when it is wrong. */
export function checkDuration(value: unknown, option: string, { allowZero = false } = {}): number {
  const ok = typeof value === 'number' && Number.isSafeInteger(value) && (allowZero ? value >= 0 : value > 0);
  if (!ok) {
    const bound = allowZero ? '>= 0' : '> 0';
    throw new Error(`${option} must be a whole number of milliseconds ${bound}; got ${String(value)}.`);
  }
  return value;
}

export function checkCount(value: unknown, option: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new Error(`${option} must be a whole number > 0; got ${String(value)}.`);
  }
  return value;
}
