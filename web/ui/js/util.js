// Small helpers shared by every page. DOM is built with textContent only,
// never innerHTML, so agent names, prompts and answers cannot inject markup.

export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k.startsWith('on') && typeof v === 'function') { el.addEventListener(k.slice(2), v); listened.add(el); }
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// fill replaces an element's children as h() builds them: arrays are
// flattened and null, undefined and false are left out (the DOM's own
// replaceChildren would show them as the text "null"). Use it wherever a
// child is conditional.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// morph makes el's children read as children (built as h() builds them)
// while keeping every node that did not change, and moving rather than
// rebuilding a row whose key (id, data-key, data-agent, data-arena,
// data-node) moved. Pages that repaint from a poll or a stream use it: a
// replaced node takes the keyboard focus, a text selection or a click
// under way with it, and the home page repaints every two seconds.
export function morph(el, ...children) {
  const next = document.createElement('div');
  append(next, children);
  syncChildren(el, [...next.childNodes]);
  return el;
}

// listened holds the elements h() gave event listeners: morph cannot copy
// a listener, so it keeps such an element only when it is unchanged.
const listened = new WeakSet();

function keyOf(n) {
  if (!n || n.nodeType !== Node.ELEMENT_NODE) return null;
  for (const a of ['id', 'data-key', 'data-agent', 'data-arena', 'data-node']) {
    const v = n.getAttribute(a);
    if (v) return `${n.nodeName}|${a}|${v}`;
  }
  return null;
}

function syncChildren(el, want) {
  const keyed = new Map();
  for (const c of el.childNodes) { const k = keyOf(c); if (k && !keyed.has(k)) keyed.set(k, c); }
  let i = 0;
  for (const n of want) {
    const cur = el.childNodes[i] || null;
    const k = keyOf(n);
    let o = cur;
    if (k !== keyOf(cur)) {
      o = k ? keyed.get(k) : null;
      // moveBefore keeps the focus inside a moved node; insertBefore
      // (older browsers) drops it, as a rebuild would.
      if (o) (el.moveBefore ? el.moveBefore(o, cur) : el.insertBefore(o, cur));
    }
    if (k) keyed.delete(k);
    if (!o) el.insertBefore(n, cur);
    else if (!sync(o, n)) el.replaceChild(n, o);
    i++;
  }
  while (el.childNodes.length > i) el.lastChild.remove();
}

// sync updates o in place to read as n, or says it cannot.
function sync(o, n) {
  if (o.nodeType !== n.nodeType || o.nodeName !== n.nodeName) return false;
  if (o.nodeType === Node.TEXT_NODE) { if (o.data !== n.data) o.data = n.data; return true; }
  if (o.nodeType !== Node.ELEMENT_NODE) return false;
  if (o.isEqualNode(n)) return true;
  if (listened.has(o) || listened.has(n)) return false;
  for (const a of [...o.attributes]) if (!n.hasAttribute(a.name)) o.removeAttribute(a.name);
  for (const a of n.attributes) if (o.getAttribute(a.name) !== a.value) o.setAttribute(a.name, a.value);
  syncChildren(o, [...n.childNodes]);
  return true;
}

const SVG = 'http://www.w3.org/2000/svg';
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null) continue;
    if (k === 'text') el.textContent = v; else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

// link makes an in-app link; the router intercepts clicks on [data-nav].
export function link(href, ...children) {
  return h('a', { href, 'data-nav': true }, ...children);
}

// agentName names an agent from a leaderboard row, a contest seat or
// anything else with agent_id, name and deleted: a link to its page, or,
// for an agent deleted since it played, its name as plain text marked
// "(deleted)", since its page is gone.
export function agentName(r) {
  if (r.deleted) {
    return h('span', { class: 'agent-name agent-deleted', title: 'This agent has been deleted; its results stay' },
      r.name, ' ', h('span', { class: 'muted small', text: '(deleted)' }));
  }
  const a = link(`/agents/${encodeURIComponent(r.agent_id)}`, r.name);
  a.className = 'agent-name';
  return a;
}

export class APIError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

