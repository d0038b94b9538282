/** Handles that keep a process alive or leak across tests, by kind: sockets, servers, timers. */
export function openHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** Kinds of handle there are more of now than in `before`, with how many more. */
export function leftSince(before: Map<string, number>): [string, number][] {
  return [...openHandles()]
    .map(([kind, count]): [string, number] => [kind, count - (before.get(kind) ?? 0)])
    .filter(([, extra]) => extra > 0);
}

/** True once no socket or server is open: what the connections of earlier tests leave, a moment after. */
export function noConnectionsOpen(): boolean {
  const handles = openHandles();
  return !handles.has('TCPSocketWrap') && !handles.has('TCPServerWrap');
}
