// app.js: the Analog Cloud console.  Plain ES modules, no build step; the
// page works under a strict Content-Security-Policy (same-origin scripts,
// no inline code or styles).  Everything goes through the public API.
import uPlot from './vendor/uplot/uPlot.esm.js';
import { key, call, stream, ApiError } from './api.js';

const $ = (sel) => document.querySelector(sel);
const API = '/api/v1';
const TERMINAL = ['succeeded', 'failed', 'cancelled'];

let userStream = null;
let taskStream = null;
let plot = null;
let current = null; // { id, task, result }
let devicesTimer = null;

// ---- small DOM helpers ------------------------------------------------------

function el(tag, { dataset, ...props } = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  Object.assign(node.dataset, dataset ?? {});
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c ?? '')));
  return node;
}

// An API error in the box `box`, as the server words it (422: by field).
function showError(box, err) {
  box.replaceChildren();
  box.hidden = false;
  if (err instanceof ApiError && err.items) {
    box.append(el('ul', {}, ...err.items.map((i) => el('li', {}, `${(i.loc ?? []).join('.')}: ${i.msg}`))));
  } else {
    box.append(err instanceof ApiError ? `${err.message} (${err.status})` : String(err.message ?? err));
  }
}

function clearError(box) {
  box.replaceChildren();
  box.hidden = true;
}

const stateCell = (state) => el('span', { className: `state-${state}` }, state);
const local = (iso) => (iso ? new Date(iso).toLocaleString() : '');

// ---- profile, devices -------------------------------------------------------

async function loadProfile() {
  const { data: me } = await call('GET', `${API}/users/me`);
  const quota = el('table', {}, el('thead', {}, el('tr', {}, ...['Class', 'Hourly left', 'Daily left']
    .map((t) => el('th', { scope: 'col' }, t)))), el('tbody', {}, ...me.rate_limits.map((l) => el('tr', {},
    el('td', {}, l.device_class), el('td', {}, l.hourly_remaining ?? 'unlimited'),
    el('td', {}, l.daily_remaining ?? 'unlimited')))));
  $('#profile').replaceChildren(el('p', { id: 'profile-name' }, `${me.name ?? me.id} (${me.id})`,
    me.subscription ? `, ${me.subscription}` : '', me.admin ? ', admin' : ''), quota);
}

async function loadDevices() {
  const { data: devices } = await call('GET', `${API}/devices`);
  $('#devices tbody').replaceChildren(...devices.map((d) => el('tr', { dataset: { device: d.name } },
    el('td', {}, d.name), el('td', {}, d.type), el('td', {}, d.available ? 'yes' : 'no'),
    el('td', {}, d.queue_length))));
  for (const sel of ['#run-device', '#search-device']) {
    const box = $(sel);
    const keep = box.value;
    const first = sel === '#search-device' ? [el('option', { value: '' }, 'any')] : [];
    box.replaceChildren(...first, ...devices.map((d) => el('option', { value: d.name }, `${d.name} (${d.type})`)));
    if (keep) box.value = keep;
  }
}

// Device queues change with task states: refreshed at most twice a second.
function refreshDevicesSoon() {
  if (devicesTimer) return;
  devicesTimer = setTimeout(() => { devicesTimer = null; loadDevices().catch(() => {}); }, 500);
}

// ---- tasks list -------------------------------------------------------------

function taskRow(t) {
  const link = el('a', { href: `#/task/${t.id}` }, t.name ?? t.id.slice(0, 8));
  return el('tr', { dataset: { task: t.id } }, el('td', {}, link), el('td', {}, t.type),
    el('td', { className: 'state' }, stateCell(t.state)), el('td', {}, t.device_name ?? t.device_class),
    el('td', {}, local(t.created_at)));
}

function searchBody() {
  const f = $('#search-form');
  const body = { limit: 100 };
  if (f.state.value) body.state = [f.state.value];
  if (f.device.value) body.device_name = [f.device.value];
  if (f.from.value) body.from = new Date(f.from.value).toISOString();
  if (f.to.value) body.to = new Date(f.to.value).toISOString();
  return body;
}

