// Arena page: the leaderboard (Elo and Bradley–Terry with its 95% interval,
// games, W/D/L, a rating sparkline), sortable by any column, and the
// arena's running contests. It listens to the arena's live stream and
// re-reads the table when a settlement changes it: at most every couple of
// seconds (every ten for a board longer than a page), and not while the
// tab is hidden. It shows the first rowsShown rows of the sorted table and
// the rest on request.
import { h, morph, link, agentName, getJSON, LiveStream, fmtRating, vs, fmtAgo, fmtMoney, reportDown, reportUp, dropProblem, count, provisionalGames, provisionalTitle } from './util.js';
import { sparkline, intervalBar } from './charts.js';

// rowsShown is how many rows the table shows until the reader asks for
// all: a board of 900 agents was 20,000 elements, rebuilt at every read.
const rowsShown = 100;

const columns = [
  { key: 'rank', label: '#', aria: 'Rank', num: true, get: (r) => r.rank },
  { key: 'name', label: 'Agent', get: (r) => r.name.toLowerCase() },
  { key: 'owner', label: 'Owner', get: (r) => ownerName(r).toLowerCase(), cls: 'hide-narrow' },
  { key: 'elo', label: 'Elo', num: true, get: (r) => r.elo, desc: true },
  { key: 'bt', label: 'BT (95% CI)', get: (r) => r.bt?.rating ?? -Infinity, desc: true },
  { key: 'games', label: 'Games', num: true, get: (r) => r.games, desc: true },
  { key: 'wdl', label: 'W/D/L', num: true, get: (r) => r.wins + r.draws / 2, desc: true },
  { key: 'trend', label: 'Trend', get: null, cls: 'hide-narrow' },
];

