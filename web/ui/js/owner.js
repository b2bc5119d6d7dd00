// Owner page: who an owner is in the arena (the display name its agents'
// pages show) and its agents, each with its current Elo in every arena it
// has played, as a player page lists a player's ratings per variant.
//
// Whether a websocket agent is connected is shown only to its owner and
// the operator (GET /v1/owners/{id}/connections answers them alone): the
// owner types its API key in here, kept in this tab's sessionStorage as
// the operator page keeps its token, and the page then asks for the
// connections and queue places of the agents it shows every few seconds,
// in one request for the whole page (it made one per agent, so an owner
// with many agents spent its key's request allowance watching them).
import { h, fill, morph, link, getJSON, poll, fmtRating, fmtAgo, fmtTime, kindName } from './util.js';
import { KEY, OPERATOR, credential, connCell } from './conn.js';

// pageSize is how many agents a page lists. An owner with more has
// further pages, /owners/{id}?after=<the list's next_cursor>&from=<how
// many agents the pages before listed>, so each says which it is.
const pageSize = 50;
// connEvery is how often the connections are read again (ms).
const connEvery = 5000;

export function render(main, { id }) {
  if (id === 'me') return me(main);
  document.title = 'Owner — Agent Arena';
  let gone = false, stop = null;
  main.append(h('p', { class: 'loading', text: 'Loading owner…' }));
  // after is the cursor of this page, as the previous page's link gave it
  // (the list's own next_cursor, passed on as it came).
  const q = new URLSearchParams(location.search);
  const after = q.get('after') || '';
  // from is how many agents the pages before this one listed (absent on
  // an old link: the page then does not number its agents).
  const from = after ? (/^\d{1,7}$/.test(q.get('from') || '') ? Number(q.get('from')) : null) : 0;
  getJSON(`/v1/agents?owner=${encodeURIComponent(id)}&limit=${pageSize}` + (after ? `&cursor=${encodeURIComponent(after)}` : '')).then(async (d) => {
    if (gone) return;
    if (!d.owner_name && d.agents.length === 0 && !after) {
      fill(main, h('h1', { text: 'Owner' }), h('p', { class: 'err', role: 'alert', text: `No owner ${id}.` }));
      return;
    }
    // The page's agents' ratings in one request, from the same cursor (it
    // asked each agent's rating history, one request per agent shown);
    // twice the page, as for the connections, in case agents were created
    // among these since. Ratings that cannot be read leave the cells
    // empty rather than the whole page.
    const byAgent = new Map();
    if (d.agents.length) {
      await getJSON(`/v1/owners/${encodeURIComponent(id)}/ratings?limit=${2 * pageSize}` + (after ? `&cursor=${encodeURIComponent(after)}` : ''))
        .then((r) => { for (const x of r.ratings) byAgent.set(x.agent_id, x.arenas); }, () => {});
    }
    if (gone) return;
    const ratings = d.agents.map((a) => byAgent.get(a.id) ?? null);
    const view = paint(main, id, d, ratings, after, from);
    if (d.agents.length === 0) return;
    const start = () => {
      stop?.(); stop = null;
      stop = connections(view, id, after, d.agents, start);
    };
    start();
  }).catch((e) => {
    if (gone) return;
    fill(main, h('h1', { text: 'Owner' }), h('p', { class: 'err', role: 'alert', text: `Could not load the owner: ${e.message}` }));
  });
  return () => { gone = true; stop?.(); };
}