async function loadTasks() {
  const box = $('#search-form .form-error');
  const body = searchBody();
  let items;
  try {
    if (Object.keys(body).length > 1) items = (await call('POST', `${API}/tasks/search`, body)).data.items;
    else items = (await call('GET', `${API}/tasks?limit=100`)).data;
    clearError(box);
  } catch (e) {
    showError(box, e);
    return;
  }
  $('#tasks tbody').replaceChildren(...items.map(taskRow));
  const compiles = items.filter((t) => t.type === 'compile' && t.state === 'succeeded');
  const sel = $('#run-compile');
  const keep = sel.value;
  sel.replaceChildren(...compiles.map((t) => el('option', { value: t.id },
    `${t.name ?? t.id.slice(0, 8)} (${t.device_class}, ${local(t.created_at)})`)));
  if (keep && compiles.some((t) => t.id === keep)) sel.value = keep;
}

// A state event of the user's stream: the row changes in place; a task
// the list does not show yet reloads it.
function onUserEvent(ev) {
  if (ev.event !== 'state') return;
  const { task_id: id, state } = ev.data;
  const row = document.querySelector(`#tasks tr[data-task="${id}"] td.state`);
  if (row) row.replaceChildren(stateCell(state));
  if (!row || state === 'succeeded') loadTasks();
  refreshDevicesSoon();
  if (state === 'succeeded' || state === 'failed') loadProfile().catch(() => {});
}

// ---- one task ---------------------------------------------------------------

function destroyPlot() {
  plot?.destroy();
  plot = null;
  $('#plot').replaceChildren();
}

function setTaskState(state) {
  $('#task-state').replaceChildren(stateCell(state));
  $('#task-state').dataset.state = state;
  $('#task-cancel').disabled = state !== 'queued';
}

async function openTask(id) {
  taskStream?.stop();
  destroyPlot();
  current = { id };
  $('#task').hidden = false;
  $('#task-id').textContent = id;
  $('#task-history').replaceChildren();
  $('#task-log').textContent = '';
  $('#download-json').disabled = true;
  $('#download-csv').disabled = true;
  clearError($('#task-error'));
  try {
    current.task = (await call('GET', `${API}/tasks/${id}`)).data;
  } catch (e) {
    showError($('#task-error'), e);
    return;
  }
  const t = current.task;
  setTaskState(t.state);
  $('#task-meta').textContent = `${t.type} on ${t.device_name ?? t.device_class}`
    + (t.type === 'run' ? `, op time ${t.op_time} s at ${t.sample_rate}/s` : '');
  taskStream = stream(`${API}/tasks/${id}/events`, {
    onEvent: (ev) => onTaskEvent(id, ev),
    onError: (e) => showError($('#task-error'), e),
  });
  $('#task').scrollIntoView?.({ block: 'nearest' });
}

function onTaskEvent(id, ev) {
  if (current?.id !== id) return;
  if (ev.event === 'state') {
    const d = ev.data;
    $('#task-history').append(el('li', {}, stateCell(d.state), ` ${local(d.at)}`, d.detail ? ` (${d.detail})` : ''));
    setTaskState(d.state);
  } else if (ev.event === 'log') {
    $('#task-log').textContent += `${ev.data.line}\n`;
  } else if (ev.event === 'end' && ev.data.state === 'succeeded') {
    loadResult(id).catch((e) => showError($('#task-error'), e));
  }
}

async function loadResult(id) {
  const { data } = await call('GET', `${API}/tasks/${id}/result`);
  if (current?.id !== id) return;
  current.result = data;
  $('#download-json').disabled = !Array.isArray(data); // a compile's APB is not JSON
  if (current.task.type === 'run' && Array.isArray(data)) {
    $('#download-csv').disabled = false;
    drawPlot(data, current.task.sample_rate);
  }
}

function drawPlot(channels, rate) {
  destroyPlot();
  const n = Math.max(0, ...channels.map((c) => c.length));
  const t = Array.from({ length: n }, (_, i) => i / rate);
  const colors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
  const width = Math.max(300, $('#plot').clientWidth || 600);
  plot = new uPlot({
    width,
    height: 320,
    scales: { x: { time: false } },
    axes: [{ label: 'time (s)', values: (u, vals) => vals.map((v) => +v.toPrecision(4)) }, { label: 'value' }],
    cursor: { drag: { x: true, y: false } },
    series: [{ label: 't (s)' }, ...channels.map((_, i) => ({ label: `channel ${i}`, stroke: colors[i % colors.length], width: 2 }))],
  }, [t, ...channels], $('#plot'));
}

