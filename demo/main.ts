/**
 * The demo intranet page's own script: a small scripted help assistant that tries self-service
 * first and, when it cannot help, hands the person to the IT Service Desk through <glia-handoff>.
 * It uses the element only through its public API (properties, methods, events), as any page would.
 * The assistant keeps its conversation in sessionStorage, as the widget keeps its own: a reload
 * shows the same conversation, the same choices and the same hand-off context for the agent.
 */
import type {HandoffContext} from '../src/widget/controllers/session-controller.js';
import type {GliaHandoffElement} from '../src/widget/glia-handoff.js';

interface Topic {
  label: string;
  answer: string;
}

const TOPICS: Record<string, Topic> = {
  vpn: {
    label: 'VPN keeps disconnecting',
    answer:
      'Try signing out of the VPN client, then choose the "Europe-North" gateway. There is a known issue with the EU gateway today.',
  },
  password: {
    label: 'I forgot my password',
    answer: 'You can reset it yourself at https://password.northwind.example with your phone.',
  },
  laptop: {
    label: 'My laptop is slow',
    answer:
      'Restart it and let pending updates finish. Slowness right after updates is normal for an hour.',
  },
};

/** Where the assistant's conversation stands: what was said, what it offers, what it handed on. */
interface Conversation {
  transcript: {from: 'bot' | 'visitor'; text: string}[];
  /** `topic` (choose a topic), `answered:<topic>` (did that solve it?), or `done`. */
  step: string;
  context: HandoffContext | null;
  /** The code of the widget's last problem, for the status line after a reload. */
  problem: string;
  /** Whether an agent joined the current chat (an end before that is a cancelled request). */
  answered: boolean;
}

const STORAGE_KEY = 'northwind-help-assistant';

const log = document.querySelector<HTMLOListElement>('#bot-log')!;
const choices = document.querySelector<HTMLDivElement>('#bot-choices')!;
const status = document.querySelector<HTMLParagraphElement>('#handoff-status')!;
const handoff = document.querySelector<GliaHandoffElement>('#handoff')!;

// The proxy that serves this page also serves the handoff API: index.html says proxy-url="".
// The intranet knows who is signed in: the pre-chat is prefilled.
handoff.name = 'Jordan Lee';
handoff.email = 'jordan.lee@northwind.example';
// `?lang=fi` or `?lang=ar` shows the widget in another of its languages.
const lang = new URLSearchParams(location.search).get('lang');
if (lang) handoff.locale = lang;

function load(): Conversation | null {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? 'null') as Conversation | null;
    return saved && Array.isArray(saved.transcript) ? saved : null;
  } catch {
    return null;
  }
}

const conversation: Conversation = load() ?? {
  transcript: [],
  step: 'topic',
  context: null,
  problem: '',
  answered: false,
};

function save(): void {
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(conversation));
  } catch {
    // Storage can be unavailable (private modes): the assistant works for this page view.
  }
}

function show(from: 'bot' | 'visitor', text: string): void {
  const item = document.createElement('li');
  item.className = from;
  item.textContent = text;
  log.append(item);
}

function say(from: 'bot' | 'visitor', text: string): void {
  conversation.transcript.push({from, text});
  save();
  show(from, text);
}

/** Offer the choices of `step`. */
function offer(step: string): void {
  conversation.step = step;
  save();
  const buttons: {label: string; onClick: () => void}[] =
    step === 'topic'
      ? [
          ...Object.entries(TOPICS).map(([key, topic]) => ({
            label: topic.label,
            onClick: () => tryAnswer(key),
          })),
          {label: 'Something else', onClick: () => escalate('other')},
        ]
      : step.startsWith('answered:')
        ? [
            {
              label: 'Yes, thanks',
              onClick: () => (say('bot', 'Great, glad I could help.'), offer('done')),
            },
            {
              label: 'No, talk to a person',
              onClick: () => escalate(step.slice('answered:'.length)),
            },
          ]
        : [];
  // A choice that was used is replaced: focus moves on to the next choices (or the log).
  const hadFocus = choices.contains(document.activeElement);
  choices.replaceChildren(
    ...buttons.map(({label, onClick}) => {
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = label;
      button.addEventListener('click', () => {
        say('visitor', label);
        onClick();
      });
      return button;
    })
  );
  if (hadFocus) (choices.querySelector('button') ?? log).focus();
}

function tryAnswer(key: string): void {
  const topic = TOPICS[key]!;
  say('bot', topic.answer);
  say('bot', 'Did that solve it?');
  offer(`answered:${key}`);
}

function escalate(topic: string): void {
  say(
    'bot',
    'I will connect you with the IT Service Desk. Tell them what is going on in the chat window.'
  );
  conversation.context = {
    transcript: [...conversation.transcript],
    attributes: {page: location.pathname, topic, employee_id: 'E-10442', office: 'Helsinki'},
  };
  handoff.context = conversation.context;
  offer('done');
  handoff.open();
}

/** One sentence for the page's status line: what happened, and where to go on. */
function statusText(chatStatus: string): string {
  switch (chatStatus) {
    case 'queued':
      return 'You are in the IT Service Desk queue. Keep this page open; an agent will answer in the chat window.';
    case 'engaged':
      return 'You are chatting with the IT Service Desk in the chat window.';
    case 'ended':
      return conversation.answered
        ? 'Your chat with the IT Service Desk has ended. You can start a new one in the chat window.'
        : 'Your request to the IT Service Desk ended before an agent joined. You can start a new one in the chat window.';
    case 'failed':
      if (conversation.problem === 'session-lost') {
        return 'Your chat with the IT Service Desk was interrupted. You can start a new one in the chat window.';
      }
      if (conversation.problem === 'session-failed') {
        return 'No one at the IT Service Desk could take the chat just now. The chat window says what you can do next.';
      }
      return 'The IT Service Desk cannot be reached right now. You can try again from the chat window.';
    default:
      return '';
  }
}

// A failure's status change comes just before its glia-error: the error settles the words.
handoff.addEventListener('glia-error', (event) => {
  conversation.problem = event.problem.code;
  save();
  status.textContent = statusText(handoff.status);
});

handoff.addEventListener('glia-operator-change', () => {
  conversation.answered = true;
  save();
});

handoff.addEventListener('glia-open-change', (event) => {
  document.body.classList.toggle('chat-open', event.open);
});

handoff.addEventListener('glia-status-change', (event) => {
  if (event.status !== 'failed') conversation.problem = '';
  if (event.status === 'queued') conversation.answered = false;
  save();
  status.textContent = statusText(event.status);
});

// A reload: the conversation as it was, and the agent's context for any later chat.
for (const line of conversation.transcript) show(line.from, line.text);
handoff.context = conversation.context;
if (conversation.transcript.length === 0) say('bot', 'Hi Jordan! What do you need help with?');
offer(conversation.step);

// The widget restores its own chat; the status line says where it stands once it has.
void customElements
  .whenDefined('glia-handoff')
  .then(() => handoff.updateComplete)
  .then(() => {
    status.textContent = statusText(handoff.status);
    document.body.classList.toggle('chat-open', handoff.isOpen);
  });
