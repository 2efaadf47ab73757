// The operator console's script: plain browser JavaScript, served as a file so the page runs under
// a strict Content-Security-Policy (no inline script or style). It reads /__sim/state, listens to
// /__sim/events for changes, and acts through the control API, like an agent desktop.
// @ts-check

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

const NAME_KEY = 'glia-sim-operator-name';
const TYPING_IDLE_MS = 3000;

/** @type {any} */
let state = null;
/** @type {any} */
let config = null;
/** @type {{kind: 'ticket' | 'engagement', id: string} | null} */
let selected = null;
let refreshQueued = false;
let typingSentFor = '';
/** @type {ReturnType<typeof setTimeout> | undefined} */
let typingTimer;

const nameInput = /** @type {HTMLInputElement} */ ($('operator-name'));
nameInput.value = localStorage.getItem(NAME_KEY) ?? '';
// Who may write follows who is signed in, as the name is typed or picked (only the open
// conversation depends on it: the list and the field itself wait for the change).
nameInput.addEventListener('input', () => state && renderDetail());
nameInput.addEventListener('change', () => {
  localStorage.setItem(NAME_KEY, nameInput.value.trim());
  render();
});

/** The operator name this person works as. */
function myName() {
  return nameInput.value.trim() || state?.operators?.[0]?.name || 'Operator';
}

/**
 * Calls the control API; shows its error message when it refuses.
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 */
async function api(method, path, body) {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? {} : {'content-type': 'application/json'},
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const data = text ? JSON.parse(text) : null;
  if (!response.ok) {
    showError(data?.error?.message ?? `${method} ${path} failed (${response.status})`);
    return null;
  }
  return data ?? {};
}

/** @param {string} message */
function showError(message) {
  const el = $('error');
  el.textContent = message;
  el.hidden = false;
  setTimeout(() => (el.hidden = true), 4000);
}

async function refresh() {
  refreshQueued = false;
  const response = await fetch('/__sim/state');
  if (!response.ok) return;
  state = await response.json();
  render();
}

function scheduleRefresh() {
  if (refreshQueued) return;
  refreshQueued = true;
  setTimeout(refresh, 30);
}

async function loadConfig() {
  const response = await fetch('/__sim/config');
  if (response.ok) config = await response.json();
  $('auto-operator').hidden = !config?.auto_operator;
}

function connect() {
  const connection = $('connection');
  const events = new EventSource('/__sim/events');
  events.addEventListener('open', () => {
    connection.dataset.state = 'live';
    connection.textContent = 'Live';
    scheduleRefresh();
    void loadConfig();
  });
  events.addEventListener('error', () => {
    connection.dataset.state = 'lost';
    connection.textContent = 'Reconnecting…';
  });
  events.addEventListener('change', (event) => {
    const change = JSON.parse(/** @type {MessageEvent} */ (event).data);
    if (change.type === 'config.changed' || change.type === 'reset') void loadConfig();
    scheduleRefresh();
  });
}

// ---- helpers over the state ----

/** @param {string} id */
const visitorOf = (id) => state.visitors.find((/** @type {any} */ v) => v.id === id);
/** @param {string} id */
const queueName = (id) =>
  state.queues.find((/** @type {any} */ q) => q.id === id)?.name ?? 'Unknown queue';
/** @param {any} visitor */
const displayName = (visitor) => visitor?.name || visitor?.generated_name || 'Visitor';

/** @param {string} iso */
function since(iso) {
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 1000));
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** @param {string} iso */
const clock = (iso) => new Date(iso).toLocaleTimeString([], {hour: '2-digit', minute: '2-digit'});

/**
 * @param {string} tag
 * @param {string} [className]
 * @param {string} [text]
 */
function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/**
 * An element holding what a visitor or agent wrote: `dir="auto"` makes it a bidi isolate, so
 * right-to-left or reordering characters in it cannot turn the console's text around it.
 * @param {string} tag
 * @param {string} className
 * @param {string} text
 */
function userText(tag, className, text) {
  const node = el(tag, className, text);
  node.dir = 'auto';
  return node;
}

/**
 * A name inside a sentence, isolated from it.
 * @param {string} name
 */
