// An agent's connection as its owner and the operator see it: whether its
// websocket is open, on which node, since when, and where it waits. The
// node answers these (GET /v1/agents/{id}: connection, queued) to the
// owner's key and the operator token only, so the owner page asks with a
// key typed into this tab.
import { h, fmtAgo, fmtTime } from './util.js';

// KEY holds the owner key typed in on an owner page; OPERATOR, the
// operator page's token, which sees every owner's connections too. Both
// live in this tab's sessionStorage only.
export const KEY = 'arena.ownerKey', OPERATOR = 'arena.operatorToken';

// credential is the key the pages ask for connections with, and whose.
export function credential() {
  const key = sessionStorage.getItem(KEY);
  if (key) return { token: key, as: 'owner' };
  const op = sessionStorage.getItem(OPERATOR);
  return op ? { token: op, as: 'operator' } : null;
}

// fmtClock is a time of day, or a date and time when not today.
function fmtClock(t) {
  const d = new Date(t);
  return d.toDateString() === new Date().toDateString() ? d.toLocaleTimeString() : d.toLocaleString();
}

// connCell says whether one agent is connected, and where it waits.
export function connCell(r) {
  if (r instanceof Error) return h('span', { class: 'muted', text: r.status === 404 ? 'deleted' : `could not ask (${r.message})` });
  const q = r.queued || [];
  const waiting = q.length ? h('div', { class: 'small muted conn-queued', text: `waiting in ${q.map((x) => x.arena).join(', ')}` }) : null;
  const c = r.connection;
  if (!c) {
    // Webhook, model endpoint and built-in agents hold no socket: the
    // arena calls them when it is their turn.
    return [h('span', { class: 'muted conn-state', dataset: { state: 'none' }, text: 'no socket (the arena calls it)' }), ' ', waiting];
  }
  const at = c.since ? h('span', { title: fmtTime(c.since), text: c.state === 'connected' ? `since ${fmtClock(c.since)}` : fmtAgo(c.since) }) : null;
  switch (c.state) {
    case 'connected':
      return [h('span', { class: 'conn-state conn-up', dataset: { state: c.state } }, h('span', { class: 'dot', 'aria-hidden': 'true' }), 'connected'), ' ',
        h('div', { class: 'small muted' }, `to ${c.node_id}`, at ? [' · ', at] : null), ' ', waiting];
    case 'disconnected':
      return [h('span', { class: 'conn-state conn-down', dataset: { state: c.state } }, h('span', { class: 'dot', 'aria-hidden': 'true' }), 'not connected'), ' ',
        h('div', { class: 'small muted' }, at ? ['last socket closed ', at] : `no socket since ${c.node_id} became leader`), ' ', waiting];
    default:
      return [h('span', { class: 'conn-state', dataset: { state: c.state } }, 'unknown'), ' ',
        c.reason ? h('div', { class: 'small muted', text: c.reason }) : null, ' ', waiting];
  }
}
