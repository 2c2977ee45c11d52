// The run view, live: node statuses and the timeline follow the run's events over SSE (same origin, the console's
// cookie), from the last event the server rendered. A node's details are fetched when it is selected; a value larger
// than the preview only when asked for. Everything is written with textContent: run data never becomes markup.
const root = document.getElementById('run');
const runId = root.dataset.run;
const names = new Map([...document.querySelectorAll('#node-names li')].map((li) => [li.dataset.node, li.textContent]));
const timeline = document.getElementById('timeline');
const details = document.getElementById('details');
const liveState = document.getElementById('live-state');

const NODE_STATUS = {
  node_started: 'running',
  node_retrying: 'running',
  node_completed: 'completed',
  node_failed: 'failed',
  node_skipped: 'skipped',
  node_cancelled: 'cancelled',
  approval_requested: 'waiting',
  question_asked: 'waiting',
  recovery_requested: 'waiting',
  request_answered: 'running',
};
const RUN_STATUS = {
  run_started: 'running',
  run_paused: 'paused',
  run_resumed: 'running',
  run_completed: 'completed',
  run_failed: 'failed',
  run_cancelled: 'cancelled',
};
const EVENT_TYPES = [
  ...Object.keys(NODE_STATUS),
  ...Object.keys(RUN_STATUS),
  'request_expired',
  'progress',
  'items_progress',
  'node_overdue',
];

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function setNodeStatus(nodeId, status) {
  const node = document.querySelector(`svg.graph .node[data-node="${CSS.escape(nodeId)}"]`);
  if (!node) return;
  node.setAttribute('class', `node status-${status}${node.classList.contains('selected') ? ' selected' : ''}`);
  node.querySelector('.status').textContent = status;
  node.setAttribute('aria-label', `${names.get(nodeId) ?? nodeId}: ${status}. Show details`);
}

function setRunStatus(status) {
  const holder = document.getElementById('run-status');
  holder.replaceChildren(el('span', status, `badge status-${status}`));
  if (['completed', 'failed', 'cancelled'].includes(status)) document.getElementById('controls')?.remove();
}

function onEvent(type, event) {
  const item = el('li');
  item.dataset.seq = String(event.seq);
  const time = el('time', event.at.replace('T', ' ').slice(0, 19));
  time.dateTime = event.at;
  item.append(time, ' ', el('span', type.replace(/_/g, ' '), 'event'));
  if (event.nodeId) item.append(' ', el('span', names.get(event.nodeId) ?? event.nodeId, 'node-name'));
  timeline.append(item);
  if (event.nodeId && NODE_STATUS[type]) setNodeStatus(event.nodeId, NODE_STATUS[type]);
  if (RUN_STATUS[type]) setRunStatus(RUN_STATUS[type]);
}

const stream = new EventSource(`/v1/runs/${encodeURIComponent(runId)}/events?after=${root.dataset.after}`);
stream.addEventListener('open', () => (liveState.textContent = 'Live: statuses update as the run goes.'));
stream.addEventListener('error', () => (liveState.textContent = 'Live updates interrupted; reconnecting…'));
for (const type of EVENT_TYPES) stream.addEventListener(type, (message) => onEvent(type, JSON.parse(message.data)));
stream.addEventListener('revoked', () => {
  liveState.textContent = 'Signed out: live updates stopped.';
  stream.close();
});

function valueBlock(title, value, nodeId) {
  const section = el('section');
  section.append(el('h3', title));
  if (!value) {
    section.append(el('p', 'None.', 'empty'));
    return section;
  }
  const pre = el('pre', value.text);
  section.append(pre);
  if (value.truncated) {
    const more = el('button', `Show all (${value.size.toLocaleString()} characters)`);
    more.type = 'button';
    more.addEventListener('click', async () => {
      const full = await fetchNode(nodeId, true);
      const fresh = full && full[title.toLowerCase()];
      if (fresh) pre.textContent = fresh.text;
      more.remove();
    });
    section.append(more);
  }
  return section;
}

async function fetchNode(nodeId, full) {
  const res = await fetch(`/console/runs/${encodeURIComponent(runId)}/nodes/${encodeURIComponent(nodeId)}${full ? '?full=1' : ''}`, {
    headers: { accept: 'application/json' },
    credentials: 'same-origin',
  });
  return res.ok ? res.json() : undefined;
}

async function showNode(node) {
  for (const other of document.querySelectorAll('svg.graph .node.selected')) other.classList.remove('selected');
  node.classList.add('selected');
  const nodeId = node.dataset.node;
  const data = await fetchNode(nodeId, false);
  if (!data) {
    details.replaceChildren(el('h2', 'Node details'), el('p', 'These details could not be loaded.'));
    return;
  }
  const meta = `${data.type} · ${data.status}${data.attempt ? ` · attempt ${data.attempt}` : ''}${data.durationMs !== null ? ` · ${data.durationMs} ms` : ''}`;
  details.replaceChildren(
    el('h2', data.name),
    el('p', meta),
    valueBlock('Input', data.input, nodeId),
    valueBlock('Output', data.output, nodeId),
    valueBlock('Error', data.error, nodeId),
  );
}

for (const node of document.querySelectorAll('svg.graph .node')) {
  node.addEventListener('click', () => showNode(node));
  node.addEventListener('keydown', (event) => {
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      showNode(node);
    }
  });
}