export function render(main, { name }) {
  document.title = `${name} leaderboard — Agent Arena`;
  // provisional: how many settled contests make an agent established.
  const st = { name, rows: [], trends: {}, sort: 'rank', dir: 1, prevGames: new Map(), running: new Map(), provisional: provisionalGames() };
  const tbody = h('tbody', { id: 'board-rows' },
    h('tr', {}, h('td', { colspan: String(columns.length), class: 'empty', text: 'Loading the leaderboard…' })));
  const headRow = h('tr');
  const thead = h('thead', {}, headRow);
  const info = h('p', { class: 'small muted', id: 'arena-info' });
  const live = h('ul', { class: 'plain', id: 'arena-live' });
  const updated = h('p', { class: 'small muted', id: 'board-updated', 'aria-live': 'polite' });
  const method = h('p', { class: 'small muted', id: 'board-method' });
  // provisionalNote says how many contests make an agent established
  // here: an agent with 27 games marked provisional, under an arena's
  // threshold of 30, left a spectator guessing why.
  const provisionalNote = h('span', { id: 'board-provisional' });
  const paintProvisional = () => {
    provisionalNote.textContent = `Provisional agents have played fewer than ${count(st.provisional, 'settled contest', 'settled contests')} in this arena, too few to be ranked among the others: they are listed after every established agent, ranked among themselves.`;
  };
  paintProvisional();
  // more offers the rows past rowsShown, or to show fewer again.
  const more = h('p', { class: 'small', id: 'board-more', hidden: true });
  st.all = false;
  st.paint = () => paintTable(st, headRow, tbody, more);
  main.append(
    h('h1', {}, `${name} `, h('span', { class: 'muted', text: 'leaderboard' })), info,
    h('div', { class: 'table-wrap' }, h('table', { id: 'leaderboard' },
      h('caption', { class: 'visually-hidden', text: `Ratings in the ${name} arena. Column headers sort the table.` }), thead, tbody)),
    more, updated, method,
    h('p', { class: 'small muted' }, 'Elo moves after every contest. Bradley–Terry (BT) is fitted to all battles; the bar shows its 95% bootstrap interval, and agents whose intervals overlap share a BT rank. ', provisionalNote),
    h('section', { class: 'card', 'aria-labelledby': 'h-live' }, h('h2', { id: 'h-live' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), 'Running now'), live));

  const arenaPath = `/v1/arenas/${encodeURIComponent(name)}`;
  let refreshTimer = 0, gone = false, stream = null, seen = false, retries = 0, loaded = false;
  // A busy arena settles several contests a second, and the page read the
  // whole table and every agent's trend after each (50 reads a minute,
  // 20 MB, for a board of 900 agents): reads are at least minGap() apart,
  // and a change seen while the tab is hidden waits until it shows.
  let lastRead = -Infinity, missed = false;
  const minGap = () => (st.rows.length > rowsShown ? 10000 : 2000);
  // unknown replaces the page when the node has no such arena, and stops
  // listening for it.
  const unknown = (why = `There is no arena named ${name}.`) => {
    if (gone) return;
    gone = true; clearTimeout(refreshTimer); stream?.close();
    document.title = 'Unknown arena — Agent Arena';
    main.replaceChildren(h('h1', { text: 'Unknown arena' }), h('p', { class: 'err', id: 'arena-unknown', role: 'alert', text: why }),
      h('p', {}, link('/', 'Back to the arenas')));
  };
  const refresh = async () => {
    clearTimeout(refreshTimer);
    refreshTimer = 0; lastRead = Date.now(); missed = false;
    try {
      const [b, t] = await Promise.all([
        getJSON(`${arenaPath}/leaderboard`),
        getJSON(`${arenaPath}/trends`),
      ]);
      if (gone) return;
      st.rows = b.entries; st.trends = t.trends;
      // The server picks the ranking (Bradley–Terry for judged arenas); the
      // page shows its order and says which it is.
      method.textContent = `Ranked by ${b.method === 'bt' ? 'Bradley–Terry rank' : 'Elo'}.`;
      // A large arena's BT fit takes seconds, so the server refits it in
      // the background and serves the previous one meanwhile: say how old
      // the BT column is, and look again once the refit may have landed.
      if (b.bt_stale && b.bt_as_of) {
        method.textContent += ` Bradley–Terry covers the contests settled up to ${new Date(b.bt_as_of).toLocaleTimeString()}; it is being refitted.`;
      } else if (b.bt_stale) {
        method.textContent += ' Bradley–Terry is being fitted for this arena; the column fills in when it is done.';
      }
      st.paint();
      updated.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
      loaded = true; retries = 0;
      if (b.bt_stale) refreshTimer = setTimeout(refresh, Math.max(5000, minGap()));
      reportUp('board', 'The leaderboard is up to date again.');
    } catch (e) {
      if (gone) return;
      if (e.status === 404) { unknown(); return; }
      // A failed read left the table empty (or old) without a word until
      // the next settlement: say so, and read again with backoff.
      reportDown('board', `Could not read the leaderboard (${e.message}). Retrying…` +
        (loaded ? ' The table shows the last one read.' : ''));
      refreshTimer = setTimeout(refresh, Math.min(10000, 1000 * 2 ** retries++));
    }
  };
  // later reads the table again soon, once: a read already due shows this
  // change too.
  const later = () => {
    if (document.hidden) { missed = true; return; }
    if (refreshTimer) return;
    refreshTimer = setTimeout(refresh, Math.max(250, lastRead + minGap() - Date.now()));
  };
  const shown = () => { if (!document.hidden && missed) later(); };
  document.addEventListener('visibilitychange', shown);
  // paintInfo shows the arena's settings: from GET /v1/arenas/{name}, the
  // stream's snapshot, and every `arena` frame (an operator's change).
  const paintInfo = (a) => {
    if (!a) return;
    const parts = [a.game, `${a.seats} seats`, `${a.move_deadline_ms / 1000} s per move`, `stake ${fmtMoney(a.stake)}`];
    if (a.reward_mode === 'linear') parts.push('rewards linear by rank');
    else if (a.rewards?.length) parts.push(`rewards ${a.rewards.join('/')}%`);
    if (a.judges?.length) parts.push(`judges ${a.judges.join(', ')}`);
    if (a.distinct_owners) parts.push('one agent per owner per contest');
    info.textContent = parts.join(' · ');
    st.provisional = provisionalGames(a);
    paintProvisional();
  };
  const paintLive = () => {
    const list = [...st.running.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : -1));
    morph(live, (list.length ? list.map((c) => h('li', { class: 'row', dataset: { key: c.id } },
      link(`/contests/${encodeURIComponent(c.id)}`, vs(c)), h('span', { class: 'spacer' }),
      h('span', { class: 'small muted', text: `started ${fmtAgo(c.created_at)}` })))
      : [h('li', { class: 'empty', text: 'No contest is running in this arena right now.' })]));
  };
  const onFrame = (f) => {
    seen = true;
    if (f.type === 'snapshot') {
      paintInfo(f.arena);
      st.running = new Map(f.live.map((c) => [c.id, c]));
      paintLive();
      refresh(); // also after a reconnect: settlements may have been missed
    } else if (f.type === 'leaderboard') {
      later();
    } else if (f.type === 'arena') {
      // An operator changed the arena (deadline, stake, rewards,
      // provisional_games, ranking…): show the new settings and read the
      // table again, whose ranks and provisional marks may follow them.
      paintInfo(f.data);
      later();
    } else if (f.type === 'deleted') {
      // The operator deleted the arena while it was on screen: its table
      // is gone, its past contests stay at their own pages.
      unknown(`The arena ${name} was deleted by its operator. Its past contests are still at their own pages.`);
    } else if (f.type === 'contest') {
      const ev = f.data;
      if (ev.type === 'created' && ev.data) st.running.set(ev.contest, ev.data);
      if (ev.type === 'settled' || ev.type === 'aborted') st.running.delete(ev.contest);
      paintLive();
    }
  };
  const listen = () => {
    if (gone) return;
    stream = new LiveStream({
      key: 'arena', what: 'leaderboard', onFrame,
      url: () => `${arenaPath}/live`,
      // A browser cannot see why a handshake failed: until a frame has
      // come, ask whether the arena is there at all.
      onDrop: () => {
        if (!seen) getJSON(arenaPath).catch((e) => { if (e.status === 404) unknown(); });
      },
    });
  };
  // Ask for the arena before opening its stream: an unknown one is a 404
  // here, where a websocket would only fail, and fail again on every retry.
  getJSON(arenaPath).then((d) => { if (!gone) { paintInfo(d?.arena); listen(); } },
    (e) => { if (e.status === 404) unknown(); else listen(); }); // unreachable: the stream reports and retries
  // "started 5 s ago" ages: repaint the running list while it is on
  // screen (morph touches only the times), or a long contest read
  // "started just now" until something else happened in the arena.
  const ticker = setInterval(() => { if (!gone && st.running.size) paintLive(); }, 5000);
  return () => { gone = true; clearTimeout(refreshTimer); clearInterval(ticker); stream?.close(); dropProblem('board'); document.removeEventListener('visibilitychange', shown); };
}