// me serves /owners/me, the API's owner=me: the page of the owner whose
// API key is typed in this tab, or the form to type one in. It asked the
// node for owner=me without a key, and showed the 401.
function me(main) {
  document.title = 'Your agents — Agent Arena';
  let gone = false;
  const ask = (why) => fill(main, h('h1', { text: 'Your agents' }),
    why ? h('p', { class: 'err', role: 'alert', id: 'owner-key-refused', text: why }) : null,
    h('p', { text: 'This is the page of the owner whose API key is typed here.' }),
    keyForm('Show my agents', () => run()));
  const run = () => {
    const key = sessionStorage.getItem(KEY);
    if (!key) { ask(); return; }
    main.replaceChildren(h('p', { class: 'loading', text: 'Loading your agents…' }));
    getJSON('/v1/owners/me', { token: key }).then((d) => {
      if (gone) return;
      // The owner's own address, as if the page had been opened there.
      history.replaceState(null, '', `/owners/${encodeURIComponent(d.owner.id)}`);
      dispatchEvent(new PopStateEvent('popstate'));
    }, (e) => {
      if (gone) return;
      if (e.status === 401 || e.status === 403) { sessionStorage.removeItem(KEY); ask(`The node refused the key (${e.message}).`); return; }
      fill(main, h('h1', { text: 'Your agents' }), h('p', { class: 'err', role: 'alert', text: `Could not read your owner: ${e.message}` }));
    });
  };
  run();
  return () => { gone = true; };
}

// keyForm is the form that takes an owner key into this tab, then calls
// done.
function keyForm(label, done) {
  const input = h('input', { type: 'password', id: 'owner-key', name: 'key', autocomplete: 'off', required: true, 'aria-describedby': 'owner-key-help' });
  const form = h('form', { class: 'inline', id: 'owner-key-form' },
    h('label', { for: 'owner-key', text: 'Owner API key' }), input,
    h('button', { type: 'submit', class: 'primary', text: label }));
  form.addEventListener('submit', (ev) => { ev.preventDefault(); sessionStorage.setItem(KEY, input.value.trim()); input.value = ''; done(); });
  return [form, h('p', { class: 'small muted', id: 'owner-key-help', text: 'Only an agent\'s owner (and the operator) can see whether it is connected. ' +
    'The key stays in this browser tab (sessionStorage) and is sent only to this node.' })];
}

// current is an agent's rating in each arena it played, with its contest
// count, in arena name order.
function current(arenas) {
  return (arenas || []).map((x) => ({ arena: x.arena, elo: x.elo, contests: x.games }))
    .sort((a, b) => a.arena.localeCompare(b.arena));
}

function paint(main, id, d, ratings, after, from) {
  const name = d.owner_name || id;
  document.title = `${name} — Agent Arena`;
  const view = { access: h('div', { id: 'owner-access' }), conns: new Map(), head: null, note: null };
  const rows = d.agents.map((a, i) => {
    const rs = current(ratings[i]);
    const conn = h('td', { class: 'conn', hidden: true });
    view.conns.set(a.id, conn);
    return h('tr', { dataset: { agent: a.id } },
      h('td', {}, link(`/agents/${encodeURIComponent(a.id)}`, a.name)),
      h('td', { class: 'hide-narrow', title: a.kind, text: kindName(a.kind) }),
      h('td', { class: 'ratings' }, ratings[i] === null ? '—' : rs.length === 0 ? h('span', { class: 'muted', text: 'no settled contests' })
        : rs.map((r) => h('span', { class: 'rating', dataset: { arena: r.arena } },
          link(`/arenas/${encodeURIComponent(r.arena)}`, r.arena), ` ${fmtRating(r.elo)} `, h('span', { class: 'muted small', text: `(${r.contests})` }), ' '))),
      conn,
      h('td', { class: 'hide-narrow', title: fmtTime(a.created_at), text: fmtAgo(a.created_at) }));
  });
  view.head = h('th', { scope: 'col', class: 'conn', hidden: true, text: 'Connection' });
  view.note = h('p', { class: 'small muted', id: 'owner-conn-note', hidden: true });
  fill(main,
    h('h1', { id: 'owner-name', text: name }),
    h('p', { class: 'muted small' }, 'owner ', h('code', { text: id })),
    h('section', { class: 'card', 'aria-labelledby': 'h-agents' }, h('h2', { id: 'h-agents', text: 'Agents' }),
      rows.length ? h('table', { id: 'owner-agents' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Agent' }), h('th', { scope: 'col', class: 'hide-narrow', text: 'Kind' }),
          h('th', { scope: 'col', text: 'Elo by arena (contests)' }), view.head, h('th', { scope: 'col', class: 'hide-narrow', text: 'Created' }))),
        h('tbody', {}, rows)) : h('p', { class: 'empty', text: after ? 'No more agents.' : 'No agents (any it had were deleted).' }),
      after || d.next_cursor ? h('p', { class: 'small row', id: 'owner-pages' },
        // An owner with a thousand agents clicked through twenty pages
        // that never said which one it was on.
        rows.length && from !== null ? h('span', { id: 'owner-range', text: `Agents ${from + 1}–${from + rows.length}${d.next_cursor ? '' : ` of ${from + rows.length}`}` }) : null,
        after ? link(`/owners/${encodeURIComponent(id)}`, '← First page') : null,
        d.next_cursor ? link(`/owners/${encodeURIComponent(id)}?after=${encodeURIComponent(d.next_cursor)}` + (from !== null ? `&from=${from + rows.length}` : ''), `Next ${pageSize} agents →`) : null) : null,
      view.note, rows.length ? view.access : null));
  return view;
}

