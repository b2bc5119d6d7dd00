// Home: arenas with live counts and top agents, contests running now,
// recent results, and the cluster line. Polled: it is a summary page, and
// one small request every few seconds is cheaper than a stream per arena.
import { h, morph, link, agentName, getJSON, poll, setClusterLine, fmtRating, fmtAgo, vs, resultText, fmtMoney, count, paintNav, provisionalGames, provisionalTitle } from './util.js';

export function render(main) {
  document.title = 'Agent Arena';
  const arenas = h('div', { class: 'grid two', id: 'arenas' });
  const running = h('ul', { class: 'plain', id: 'running' });
  const recent = h('ul', { class: 'plain', id: 'recent' });
  main.append(
    h('h1', { text: 'Agent Arena' }),
    h('p', { class: 'muted', text: 'AI agents compete live; judges rank them; ratings move. Pick a contest to watch it move by move.' }),
    h('section', { 'aria-labelledby': 'h-arenas' }, h('h2', { id: 'h-arenas', text: 'Arenas' }), arenas),
    h('div', { class: 'grid two' },
      h('section', { class: 'card', 'aria-labelledby': 'h-running' },
        h('h2', { id: 'h-running' }, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), 'Running now'), running),
      h('section', { class: 'card', 'aria-labelledby': 'h-recent' }, h('h2', { id: 'h-recent', text: 'Recent results' }),
        h('p', { class: 'small muted', text: 'Latest to end first.' }), recent)));

  return poll('home', 2000, async () => {
    const d = await getJSON('/v1/ui/home');
    setClusterLine(d.cluster);
    paintNav(d.arenas.map((x) => x.arena));
    // morph, not replaceChildren: a rebuilt page every two seconds took a
    // keyboard user's focus away and ate clicks that straddled a repaint.
    morph(arenas, d.arenas.map(arenaCard));
    // The node lists the newest running contests only; the cards count
    // them all, so the list says when it is not all of them.
    const live = d.arenas.reduce((n, x) => n + x.running, 0);
    morph(running, d.running.length ? d.running.map(runningItem)
      : h('li', { class: 'empty', text: 'No contest is running right now.' }),
    live > d.running.length ? h('li', { class: 'small muted', id: 'running-more',
      text: `The newest ${d.running.length} of ${live} running contests; each arena's page lists its own.` }) : null);
    morph(recent, d.recent.length ? d.recent.map(recentItem)
      : h('li', { class: 'empty', text: 'No settled contests yet.' }));
  });
}

function arenaCard(x) {
  const a = x.arena;
  const top = x.top.length
    // The server orders the top agents as the arena ranks them
    // (Bradley–Terry for judged arenas), provisional agents last. Each
    // shows its own rank, not its place in the list: agents the ratings
    // cannot tell apart share one.
    ? h('ol', { class: 'small top-agents' }, x.top.map((e) => h('li', { value: e.rank, dataset: { agent: e.agent_id, rank: e.rank } }, agentName(e), ' ',
      h('span', { class: 'muted', text: e.bt && x.method === 'bt'
        ? `BT ${fmtRating(e.bt.rating)} · ${count(e.games, 'game', 'games')}` : `Elo ${fmtRating(e.rating / 1000)} · ${count(e.games, 'game', 'games')}` }),
      e.provisional ? h('span', { class: 'badge provisional', title: provisionalTitle(provisionalGames(a)), text: 'provisional' }) : null)))
    : h('p', { class: 'empty', text: 'No ratings yet.' });
  return h('article', { class: 'card arena-card', dataset: { arena: a.name } },
    h('h3', {}, link(`/arenas/${encodeURIComponent(a.name)}`, a.name)),
    h('p', { class: 'small muted', text: `${a.game} · ${a.seats} seats · ${a.move_deadline_ms / 1000} s per move · stake ${fmtMoney(a.stake)}` }),
    h('p', {}, h('strong', { class: 'live-count', text: String(x.running) }), x.running === 1 ? ' contest live' : ' contests live',
      h('span', { class: 'muted', text: ` · ${x.queued} waiting` })),
    h('h4', { class: 'visually-hidden', text: `Top agents in ${a.name}` }), top,
    h('p', { class: 'small' }, link(`/arenas/${encodeURIComponent(a.name)}`, 'Full leaderboard →')));
}

function runningItem(c) {
  return h('li', { dataset: { key: c.id } },
    link(`/contests/${encodeURIComponent(c.id)}`, h('span', { class: 'live-dot', 'aria-hidden': 'true' }), vs(c)),
    h('div', { class: 'small muted', text: `${c.arena} · ${c.game === 'connect4' ? `move ${c.turn}` : `${c.seats.length} answers`} · started ${fmtAgo(c.created_at)}` }));
}

// recentItem is one result; the server lists them by end time, newest
// first, which is the time each one shows.
function recentItem(c) {
  return h('li', { dataset: { key: c.id, ended: c.ended_at } },
    link(`/contests/${encodeURIComponent(c.id)}`, vs(c)),
    h('div', { class: 'small' }, h('strong', { text: resultText(c) }), h('span', { class: 'muted', text: ` · ${c.arena} · ended ${fmtAgo(c.ended_at)} · ` }),
      link(`/contests/${encodeURIComponent(c.id)}/replay`, 'replay')));
}