// ownerName is how the table names an owner: the display name the node
// sends, the id only when it has none.
function ownerName(r) { return r.owner_name || r.owner_id; }

function paintTable(st, headRow, tbody, more) {
  // morph keeps what did not change: a rebuilt header or row took the
  // keyboard focus away at every settlement.
  morph(headRow, columns.map((c) => {
    const th = h('th', { scope: 'col', class: [c.num ? 'num' : '', c.cls || ''].join(' ').trim() || undefined });
    if (c.get) {
      th.setAttribute('aria-sort', st.sort === c.key ? (st.dir > 0 ? 'ascending' : 'descending') : 'none');
      th.append(h('button', { type: 'button', class: 'sort', dataset: { sort: c.key }, 'aria-label': c.aria, text: c.label, onclick: () => {
        if (st.sort === c.key) st.dir = -st.dir; else { st.sort = c.key; st.dir = c.desc ? -1 : 1; }
        st.paint();
        headRow.querySelector(`button[data-sort="${c.key}"]`)?.focus();
      } }));
    } else th.textContent = c.label;
    return th;
  }));
  const col = columns.find((c) => c.key === st.sort) || columns[0];
  const rows = st.rows.slice().sort((a, b) => {
    const x = col.get(a), y = col.get(b);
    return (x < y ? -1 : x > y ? 1 : 0) * st.dir || a.rank - b.rank;
  });
  const bts = st.rows.filter((r) => r.bt);
  const lo = Math.min(...bts.map((r) => r.bt.lower)), hi = Math.max(...bts.map((r) => r.bt.upper));
  if (rows.length === 0) {
    more.hidden = true;
    morph(tbody, h('tr', {}, h('td', { colspan: String(columns.length), class: 'empty', text: 'No settled contests in this arena yet.' })));
    return;
  }
  // The sort covers every row; the table shows the first rowsShown of it
  // unless the reader asked for all.
  const cut = !st.all && rows.length > rowsShown;
  more.hidden = rows.length <= rowsShown;
  if (!more.hidden) {
    morph(more, cut ? `Showing the first ${rowsShown} of ${rows.length} agents (sort by a column to see others first). ` : `Showing all ${rows.length} agents. `,
      h('button', { type: 'button', id: 'board-more-toggle', text: cut ? `Show all ${rows.length}` : `Show the first ${rowsShown} only`,
        onclick: () => { st.all = !st.all; st.paint(); } }));
  }
  morph(tbody, (cut ? rows.slice(0, rowsShown) : rows).map((r) => {
    const changed = st.prevGames.has(r.agent_id) && st.prevGames.get(r.agent_id) !== r.games;
    st.prevGames.set(r.agent_id, r.games);
    const trend = st.trends[r.agent_id] || [];
    return h('tr', { class: changed ? 'flash' : undefined, dataset: { agent: r.agent_id, games: r.games } },
      h('td', { class: 'num', text: String(r.rank) }),
      h('th', { scope: 'row', class: 'agent-cell' }, agentName(r),
        r.provisional ? h('span', { class: 'badge provisional', title: provisionalTitle(st.provisional), text: 'provisional' }) : null),
      h('td', { class: 'hide-narrow small owner', title: r.owner_id }, link(`/owners/${encodeURIComponent(r.owner_id)}`, ownerName(r))),
      h('td', { class: 'num', text: fmtRating(r.elo) }),
      h('td', { class: 'bt' }, h('div', { class: 'row' },
        h('span', { class: 'mono small bt-num', text: r.bt ? `${fmtRating(r.bt.rating)}` : '—' }),
        intervalBar(r.bt, lo, hi, r.bt ? `Bradley–Terry ${fmtRating(r.bt.rating)}, 95% interval ${fmtRating(r.bt.lower)} to ${fmtRating(r.bt.upper)}` : 'no Bradley–Terry rating yet')),
        r.bt ? h('span', { class: 'bt-ci mono small muted', text: `${fmtRating(r.bt.lower)}–${fmtRating(r.bt.upper)}` }) : null),
      h('td', { class: 'num games', text: String(r.games) }),
      h('td', { class: 'num wdl', text: `${r.wins}/${r.draws}/${r.losses}` }),
      h('td', { class: 'hide-narrow' }, sparkline(trend, trend.length > 1 ? `Elo from ${fmtRating(trend[0])} to ${fmtRating(trend[trend.length - 1])} over the last ${trend.length - 1} contests` : 'no trend yet')));
  }));
}