const bdi = (name) => el('bdi', '', name);

/**
 * "waiting 12s", kept current by the once-a-second tick (see tickWaits).
 * @param {string} iso
 */
function waitingSince(iso) {
  const span = el('span', 'waited', `waiting ${since(iso)}`);
  span.dataset.since = iso;
  return span;
}

/**
 * An address that may wrap after its @, keeping its name and its domain whole.
 * @param {string} text
 */
function breakable(text) {
  const node = el('span');
  for (const part of text.split(/(?<=@)/)) node.append(el('span', '', part), el('wbr'));
  return node;
}

// ---- rendering ----

function render() {
  if (!state) return;
  const names = $('operator-names');
  names.replaceChildren(
    ...state.operators.map((/** @type {any} */ o) => Object.assign(el('option'), {value: o.name}))
  );
  if (!nameInput.value) nameInput.value = myName();

  const waiting = state.tickets
    .filter((/** @type {any} */ t) => t.state === 'queued')
    .sort((/** @type {any} */ a, /** @type {any} */ b) => a.created_at.localeCompare(b.created_at));
  const active = state.engagements.filter((/** @type {any} */ e) => e.state === 'active');
  const ended = state.engagements
    .filter((/** @type {any} */ e) => e.state === 'ended')
    .slice(-5)
    .reverse();

  // A ticket that was just accepted continues as its engagement.
  if (selected?.kind === 'ticket') {
    const ticket = state.tickets.find((/** @type {any} */ t) => t.id === selected?.id);
    if (ticket?.engagement_id) selected = {kind: 'engagement', id: ticket.engagement_id};
    else if (!ticket) selected = null;
  }
  if (
    selected?.kind === 'engagement' &&
    !state.engagements.some((/** @type {any} */ e) => e.id === selected?.id)
  )
    selected = null;
  if (!selected && waiting[0]) selected = {kind: 'ticket', id: waiting[0].id};

  renderList('waiting', waiting, ticketCard);
  renderList('active', active, engagementCard);
  renderList('ended', ended, engagementCard);
  renderDetail();
}

/**
 * @param {string} id
 * @param {any[]} items
 * @param {(item: any) => HTMLElement} card
 */
function renderList(id, items, card) {
  $(id).replaceChildren(
    ...items.map((item) => {
      const li = el('li');
      li.append(card(item));
      return li;
    })
  );
  $(`${id}-count`).textContent = String(items.length);
  const empty = document.getElementById(`${id}-empty`);
  if (empty) empty.hidden = items.length > 0;
}

/** @param {any} ticket */
function ticketCard(ticket) {
  const visitor = visitorOf(ticket.visitor_id);
  const button = cardButton('ticket', ticket.id, 'card card-waiting');
  const top = el('div', 'card-top');
  const time = el('span', 'card-time');
  time.append(waitingSince(ticket.created_at));
  top.append(el('span', 'card-name', displayName(visitor)), time);
  button.append(top, el('div', 'card-line', visitor?.note || queueName(ticket.queue_id)));
  return button;
}

/** @param {any} engagement */
function engagementCard(engagement) {
  const visitor = visitorOf(engagement.visitor_id);
  const active = engagement.state === 'active';
  const button = cardButton('engagement', engagement.id, active ? 'card card-active' : 'card');
  const top = el('div', 'card-top');
  const name = el('span', 'card-name');
  name.append(bdi(displayName(visitor)));
  if (active && engagement.visitor_typing) name.append(el('span', 'badge', 'typing…'));
  top.append(name, userText('span', 'card-time', engagement.operator?.name ?? ''));
  const last = engagement.messages.at(-1);
  // A message that is only files (its text may be empty) is told by their names.
  const files = last?.attachment?.type === 'files' ? last.attachment.files : [];
  const text = last?.content || files.map((/** @type {any} */ f) => f.name).join(', ');
  const line = last
    ? `${last.sender === 'operator' ? 'You: ' : ''}${text}`
    : active
      ? 'No messages yet'
      : 'Ended';
  button.append(top, userText('div', 'card-line', line));
  return button;
}

/**
 * @param {'ticket' | 'engagement'} kind
 * @param {string} id
 * @param {string} className
 */
