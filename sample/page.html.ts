/** The sample's single page: its own id and state, a live log, and the tabs of its browser. */
export const PAGE = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>nestjs-sse sample</title>
<style>
  body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; padding: 0 1rem; color: #1d2330; }
  h1 { font-size: 1.4rem; margin-bottom: .2rem; }
  .muted { color: #667; }
  .grid { display: grid; grid-template-columns: 1fr 1fr; gap: 1.5rem; }
  section { border: 1px solid #d8dce6; border-radius: 8px; padding: 1rem; }
  #state { font-weight: 600; padding: .1rem .5rem; border-radius: 4px; background: #eee; }
  #state[data-state="open"] { background: #d9f7e1; color: #146c2e; }
  #state[data-state="connecting"] { background: #fff3cd; color: #7a5b00; }
  #state[data-state="closed"] { background: #fde2e1; color: #a11d1d; }
  #log { height: 18rem; overflow: auto; font: 13px ui-monospace, monospace; background: #f6f7fa; padding: .5rem; margin: 0; }
  table { width: 100%; border-collapse: collapse; font-size: 13px; }
  td, th { text-align: left; padding: .3rem; border-bottom: 1px solid #eee; }
  code { font-size: 12px; }
  .you { font-weight: 600; }
</style>
</head>
<body>
<h1>nestjs-sse sample</h1>
<p class="muted">Open this page in two tabs, then disconnect one tab from the other: its stream ends, its reconnect is answered with 204, and it stays closed.</p>
<div class="grid">
  <section>
    <p>State: <span id="state" data-state="connecting">connecting</span></p>
    <p>Client id: <code id="client-id">…</code></p>
    <form id="say"><input id="text" placeholder="Say something to everyone" size="30"> <button>Broadcast</button></form>
    <form id="group-form">
      Group <input id="group" value="room-1" size="10" pattern="[\\w-]{1,32}">
      <button type="button" id="join">Join</button> <button type="button" id="leave">Leave</button>
      <input id="group-text" placeholder="Say to the group" size="16"> <button id="say-group">Send</button>
    </form>
    <p>My groups: <span id="my-groups">…</span></p>
    <form id="ask"><input id="question" placeholder="Ask something (a streamed POST)" size="30"> <button>Ask</button></form>
    <p id="answer" class="muted"></p>
    <h3>Live events</h3>
    <pre id="log"></pre>
  </section>
  <section>
    <h3>This browser's tabs <button id="refresh">Refresh</button></h3>
    <p class="muted">Every tab of a browser shares its signed id cookie, so a page may end its own browser's tabs, and no one else's.</p>
    <table><thead><tr><th>id</th><th>groups</th><th></th></tr></thead><tbody id="tabs"></tbody></table>
  </section>
</div>
<script>
  const $ = (id) => document.getElementById(id);
  let myId = null;
  const log = (line) => { $('log').textContent = new Date().toLocaleTimeString() + '  ' + line + '\\n' + $('log').textContent; };
  const setState = (state) => { $('state').textContent = state; $('state').dataset.state = state; };

  // Tabs share the id cookie; naming the tab makes each one its own client.
  const tab = Math.random().toString(36).slice(2, 10);
  const me = (path = '') => '/events/me' + path + '?sse_tab=' + tab;
  const post = (url, body) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body ?? {}) });
  const source = new EventSource('/events?sse_tab=' + tab);
  source.onopen = () => { setState('open'); log('stream open'); refresh(); };
  source.onerror = () => {
    const closed = source.readyState === EventSource.CLOSED;
    setState(closed ? 'closed' : 'connecting');
    log(closed ? 'stream closed for good (the server refused the reconnect)' : 'stream lost, reconnecting…');
  };
  source.addEventListener('tick', (e) => { const t = JSON.parse(e.data); log('tick #' + t.n + ' from ' + t.from + ' (' + t.clients + ' clients)'); });
  source.addEventListener('chat', (e) => { const c = JSON.parse(e.data); log('chat' + (c.group ? ' in ' + c.group : '') + ': ' + c.text); });
  source.addEventListener('shutdown', () => log('the server is restarting; reconnecting…'));

  const showGroups = (groups) => { $('my-groups').textContent = groups.join(', ') || 'none'; };
  async function refresh() {
    const response = await fetch(me());
    if (!response.ok) return;
    const state = await response.json();
    myId = state.id;
    $('client-id').textContent = myId;
    showGroups(state.groups);
    $('tabs').replaceChildren(...state.tabs.map((t) => {
      const row = document.createElement('tr');
      row.innerHTML = '<td><code></code></td><td></td><td><button>Disconnect</button></td>';
      row.querySelector('code').textContent = t.id;
      row.children[1].textContent = t.groups.join(', ');
      if (t.id === myId) row.className = 'you';
      row.querySelector('button').onclick = async () => {
        await post('/events/me/tabs/' + encodeURIComponent(t.id.split('.')[1]) + '/disconnect');
        refresh();
      };
      return row;
    }));
  }
  const groupUrl = () => me('/groups/' + encodeURIComponent($('group').value));
  const changeGroup = async (response) => { if (response.ok) showGroups((await response.json()).groups); refresh(); };
  $('join').onclick = async () => changeGroup(await fetch(groupUrl(), { method: 'POST' }));
  $('leave').onclick = async () => changeGroup(await fetch(groupUrl(), { method: 'DELETE' }));
  $('group-form').onsubmit = async (e) => {
    e.preventDefault();
    await post(me('/say'), { text: $('group-text').value, group: $('group').value });
    $('group-text').value = '';
  };
  // A stream started with POST, read with fetch: it does by hand what EventSource does by itself
  // (send Last-Event-ID when it retries, honour retry:, stop on 204).
  async function ask(question) {
    const conversation = Math.random().toString(36).slice(2, 10);
    let lastEventId = null, retry = 2000;
    $('answer').textContent = '';
    for (;;) {
      const headers = { 'content-type': 'application/json', accept: 'text/event-stream' };
      if (lastEventId) headers['last-event-id'] = lastEventId;
      try {
        const response = await fetch('/events/ask/' + conversation, { method: 'POST', headers, body: JSON.stringify({ question }) });
        if (response.status === 204 || !response.ok) return;
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.search(/\\r?\\n\\r?\\n/)) !== -1) {
            const frame = { event: 'message', data: [] };
            for (const line of buffer.slice(0, end).split(/\\r?\\n/)) {
              const [field, ...rest] = line.split(':');
              const text = rest.join(':').replace(/^ /, '');
              if (field === 'id') lastEventId = text;
              else if (field === 'event') frame.event = text;
              else if (field === 'data') frame.data.push(text);
              else if (field === 'retry') retry = Number(text);
            }
            buffer = buffer.slice(buffer.slice(end).match(/^\\r?\\n\\r?\\n/)[0].length + end);
            if (frame.event === 'token') $('answer').textContent += frame.data.join('\\n');
            if (frame.event === 'done') { reader.cancel(); return; }
          }
        }
      } catch { /* the connection dropped: retry below */ }
      await new Promise((resolve) => setTimeout(resolve, retry));
    }
  }
  $('ask').onsubmit = (e) => { e.preventDefault(); ask($('question').value); };
  $('refresh').onclick = refresh;
  setInterval(refresh, 5000);
  $('say').onsubmit = async (e) => {
    e.preventDefault();
    await post(me('/say'), { text: $('text').value });
    $('text').value = '';
  };
</script>
</body>
</html>
`;
