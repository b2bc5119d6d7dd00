// The spectator app: a tiny client-side router over the pages below. The
// server answers every page path with the same shell, so links can be
// shared and reloaded.
import { h, getJSON, clearProblems, setClusterLine, clusterUnreachable, setCurrency, paintNav } from './util.js';
import * as home from './home.js';
import * as board from './leaderboard.js';
import * as contest from './contest.js';
import * as replay from './replay.js';
import * as agent from './agent.js';
import * as owner from './owner.js';
import * as ops from './ops.js';

const routes = [
  [/^\/$/, home, () => ({})],
  [/^\/arenas\/([^/]+)$/, board, (m) => ({ name: decodeURIComponent(m[1]) })],
  [/^\/contests\/([^/]+)\/replay$/, replay, (m) => ({ id: decodeURIComponent(m[1]) })],
  [/^\/contests\/([^/]+)$/, contest, (m) => ({ id: decodeURIComponent(m[1]) })],
  [/^\/agents\/([^/]+)$/, agent, (m) => ({ id: decodeURIComponent(m[1]) })],
  [/^\/owners\/([^/]+)$/, owner, (m) => ({ id: decodeURIComponent(m[1]) })],
  [/^\/ops$/, ops, () => ({})],
];

let cleanup = null;

function render() {
  if (cleanup) { try { cleanup(); } catch (e) { console.error(e); } cleanup = null; }
  clearProblems();
  const main = document.getElementById('main');
  main.replaceChildren();
  const path = location.pathname.replace(/\/+$/, '') || '/';
  for (const [re, page, params] of routes) {
    const m = path.match(re);
    if (m) {
      cleanup = page.render(main, params(m)) || null;
      markNav(path);
      return;
    }
  }
  document.title = 'Not found — Agent Arena';
  main.append(h('h1', { text: 'Page not found' }), h('p', {}, 'Nothing lives at ', h('code', { text: path }), '. ',
    h('a', { href: '/', 'data-nav': true, text: 'Back to the arenas' })));
}

function markNav(path) {
  for (const a of document.querySelectorAll('header a[data-nav]')) {
    const here = a.getAttribute('href') === path;
    if (here) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
}

export function navigate(href) {
  history.pushState(null, '', href);
  // The arenas in the header are read again on every move, so one an
  // operator created or deleted since the tab opened shows up or goes.
  loadNav();
  render();
  window.scrollTo(0, 0);
  // Move focus to the new page, as a full page load would, so keyboard and
  // screen-reader users start at its heading.
  document.getElementById('main').focus({ preventScroll: true });
}

document.addEventListener('click', (ev) => {
  // "Skip to content" moves focus, not the URL: a #main hash would fire
  // popstate, and the router would rebuild the page (a replay back at its
  // start, a live stream closed and reopened).
  if (ev.target.closest('a.skip')) {
    ev.preventDefault();
    const main = document.getElementById('main');
    main.focus();
    main.scrollIntoView();
    return;
  }
  const a = ev.target.closest('a[data-nav]');
  if (!a || ev.defaultPrevented || ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  ev.preventDefault();
  navigate(url.pathname + url.search);
});
window.addEventListener('popstate', () => { loadNav(); render(); });

// loadNav lists the arenas in the header and learns the ledger's currency,
// which every page needs to show money.
async function loadNav() {
  try {
    const { arenas, currency } = await getJSON('/v1/arenas');
    setCurrency(currency);
    paintNav(arenas);
  } catch { /* the pages report their own connection problems */ }
}

// The header follows the cluster on every page, and a contest page shows
// itself paused while there is no leader. A node that does not answer is
// marked in the header (it read "ready" while the node was down); each
// page reports its own lost connection on the banner.
// A hidden tab asks nothing, and looks again as soon as it shows.
(function watchCluster() {
  if (document.hidden) { document.addEventListener('visibilitychange', watchCluster, { once: true }); return; }
  getJSON('/v1/ui/status').then(setClusterLine, clusterUnreachable).finally(() => setTimeout(watchCluster, 2000));
})();

loadNav().finally(render);