function cardButton(kind, id, className) {
  const button = /** @type {HTMLButtonElement} */ (el('button', className));
  button.type = 'button';
  button.setAttribute('aria-current', String(selected?.kind === kind && selected.id === id));
  button.addEventListener('click', () => {
    selected = {kind, id};
    render();
  });
  return button;
}

function renderDetail() {
  const ticket =
    selected?.kind === 'ticket'
      ? state.tickets.find((/** @type {any} */ t) => t.id === selected?.id)
      : undefined;
  const engagement =
    selected?.kind === 'engagement'
      ? state.engagements.find((/** @type {any} */ e) => e.id === selected?.id)
      : undefined;
  $('placeholder').hidden = Boolean(ticket || engagement);
  $('detail').hidden = !(ticket || engagement);
  if (!ticket && !engagement) return;

  const visitor = visitorOf((ticket ?? engagement).visitor_id);
  const waiting = ticket?.state === 'queued';
  const live = engagement?.state === 'active';
  // Only the operator who holds the engagement writes in it; after a transfer that is someone else.
  const holder = engagement?.operator?.name ?? '';
  const mine = live && holder === myName();
  $('visitor-name').textContent = displayName(visitor);
  const meta = $('detail-meta');
  if (ticket) {
    meta.replaceChildren(
      `${queueName(ticket.queue_id)} · `,
      waiting ? waitingSince(ticket.created_at) : ticket.state
    );
  } else {
    meta.replaceChildren(
      `${queueName(engagement.queue_id)} · with `,
      bdi(holder || 'nobody'),
      ` · since ${clock(engagement.created_at)}${
        live ? '' : ` · ended by ${engagement.ended_by ?? 'someone'}`
      }`
    );
  }
  $('accept').hidden = !waiting;
  $('reject').hidden = !waiting;
  $('transfer-form').hidden = !mine;
  $('end').hidden = !mine;
  $('composer').hidden = !mine;
  $('choice-form').hidden = !mine;
  $('ended-note').hidden = !engagement || live;
  $('ended-note').textContent = engagement && !live ? 'This engagement has ended.' : '';
  $('holder-note').hidden = !live || mine;
  $('holder-note').replaceChildren(
    ...(live && !mine
      ? [bdi(holder), ' holds this chat now. Sign in as ', bdi(holder), ' to write in it.']
      : [])
  );

  const typing = $('typing');
  typing.hidden = !(live && engagement.visitor_typing);
  typing.replaceChildren(bdi(displayName(visitor)), ' is typing…');

  // The ticket the conversation came from: the selected one, or the engagement's.
  const filed =
    ticket ?? state.tickets.find((/** @type {any} */ t) => t.id === engagement.ticket_id);
  renderMessages(engagement, waiting, visitor, filed);
  renderVisitor(visitor, filed);
}

/**
 * The visitor's question (their note), as the first message of the conversation.
 * @param {any} visitor
 * @param {string} at
 */
function questionItem(visitor, at) {
  const li = el('li', 'message message-visitor question');
  li.append(
    el('div', 'bubble', visitor.note),
    el('span', 'message-meta', `${displayName(visitor)} · question · ${clock(at)}`)
  );
  return li;
}

/**
 * A transfer, as a line between the messages.
 * @param {any} leg
 */
function transferItem(leg) {
  return el(
    'li',
    'system-line',
    `Transferred to ${leg.operator ?? 'another operator'} · ${clock(leg.accepted_at)}`
  );
}

/**
 * @param {any} engagement
 * @param {boolean} waiting
 * @param {any} visitor
 * @param {any} filed the ticket the conversation came from, filed when the question was asked
 */