function csvOf(channels, rate) {
  const n = Math.max(0, ...channels.map((c) => c.length));
  const lines = [['t', ...channels.map((_, i) => `channel_${i}`)].join(',')];
  for (let i = 0; i < n; i++) lines.push([i / rate, ...channels.map((c) => c[i] ?? '')].join(','));
  return `${lines.join('\n')}\n`;
}

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function taskAction(method, suffix) {
  const id = current?.id;
  if (!id) return;
  try {
    await call(method, `${API}/tasks/${id}${suffix}`);
    clearError($('#task-error'));
    if (method === 'DELETE') {
      taskStream?.stop();
      $('#task').hidden = true;
      current = null;
      location.hash = '#/';
      loadTasks();
    }
  } catch (e) {
    showError($('#task-error'), e);
  }
}

// ---- submitting -------------------------------------------------------------

async function submit(form, path, body) {
  const box = form.querySelector('.form-error');
  try {
    const { data } = await call('POST', path, body);
    clearError(box);
    location.hash = `#/task/${data.id}`;
    loadTasks();
  } catch (e) {
    showError(box, e);
  }
}

function toBase64(buf) {
  let s = '';
  const bytes = new Uint8Array(buf);
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

async function runBody(f) {
  const body = { device_name: f.device_name.value };
  if (f.op_time.value) body.op_time = Number(f.op_time.value);
  if (f.sample_rate.value) body.sample_rate = Number(f.sample_rate.value);
  if (f.name.value) body.name = f.name.value;
  if (f.source.value === 'compile') {
    body.compile_task_id = f.compile_task_id.value;
    return body;
  }
  const file = f.file.files[0];
  if (!file) throw new Error('Choose a circuit file');
  const bytes = await file.arrayBuffer();
  if (file.name.endsWith('.json') || file.type === 'application/json') {
    body.circuit = JSON.parse(new TextDecoder().decode(bytes));
  } else {
    body.circuit_apb = toBase64(bytes);
  }
  return body;
}

// ---- wiring -----------------------------------------------------------------

function route() {
  const m = location.hash.match(/^#\/task\/([0-9a-f-]{36})$/);
  if (m && m[1] !== current?.id) openTask(m[1]);
}

async function start() {
  userStream?.stop();
  try {
    await loadProfile();
  } catch (e) {
    showError($('#global-error'), e);
    $('#main').hidden = true;
    return;
  }
  clearError($('#global-error'));
  $('#main').hidden = false;
  await Promise.all([loadDevices(), loadTasks()]);
  userStream = stream(`${API}/events`, {
    onEvent: onUserEvent,
    onStatus: (s) => { $('#live').textContent = s === 'live' ? 'live updates on' : 'reconnecting…'; },
    onError: (e) => showError($('#global-error'), e),
  });
  route();
}

function wire() {
  $('#key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    key.set($('#key').value.trim());
    $('#key').value = '';
    start();
  });
  $('#forget-key').addEventListener('click', () => {
    key.clear();
    userStream?.stop();
    taskStream?.stop();
    $('#main').hidden = true;
    $('#live').textContent = 'not connected';
  });
  $('#compile-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = e.target;
    const body = { backend: f.backend.value, source: f.source.value };
    if (f.name.value) body.name = f.name.value;
    submit(f, `${API}/tasks/compile`, body);
  });
  $('#run-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const f = e.target;
    try {
      submit(f, `${API}/tasks/run`, await runBody(f));
    } catch (err) {
      showError(f.querySelector('.form-error'), err);
    }
  });
  $('#search-form').addEventListener('submit', (e) => { e.preventDefault(); loadTasks(); });
  $('#search-form').addEventListener('reset', () => setTimeout(loadTasks));
  $('#task-cancel').addEventListener('click', () => taskAction('POST', '/cancel'));
  $('#task-delete').addEventListener('click', () => taskAction('DELETE', ''));
  $('#download-json').addEventListener('click', () => download(`${current.id}.json`, 'application/json',
    JSON.stringify(current.result)));
  $('#download-csv').addEventListener('click', () => download(`${current.id}.csv`, 'text/csv',
    csvOf(current.result, current.task.sample_rate)));
  window.addEventListener('hashchange', route);
  if (key.get()) start();
}

wire();