// connections shows each agent's connection and queue places to the
// owner or the operator, read again every connEvery ms with one request
// for the page (GET /v1/owners/{id}/connections from the page's own
// cursor); without a key it offers the form to type one in. restart runs
// it again after the key changes. It returns what stops it.
function connections(view, owner, after, agents, restart) {
  const cred = credential();
  const show = (on) => {
    view.head.hidden = !on; view.note.hidden = !on;
    for (const td of view.conns.values()) td.hidden = !on;
  };
  if (!cred) {
    show(false);
    fill(view.access, h('details', {},
      h('summary', { text: 'Your agents? See whether they are connected' }), keyForm('Show connections', restart)));
    return null;
  }
  const forget = () => { sessionStorage.removeItem(cred.as === 'owner' ? KEY : OPERATOR); restart(); };
  fill(view.access, h('p', { class: 'small muted' },
    cred.as === 'owner' ? 'Connections are shown with the owner key typed in this tab. '
      : 'Connections are shown with the operator token typed on the Operator page in this tab. ',
    h('button', { type: 'button', id: 'owner-key-forget', text: cred.as === 'owner' ? 'Forget key' : 'Forget token', onclick: forget })));
  view.note.textContent = `Connection: whether the agent's websocket is open now, as the leader (where agents connect) sees it; read every ${connEvery / 1000} s.`;
  show(true);
  let refused = false;
  const refuse = (why) => {
    refused = true; stopPoll();
    show(false);
    fill(view.access, h('p', { class: 'err', role: 'alert', id: 'owner-key-refused', text: why }),
      h('p', {}, h('button', { type: 'button', id: 'owner-key-forget', text: cred.as === 'owner' ? 'Forget key' : 'Forget token', onclick: forget })));
  };
  // The page's agents are the owner's first pageSize after its cursor
  // when it loaded; asking for twice as many from the same cursor still
  // covers them all after a few agents are created among them.
  const url = `/v1/owners/${encodeURIComponent(owner)}/connections?limit=${2 * pageSize}` + (after ? `&cursor=${encodeURIComponent(after)}` : '');
  const stopPoll = poll('owner-conn', connEvery, async () => {
    let d;
    try {
      d = await getJSON(url, { token: cred.token });
    } catch (e) {
      if (refused) return;
      if (e.status === 401) { refuse(`The node refused the ${cred.as === 'owner' ? 'key' : 'token'} (${e.message}).`); return; }
      // Another owner's key: the node says so.
      if (e.status === 403) { refuse(`That key is not this owner's: only an agent's owner and the operator see whether it is connected (${e.message}).`); return; }
      throw e;
    }
    if (refused) return;
    const by = new Map(d.connections.map((x) => [x.agent_id, x]));
    const last = d.connections.length ? d.connections[d.connections.length - 1].agent_id : '';
    for (const a of agents) {
      const td = view.conns.get(a.id);
      const x = by.get(a.id);
      if (!td) continue;
      // Not in the answer though its place was: deleted since the page
      // loaded. Past the answer's end (many agents created among these):
      // left as it was.
      if (x) morph(td, connCell(x));
      else if (!d.next_cursor || a.id < last) morph(td, connCell(Object.assign(new Error('deleted'), { status: 404 })));
    }
  });
  return stopPoll;
}