function renderMessages(engagement, waiting, visitor, filed) {
  const list = $('messages');
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  const items = [];
  if (waiting)
    items.push(el('li', 'system-line', 'Waiting for an operator. Accept to start the chat.'));
  if (visitor?.note && (waiting || engagement))
    items.push(questionItem(visitor, filed?.created_at ?? engagement?.created_at));
  if (engagement) {
    items.push(el('li', 'system-line', `Chat started ${clock(engagement.created_at)}`));
    // Transfers (every leg after the first) sit between the messages, by time.
    const transfers = (engagement.legs ?? []).slice(1);
    // An answer names only its option's value: its words are the latest question's.
    /** @type {{text: string, value: string}[]} */
    let asked = [];
    for (const message of engagement.messages) {
      while (transfers[0] && transfers[0].accepted_at <= message.at)
        items.push(transferItem(transfers.shift()));
      const li = el('li', `message message-${message.sender}`);
      const who =
        message.sender === 'operator'
          ? (message.sender_name ?? 'Operator')
          : (message.sender_name ?? 'Visitor');
      const bubble = userText('div', 'bubble', message.content);
      if (message.attachment?.type === 'single_choice') asked = message.attachment.options;
      if (message.attachment) bubble.append(attachmentView(message.attachment, asked));
      const meta = el('span', 'message-meta');
      meta.append(bdi(who), ` · ${clock(message.at)}`);
      li.append(bubble, meta);
      items.push(li);
    }
    items.push(...transfers.map(transferItem));
    if (engagement.state === 'ended')
      items.push(el('li', 'system-line', `Ended by ${engagement.ended_by ?? 'someone'}`));
  }
  const sameEngagement = list.dataset.engagement === (engagement?.id ?? '');
  list.replaceChildren(...items);
  list.dataset.engagement = engagement?.id ?? '';
  if (atBottom || !sameEngagement) list.scrollTop = list.scrollHeight;
}

/**
 * A message's files (thumbnails for images, links for the rest), a choice's options, or the answer
 * in the words of the option it chose (from `asked`, the question's options).
 * @param {any} attachment
 * @param {{text: string, value: string}[]} asked
 */
function attachmentView(attachment, asked) {
  const box = el('div', 'attachment');
  if (attachment.type === 'files') {
    for (const file of attachment.files) {
      const label = `${file.name} (${Math.max(1, Math.round(file.size / 1024))} KB)`;
      if (file.deleted) {
        box.append(el('span', 'file muted', `${label} · deleted`));
        continue;
      }
      const link = /** @type {HTMLAnchorElement} */ (el('a', 'file', ''));
      link.href = file.href;
      link.target = '_blank';
      if (file.content_type.startsWith('image/') && file.scan !== 'infected') {
        const img = /** @type {HTMLImageElement} */ (el('img', 'thumb', ''));
        img.src = file.href;
        img.alt = file.name;
        link.append(img);
      }
      link.append(el('span', '', file.scan === 'clean' ? label : `${label} · scan ${file.scan}`));
      box.append(link);
    }
  } else if (attachment.type === 'single_choice') {
    box.append(...attachment.options.map((/** @type {any} */ o) => el('span', 'choice', o.text)));
  } else if (attachment.type === 'single_choice_response') {
    const chosen = asked.find((option) => option.value === attachment.selected_option);
    box.append(el('span', 'choice chosen', `Chose: ${chosen?.text ?? attachment.selected_option}`));
  }
  return box;
}

/**
 * @param {any} visitor
 * @param {any} ticket
 */
function renderVisitor(visitor, ticket) {
  const facts = $('visitor-facts');
  const rows = [
    ['Name', visitor?.name || '—'],
    ['Email', visitor?.email ? breakable(visitor.email) : '—'],
    ['Shown as', visitor?.generated_name || '—'],
    ['Queue', ticket ? queueName(ticket.queue_id) : '—'],
  ];
  facts.replaceChildren(
    ...rows.flatMap(([term, value]) => {
      const dd = el('dd');
      dd.dir = 'auto';
      dd.append(value);
      return [el('dt', '', term), dd];
    })
  );
  const note = $('visitor-note');
  note.textContent = visitor?.note || 'No description given.';
  note.classList.toggle('muted', !visitor?.note);
  const attributes = $('visitor-attributes');
  const entries = Object.entries(visitor?.custom_attributes ?? {});
  attributes.replaceChildren(
    ...(entries.length === 0
      ? [el('dd', 'muted', 'None')]
      : entries.flatMap(([key, value]) => {
          const long = String(value).length > 48 || String(value).includes('\n');
          return [userText('dt', '', key), userText('dd', long ? 'long' : '', String(value))];
        }))
  );
}

// ---- actions ----