// getJSON reads one API route. Network failures and error answers both
// throw, so callers can show one message for either.
export async function getJSON(path, { token, signal } = {}) {
  const headers = { Accept: 'application/json' };
  if (token) headers.Authorization = 'Bearer ' + token;
  let r;
  try {
    r = await fetch(path, { headers, cache: 'no-store', signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new APIError(0, 'network', 'cannot reach this node');
  }
  let body = null;
  try { body = await r.json(); } catch { /* not JSON */ }
  if (!r.ok) {
    throw new APIError(r.status, body?.error?.code || 'http', body?.error?.message || `${r.status} ${r.statusText}`);
  }
  return body;
}

export function wsURL(path) {
  const u = new URL(path, location.href);
  u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
  return u.href;
}

// The banner tells the reader the page is not live any more, and when it is
// again. Several sources (streams, polls, the leader watch) may report; each
// has a key. reportUp may say what "live again" means for its source.
const problems = new Map();
export function reportDown(key, message) { problems.set(key, message); paintBanner(); }
export function reportUp(key, restored = 'Connection restored: live again.') {
  if (!problems.delete(key)) return;
  paintBanner();
  if (problems.size === 0) notice(restored);
}
// notice shows a passing good-news message on the banner when nothing is
// wrong.
export function notice(message) {
  if (problems.size !== 0) return;
  const b = document.getElementById('banner');
  if (!b) return;
  b.hidden = false; b.className = 'banner ok'; b.textContent = message;
  clearTimeout(paintBanner.t);
  paintBanner.t = setTimeout(() => { if (problems.size === 0) b.hidden = true; }, 4000);
}
// dropProblem forgets a source's problem without announcing that it is
// live again: the source was given up (a stream closed), not restored.
export function dropProblem(key) { if (problems.delete(key)) paintBanner(); }
export function clearProblems() { problems.clear(); paintBanner(); }
function paintBanner() {
  const b = document.getElementById('banner');
  if (!b) return;
  if (problems.size === 0) { b.hidden = true; return; }
  clearTimeout(paintBanner.t);
  b.className = 'banner';
  b.textContent = [...problems.values()][problems.size - 1];
  b.hidden = false;
}

// LiveStream keeps a websocket open, reconnecting with backoff when it
// drops. url() is asked again before every attempt, so a contest stream can
// resume with ?since=<last seq>. While it is down the banner says so.
// onDrop, if given, hears of every close before the retry: a browser
// cannot see a failed handshake's status, so a page may ask the node over
// HTTP whether what it streams still exists, and close() the stream.
export class LiveStream {
  constructor({ key, url, onFrame, onOpen, onDrop, what }) {
    Object.assign(this, { key, url, onFrame, onOpen, onDrop, what });
    this.closed = false; this.attempt = 0; this.ws = null; this.timer = 0;
    this.connect();
  }
  connect() {
    if (this.closed) return;
    let ws;
    try { ws = new WebSocket(wsURL(this.url())); } catch { this.retry(); return; }
    this.ws = ws;
    let opened = false;
    ws.onopen = () => {
      opened = true; this.attempt = 0; reportUp(this.key);
      this.onOpen?.();
    };
    ws.onmessage = (m) => {
      let f; try { f = JSON.parse(m.data); } catch { return; }
      this.onFrame(f);
    };
    ws.onclose = (ev) => {
      if (this.closed || this.ws !== ws) return;
      this.ws = null;
      const why = ev.reason ? ` (${ev.reason})` : '';
      reportDown(this.key, `Lost the live connection to this node${opened ? why : ''}. Reconnecting… ` +
        `The ${this.what || 'page'} will catch up automatically.`);
      this.retry();
      this.onDrop?.({ opened });
    };
  }
  retry() {
    if (this.closed) return;
    const delay = Math.min(5000, 300 * 2 ** this.attempt++);
    this.timer = setTimeout(() => this.connect(), delay);
  }
  close() {
    this.closed = true; clearTimeout(this.timer); dropProblem(this.key);
    if (this.ws) { const ws = this.ws; this.ws = null; ws.close(); }
  }
}

// Poller calls fn now and every ms milliseconds, reporting failures on the
// banner; stop() ends it. A hidden tab asks nothing (a tab left open in
// the background polled for good, on the owner's key allowance too); it
// asks at once when it shows again.
export function poll(key, ms, fn) {
  let stopped = false, timer = 0, paused = false;
  const run = async () => {
    timer = 0;
    if (document.hidden) { paused = true; return; }
    try { await fn(); reportUp(key); }
    catch (e) {
      if (e.name !== 'AbortError') {
        reportDown(key, e.status === 0 || e.code === 'network'
          ? 'Cannot reach this node. Retrying… the page will update when it answers again.'
          : 'The node answered with an error: ' + e.message + '. Retrying…');
      }
    }
    if (!stopped) timer = setTimeout(run, ms);
  };
  const shown = () => { if (!document.hidden && paused && !stopped) { paused = false; run(); } };
  document.addEventListener('visibilitychange', shown);
  run();
  return () => { stopped = true; clearTimeout(timer); document.removeEventListener('visibilitychange', shown); reportUp(key); };
}

export function fmtRating(x) { return x === undefined || x === null ? '—' : Math.round(x).toString(); }
export function fmtDelta(x) {
  if (x === undefined || x === null) return '';
  const v = Math.round(x * 10) / 10;
  return (v > 0 ? '+' : v < 0 ? '−' : '±') + Math.abs(v).toFixed(1);
}
export function deltaClass(x) { return x > 0 ? 'delta-up' : x < 0 ? 'delta-down' : ''; }
export function fmtAgo(t) {
  const d = (Date.now() - new Date(t).getTime()) / 1000;
  if (!isFinite(d)) return '';
  if (d < 5) return 'just now';
  if (d < 60) return `${Math.round(d)} s ago`;
  if (d < 3600) return `${Math.round(d / 60)} min ago`;
  if (d < 86400) return `${Math.round(d / 3600)} h ago`;
  return new Date(t).toLocaleDateString();
}
// count says "1 game", "2 games".
export function count(n, one, many) { return `${n} ${n === 1 ? one : many}`; }
export function fmtTime(t) { return new Date(t).toLocaleString(); }
export function ordinal(n) {
  const s = ['th', 'st', 'nd', 'rd'], v = n % 100;
  return n + (s[(v - 20) % 10] || s[v] || s[0]);
}

// Money arrives as integer minor units; the node's GET /v1/arenas says the
// currency and how many decimal places its minor units have. app.js sets it
// before any page renders.
let currency = { code: 'ARC', exponent: 2 };
export function setCurrency(c) {
  if (c && typeof c.code === 'string' && Number.isInteger(c.exponent) && c.exponent >= 0 && c.exponent <= 8) currency = c;
}
export function currencyCode() { return currency.code; }
// fmtMoney shows minor units as "1.00 ARC"; sign: true adds "+" to gains,
// code: false leaves the currency out (a column that names it once).
// Integer arithmetic only, so no amount picks up a float's rounding.
export function fmtMoney(minor, { sign = false, code = true } = {}) {
  if (minor === undefined || minor === null || !Number.isFinite(Number(minor))) return '—';
  const n = Math.trunc(Number(minor)), e = currency.exponent, abs = Math.abs(n);
  const unit = 10 ** e, whole = Math.floor(abs / unit);
  const frac = e ? '.' + String(abs % unit).padStart(e, '0') : '';
  const pre = n < 0 ? '−' : sign && n > 0 ? '+' : '';
  return `${pre}${whole}${frac}` + (code ? ` ${currency.code}` : '');
}

// kindName says how the arena reaches an agent, in words (the API's
// kind codes: builtin, websocket, webhook, openai).
const kinds = { builtin: 'built-in bot', websocket: 'websocket agent', webhook: 'webhook agent', openai: 'model endpoint (OpenAI API)' };
export function kindName(kind) { return kinds[kind] || `${kind} agent`; }

// provisionalGames is how many settled contests make an agent established
// in an arena: its provisional_games, else the node's default, 10.
export function provisionalGames(arena) { return arena?.provisional_games || 10; }
// provisionalTitle explains a provisional badge under a threshold of n.
export function provisionalTitle(n) {
  return `Fewer than ${count(n, 'settled contest', 'settled contests')} in this arena: ranked after every established agent`;
}

// seatLabel names a seat as the protocol, the judges' rationales and
// arenactl do: counted from 0.
export function seatLabel(i) { return `seat ${i}`; }

// isPointsGame: two seats and a result from the rules (connect4), shown as
// chess sites show one: 1–0, 0–1, ½–½.
export function isPointsGame(c) { return c.game !== 'prompt' && c.seats.length === 2; }
// points is a seat's score from its place: 1 for a win, ½ for a draw, 0.
export function points(c, i) {
  if (!c.ranks) return null;
  const first = c.ranks.filter((r) => r === 0).length;
  return c.ranks[i] !== 0 ? 0 : first > 1 ? 0.5 : 1;
}
export function fmtPoints(p) { return p === null ? '—' : p === 0.5 ? '½' : String(p); }
// scoreLine is "1–0", "0–1" or "½–½" for a settled points game.
export function scoreLine(c) { return c.seats.map((_, i) => fmtPoints(points(c, i))).join('–'); }

// seatNames lists a contest's players as "a vs b".
export function vs(contest) { return contest.seats.map((x) => x.name).join(' vs '); }

// winnerText says who won a settled contest.
export function resultText(c) {
  if (c.status === 'aborted') return 'aborted';
  if (!c.ranks) return c.status;
  const first = c.seats.filter((_, i) => c.ranks[i] === 0).map((x) => x.name);
  if (first.length === c.seats.length) return isPointsGame(c) ? 'draw ½–½' : 'draw';
  return first.length === 1 ? `${first[0]} won` : `${first.join(' & ')} tied first`;
}

// paintNav lists the arenas in the header (app.js on every navigation,
// the home page at every poll), marking the one on screen.
export function paintNav(arenas) {
  const ul = document.getElementById('nav-arenas');
  if (!ul) return;
  const path = location.pathname.replace(/\/+$/, '') || '/';
  morph(ul, arenas.map((a) => {
    const href = `/arenas/${encodeURIComponent(a.name)}`;
    return h('li', { dataset: { arena: a.name } }, h('a', { href, 'data-nav': true, text: a.name, 'aria-current': href === path ? 'page' : undefined }));
  }));
}

// setClusterLine repaints the header's node / leader / health line from
// GET /v1/ui/status (or the home summary's copy), and tells the pages that
// follow the cluster (a contest pauses while there is no leader).
const clusterWatchers = new Set();
export function onCluster(fn) { clusterWatchers.add(fn); return () => clusterWatchers.delete(fn); }
export function setClusterLine(c) {
  if (!c) return;
  const p = document.getElementById('cluster-line');
  if (p) {
    const ready = c.ready ? 'ready' : `not ready (${c.reason || 'unknown'})`;
    // Adjacent text is one string, as in the line the page is served
    // with (index.html), whose text the browser parses into one node: the
    // first poll then changes nothing there either.
    const role = c.role === 'leader' ? [` · the leader · ${ready}`]
      : c.leader ? [' · follower of ', h('code', { text: c.leader }), ` · ${ready}`]
        : [' · follower · ', h('strong', { text: 'no leader' }), ` · ${ready}`];
    // morph: the line is a live region, and one rebuilt every two
    // seconds was read out again every two seconds.
    morph(p,
      h('span', { class: 'dot' + (c.ready ? '' : ' bad'), 'aria-hidden': 'true' }),
      'Node ', h('code', { text: c.node_id }), ...role);
  }
  for (const fn of clusterWatchers) fn(c);
}

// clusterUnreachable marks the header's line when this node does not
// answer its status: what it said last is no longer known to be true.
export function clusterUnreachable() {
  const p = document.getElementById('cluster-line');
  if (!p) return;
  const id = p.querySelector('code')?.textContent || document.querySelector('meta[name="arena-node"]')?.content || '';
  morph(p, h('span', { class: 'dot bad', 'aria-hidden': 'true' }), 'Node ', h('code', { text: id }), ' · ',
    h('strong', { text: 'not answering' }), ' · retrying');
}
