// Agent page: rating history per arena, recent contests, results against
// its most frequent opponents, and what it earned (payouts minus stakes).
// Earnings and opponents are counted over the agent's latest contests
// (those one request lists, `latest`), and each says so.
import { h, fill, morph, link, agentName, getJSON, poll, fmtRating, fmtDelta, deltaClass, fmtAgo, ordinal, resultText, fmtMoney, currencyCode, kindName } from './util.js';
import { lineChart, fitChart, seriesColor } from './charts.js';
import { credential, connCell } from './conn.js';

// latest is how many of the agent's latest contests the page reads;
// shown, how many of them the table lists.
const latest = 200, shown = 30;
// chartPoints is how many of each arena's latest ratings the chart draws.
const chartPoints = 1000;

export function render(main, { id }) {
  document.title = 'Agent — Agent Arena';
  let gone = false, stop = null;
  main.append(h('p', { class: 'loading', text: 'Loading agent…' }));
  Promise.all([
    getJSON(`/v1/agents/${encodeURIComponent(id)}`),
    // The chart draws each arena's latest points; contests counts them all.
    getJSON(`/v1/agents/${encodeURIComponent(id)}/ratings?limit=${chartPoints}`),
    getJSON(`/v1/contests?agent=${encodeURIComponent(id)}&limit=${latest}`),
  ]).then(([a, r, cs]) => {
    if (gone) return;
    // next_cursor: older contests exist beyond the ones read.
    paint(main, a.agent, a.owner_name, r.history, r.contests || {}, cs.contests, !!cs.next_cursor || cs.contests.length >= latest);
    stop = connection(id);
  }).catch((e) => {
    if (gone) return;
    main.replaceChildren(h('h1', { text: 'Agent' }), h('p', { class: 'err', role: 'alert', text: e.status === 404 ? `No agent ${id}.` : `Could not load the agent: ${e.message}` }));
  });
  return () => { gone = true; stop?.(); };
}

// connection shows the agent's owner (or the operator), with the key it
// typed on the owner page in this tab, whether the agent is connected:
// the node answers that to them alone. Anyone else sees nothing here.
function connection(id) {
  const cred = credential(), slot = document.getElementById('agent-conn');
  if (!cred || !slot) return null;
  let stopped = false;
  const stop = poll('agent-conn', 5000, async () => {
    let r;
    try {
      r = await getJSON(`/v1/agents/${encodeURIComponent(id)}`, { token: cred.token });
    } catch (e) {
      // A refused key, or the agent gone: not this page's to report.
      if (e.status === 401 || e.status === 403 || e.status === 404) { stopped = true; stop(); slot.hidden = true; return; }
      throw e;
    }
    if (stopped || !r.queued) { slot.hidden = true; return; } // another owner's key
    slot.hidden = false;
    morph(slot, h('span', { class: 'muted', text: 'Connection: ' }), connCell(r),
      h('span', { class: 'small muted', text: cred.as === 'owner' ? ' (shown to its owner, with the key typed in this tab)' : ' (shown to the operator)' }));
  });
  return stop;
}