$('accept').addEventListener('click', async () => {
  if (selected?.kind !== 'ticket') return;
  const result = await api('POST', `/__sim/queue_tickets/${selected.id}/accept`, {
    operator: {name: myName()},
  });
  if (result?.engagement) selected = {kind: 'engagement', id: result.engagement.id};
  await refresh();
});

$('reject').addEventListener('click', async () => {
  if (selected?.kind !== 'ticket') return;
  await api('POST', `/__sim/queue_tickets/${selected.id}/reject`, {});
  selected = null;
  await refresh();
});

$('end').addEventListener('click', async () => {
  if (selected?.kind !== 'engagement') return;
  await api('POST', `/__sim/engagements/${selected.id}/end`);
  await refresh();
});

$('transfer-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('transfer-name'));
  const name = input.value.trim();
  if (selected?.kind !== 'engagement' || !name) return;
  if (await api('POST', `/__sim/engagements/${selected.id}/transfer`, {operator: {name}}))
    input.value = '';
  await refresh();
});

const textarea = /** @type {HTMLTextAreaElement} */ ($('message'));

/** @param {boolean} typing */
async function sendTyping(typing) {
  if (selected?.kind !== 'engagement' || $('composer').hidden) return;
  const id = selected.id;
  if (typing === (typingSentFor === id)) return;
  typingSentFor = typing ? id : '';
  await api('POST', `/__sim/engagements/${id}/typing`, {typing});
}

textarea.addEventListener('input', () => {
  clearTimeout(typingTimer);
  if (!textarea.value.trim()) {
    void sendTyping(false);
    return;
  }
  void sendTyping(true);
  typingTimer = setTimeout(() => void sendTyping(false), TYPING_IDLE_MS);
});

textarea.addEventListener('keydown', (event) => {
  if (event.key === 'Enter' && !event.shiftKey) {
    event.preventDefault();
    $('composer').dispatchEvent(new Event('submit', {cancelable: true}));
  }
});

$('composer').addEventListener('submit', async (event) => {
  event.preventDefault();
  const content = textarea.value.trim();
  if (selected?.kind !== 'engagement' || !content) return;
  clearTimeout(typingTimer);
  // The operator's message ends their typing; the simulator clears it with the message.
  typingSentFor = '';
  if (await api('POST', `/__sim/engagements/${selected.id}/messages`, {content}))
    textarea.value = '';
  await refresh();
});

$('console-file').addEventListener('change', async (event) => {
  const input = /** @type {HTMLInputElement} */ (event.target);
  const file = input.files?.[0];
  input.value = '';
  if (selected?.kind !== 'engagement' || !file) return;
  const data = new Uint8Array(await file.arrayBuffer());
  let binary = '';
  for (let i = 0; i < data.length; i += 0x8000)
    binary += String.fromCharCode(...data.subarray(i, i + 0x8000));
  const attachment = {
    type: 'files',
    files: [
      {
        name: file.name,
        content_type: file.type || 'application/octet-stream',
        data_base64: btoa(binary),
      },
    ],
  };
  const content = textarea.value.trim();
  if (await api('POST', `/__sim/engagements/${selected.id}/messages`, {content, attachment}))
    textarea.value = '';
  await refresh();
});

$('choice-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('choice-options'));
  const texts = input.value
    .split('|')
    .map((text) => text.trim())
    .filter(Boolean);
  const content = textarea.value.trim();
  if (selected?.kind !== 'engagement') return;
  if (!content || texts.length === 0) {
    showError('Write the question in the message box and at least one option here.');
    return;
  }
  const options = texts.map((text, i) => ({text, value: `option_${i + 1}`}));
  const attachment = {type: 'single_choice', options};
  if (await api('POST', `/__sim/engagements/${selected.id}/messages`, {content, attachment})) {
    textarea.value = '';
    input.value = '';
  }
  await refresh();
});

/** Wait times move on every second, without redrawing (focus and scroll stay where they are). */
function tickWaits() {
  for (const span of document.querySelectorAll('[data-since]'))
    span.textContent = `waiting ${since(/** @type {HTMLElement} */ (span).dataset.since ?? '')}`;
}
setInterval(tickWaits, 1000);
connect();
void refresh();
