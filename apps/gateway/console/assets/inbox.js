// The live inbox: the WebSocket (same origin, signed in by the console's cookie) says when a request opens, gains
// an approval or closes; the list is then fetched again from the server, which renders and escapes it. Answers are
// posted in place, without leaving the page.
const list = () => document.getElementById('inbox');
const state = document.getElementById('live-state');
let refreshing;

async function refresh() {
  clearTimeout(refreshing);
  refreshing = setTimeout(async () => {
    const res = await fetch('/console/inbox', { headers: { accept: 'text/html' }, credentials: 'same-origin' });
    if (!res.ok) return;
    const next = new DOMParser().parseFromString(await res.text(), 'text/html').getElementById('inbox');
    if (next) list().replaceWith(document.adoptNode(next));
  }, 100);
}

function connect() {
  const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/ws`);
  socket.addEventListener('open', () => {
    state.textContent = 'Live: new requests appear here as they arrive.';
    socket.send(JSON.stringify({ type: 'subscribe_inbox' }));
  });
  socket.addEventListener('message', (message) => {
    const data = JSON.parse(message.data);
    if (data.type === 'request' || data.type === 'inbox') refresh();
  });
  socket.addEventListener('close', () => {
    state.textContent = 'Live updates paused; reconnecting…';
    setTimeout(connect, 3000);
  });
}

document.addEventListener('submit', async (event) => {
  const form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.classList.contains('answer') || event.defaultPrevented) return;
  event.preventDefault();
  const body = new URLSearchParams(new FormData(form, event.submitter));
  const res = await fetch(form.action, { method: 'POST', body, headers: { accept: 'application/json' }, credentials: 'same-origin' });
  const error = form.querySelector('.form-error');
  if (res.ok) {
    form.closest('li')?.remove();
    refresh();
  } else if (error) {
    const problem = await res.json().catch(() => ({}));
    error.textContent = problem.error?.message ?? 'This answer was not accepted';
    error.hidden = false;
  }
});

connect();