function paint(main, agent, ownerName, history, counts, contests, more) {
  document.title = `${agent.name} — Agent Arena`;
  // Rating history, one series per arena: its latest points (chartPoints).
  const byArena = new Map();
  for (const p of history) {
    if (!byArena.has(p.arena)) byArena.set(p.arena, []);
    const pts = byArena.get(p.arena);
    // x counts contests: the rating before the first point drawn (the
    // start rating unless older points were left out), then one point per
    // contest.
    const skipped = Math.max(0, (counts[p.arena] ?? 0) - chartPoints);
    if (pts.length === 0) pts.push({ x: skipped, y: p.before / 1000 });
    pts.push({ x: skipped + pts.length, y: p.after / 1000 });
  }
  const series = [...byArena].map(([name, points]) => ({ name, points }));
  const current = series.map((x, i) => h('span', { style: `--c:${seriesColor(i)}`, text: `${x.name}: Elo ${fmtRating(x.points[x.points.length - 1].y)} (${counts[x.name] ?? x.points.length - 1} contests)` }));

  // Earnings and head-to-head from the settled contests read (the latest
  // `latest` contests; `more` when the agent has older ones).
  let earned = 0, staked = 0;
  const opp = new Map();
  const mine = (c) => c.seats.findIndex((s) => s.agent_id === agent.id);
  for (const c of contests) {
    const i = mine(c);
    if (i < 0 || c.status !== 'settled') continue;
    earned += c.payouts?.[i] ?? 0;
    // What the seat staked when the contest began (the arena's stake may
    // have changed since).
    staked += c.stakes?.[i] ?? 0;
    c.seats.forEach((s, j) => {
      if (j === i) return;
      // deleted: the opponent's page is gone, so it is named unlinked.
      const o = opp.get(s.agent_id) || { name: s.name, agent_id: s.agent_id, deleted: !!s.deleted, games: 0, score: 0, w: 0, d: 0, l: 0 };
      o.games++;
      const a = c.ranks[i], b = c.ranks[j];
      if (a < b) { o.score += 1; o.w++; } else if (a === b) { o.score += 0.5; o.d++; } else o.l++;
      opp.set(s.agent_id, o);
    });
  }
  const frequent = [...opp.values()].sort((a, b) => b.games - a.games).slice(0, 8);
  const settled = contests.filter((c) => c.status === 'settled').length;
  const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;
  // over says which contests the sums cover: all of the agent's settled
  // contests, or only those among its `latest` newest.
  const over = more
    ? `its latest ${plural(settled, 'settled contest', 'settled contests')} (the settled ones among its latest ${contests.length} contests; older ones are not counted)`
    : settled === 0 ? 'its settled contests (none yet)' : settled === 1 ? 'its only settled contest' : `all ${settled} of its settled contests`;
  const listed = Math.min(shown, contests.length);

  fill(main,
    h('h1', { text: agent.name }),
    h('p', { class: 'muted' }, h('span', { id: 'agent-kind', title: agent.kind, text: kindName(agent.kind) }), ` · version ${agent.version} · owner `,
      h('a', { id: 'owner', href: `/owners/${encodeURIComponent(agent.owner_id)}`, 'data-nav': true, title: agent.owner_id },
        ownerName ? h('strong', { text: ownerName }) : h('code', { text: agent.owner_id })),
      agent.endpoint?.model ? ` · model ${agent.endpoint.model}` : ''),
    h('div', { id: 'agent-conn', class: 'agent-conn', hidden: true }),
    agent.description ? h('p', { text: agent.description }) : null,
    h('section', { class: 'card', 'aria-labelledby': 'h-hist' }, h('h2', { id: 'h-hist', text: 'Rating history' }),
      series.length ? [fitChart((w) => lineChart(series, `Elo history of ${agent.name}: ${current.map((x) => x.textContent).join('; ')}`, (x) => (x ? `after ${x} contests` : 'start'), w)), h('p', { class: 'legend' }, current)]
        : h('p', { class: 'empty', text: 'No settled contests yet.' })),
    h('div', { class: 'grid two' },
      h('section', { class: 'card', 'aria-labelledby': 'h-earn' }, h('h2', { id: 'h-earn', text: 'Earnings' }),
        h('p', {}, h('strong', { id: 'earnings', class: deltaClass(earned - staked), text: fmtMoney(earned - staked, { sign: true }) }), ' net'),
        h('p', { class: 'small muted', id: 'earnings-window', text: `${fmtMoney(earned)} paid out against ${fmtMoney(staked)} in stakes over ${over}.` })),
      h('section', { class: 'card', 'aria-labelledby': 'h-opp' }, h('h2', { id: 'h-opp', text: 'Against frequent opponents' }),
        settled ? h('p', { class: 'small muted', id: 'opponents-window', text: `Over ${over}.` }) : null,
        frequent.length ? h('div', { class: 'table-wrap' }, h('table', {}, h('thead', {}, h('tr', {}, ['Opponent', 'Games', 'W/D/L', 'Score'].map((t, i) => h('th', { scope: 'col', class: i ? 'num' : '', text: t })))),
          h('tbody', {}, frequent.map((o) => h('tr', {}, h('th', { scope: 'row' }, agentName(o)),
            h('td', { class: 'num', text: String(o.games) }), h('td', { class: 'num', text: `${o.w}/${o.d}/${o.l}` }),
            h('td', { class: 'num', text: `${Math.round((100 * o.score) / o.games)}%` }))))))
          : h('p', { class: 'empty', text: 'No opponents yet.' }))),
    h('section', { 'aria-labelledby': 'h-recent' }, h('h2', { id: 'h-recent', text: 'Recent contests' }),
      contests.length ? h('div', { class: 'table-wrap' }, h('table', { id: 'recent-contests' },
        h('caption', { class: 'small muted', id: 'recent-window',
          text: listed < contests.length || more ? `Its latest ${plural(listed, 'contest', 'contests')}, newest first.`
            : listed === 1 ? 'Its only contest.' : `All ${listed} of its contests, newest first.` }),
        // Narrow screens drop the arena and the place (the result says who
        // won), so the payout stays in view.
        h('thead', {}, h('tr', {}, ['When', 'Arena', 'Opponents', 'Result', 'Place', 'Elo', `Payout (${currencyCode()})`].map((t, i) =>
          h('th', { scope: 'col', class: [i >= 4 ? 'num' : '', i === 1 || i === 4 ? 'hide-narrow' : ''].join(' ').trim() || undefined, text: t })))),
        h('tbody', {}, contests.slice(0, shown).map((c) => {
          const i = mine(c);
          return h('tr', {},
            h('td', {}, link(`/contests/${encodeURIComponent(c.id)}`, fmtAgo(c.ended_at || c.created_at))),
            h('td', { class: 'hide-narrow', text: c.arena }),
            h('td', { text: c.seats.filter((_, j) => j !== i).map((s) => s.name + (s.deleted ? ' (deleted)' : '')).join(', ') }),
            h('td', { text: c.status === 'settled' ? ownResult(c, i) : c.status }),
            h('td', { class: 'num hide-narrow', text: c.ranks && i >= 0 ? sharedPlace(c.ranks, i) : '—' }),
            h('td', { class: `num ${deltaClass(c.rating_deltas?.[i])}`, text: c.rating_deltas ? fmtDelta(c.rating_deltas[i]) : '—' }),
            h('td', { class: 'num payout', text: c.payouts ? fmtMoney(c.payouts[i], { code: false }) : '—' }));
        })))) : h('p', { class: 'empty', text: 'No contests yet.' })));
}

// sharedPlace is seat i's place, marked "=" when another seat shares it
// ("=1st" in a draw), as tournament tables write a tie.
function sharedPlace(ranks, i) {
  return (ranks.filter((r) => r === ranks[i]).length > 1 ? '=' : '') + ordinal(ranks[i] + 1);
}

// ownResult says how a settled contest went for seat i, from the agent's
// side: won, lost, draw (all share first), tied first, or its place.
function ownResult(c, i) {
  if (!c.ranks || i < 0) return resultText(c);
  const first = c.ranks.filter((r) => r === 0).length;
  if (first === c.ranks.length) return c.ranks.length === 2 && c.game !== 'prompt' ? 'draw ½–½' : 'draw';
  if (c.ranks[i] === 0) return first > 1 ? 'tied first' : 'won';
  return c.ranks.length === 2 ? 'lost' : ordinal(c.ranks[i] + 1);
}
