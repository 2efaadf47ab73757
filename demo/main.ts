/**
 * The demo intranet page's own script: a small scripted help assistant that tries self-service
 * first and, when it cannot help, hands the person to the IT Service Desk through <glia-handoff>.
 * It uses the element only through its public API (properties, methods, events), as any page would.
 */
import type {GliaHandoffElement} from '../src/widget/glia-handoff-element.js';

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

const log = document.querySelector<HTMLOListElement>('#bot-log')!;
const choices = document.querySelector<HTMLDivElement>('#bot-choices')!;
const status = document.querySelector<HTMLParagraphElement>('#handoff-status')!;
const handoff = document.querySelector<GliaHandoffElement>('#handoff')!;

/** What the bot and the person said, handed to the agent with the ticket. */
const transcript: {from: 'bot' | 'visitor'; text: string}[] = [];

// The proxy that serves this page also serves the handoff API.
handoff.setAttribute('proxy-url', location.origin);
// The intranet knows who is signed in: the pre-chat is prefilled.
handoff.name = 'Jordan Lee';
handoff.email = 'jordan.lee@northwind.example';

function say(from: 'bot' | 'visitor', text: string): void {
  transcript.push({from, text});
  const item = document.createElement('li');
  item.className = from;
  item.textContent = text;
  log.append(item);
}

function offer(buttons: {label: string; onClick: () => void}[]): void {
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
}

function askTopic(): void {
  say('bot', 'Hi Jordan! What do you need help with?');
  offer([
    ...Object.entries(TOPICS).map(([key, topic]) => ({
      label: topic.label,
      onClick: () => tryAnswer(key),
    })),
    {label: 'Something else', onClick: () => escalate('other')},
  ]);
}

function tryAnswer(key: string): void {
  const topic = TOPICS[key]!;
  say('bot', topic.answer);
  say('bot', 'Did that solve it?');
  offer([
    {label: 'Yes, thanks', onClick: () => (say('bot', 'Great, glad I could help.'), offer([]))},
    {label: 'No, talk to a person', onClick: () => escalate(key)},
  ]);
}

function escalate(topic: string): void {
  say(
    'bot',
    'I will connect you with the IT Service Desk. Tell them what is going on in the chat window.'
  );
  offer([]);
  handoff.context = {
    transcript: [...transcript],
    attributes: {page: location.pathname, topic, employee_id: 'E-10442', office: 'Helsinki'},
  };
  handoff.open();
}

handoff.addEventListener('glia-status-change', (event) => {
  const words: Record<string, string> = {
    queued: 'Waiting for the IT Service Desk…',
    engaged: 'You are chatting with the IT Service Desk.',
    ended: 'Your chat with the IT Service Desk has ended.',
    failed: 'The IT Service Desk could not take the chat.',
  };
  status.textContent = words[event.status] ?? '';
});

askTopic();
