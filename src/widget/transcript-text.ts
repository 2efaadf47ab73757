/** @module The conversation as plain text, for the "Download transcript" button. */
import type {Chat, SessionState, TranscriptItem} from './store/session-state.js';
import type {Strings} from './strings.js';

/**
 * The agent's name for each operator message: whoever joined last before it (a transfer changes
 * it), or the current agent for messages restored without a join notice.
 */
export function speakers(chat: Chat): Map<TranscriptItem, string> {
  const names = new Map<TranscriptItem, string>();
  let current: string | undefined;
  for (const item of chat.items) {
    if (item.kind === 'notice') current = item.name;
    else if (item.from === 'operator') {
      const name = current ?? chat.operator?.name;
      if (name) names.set(item, name);
    }
  }
  return names;
}

/** A message's text, then the names of its files in brackets. */
const withFiles = (m: {text: string; files?: Array<{name: string}>}) =>
  [m.text, ...(m.files ?? []).map((f) => `[${f.name}]`)].filter(Boolean).join(' ');

/** The question, then one line per message and notice, `[time] Who: text`, as they were shown. */
export function transcriptText(state: SessionState, strings: Strings, locale: string): string {
  if (!('chat' in state) || !state.chat) return '';
  const {chat} = state;
  const time = new Intl.DateTimeFormat(locale || undefined, {
    dateStyle: 'short',
    timeStyle: 'short',
  });
  const stamp = (at: string) => `[${time.format(new Date(at))}]`;
  const names = speakers(chat);
  const who = {visitor: strings.you, operator: strings.agent, system: strings.system};
  // The question opens the conversation, as it does on screen.
  const question = chat.description
    ? [`${stamp(chat.createdAt)} ${strings.you}: ${chat.description}`]
    : [];
  const lines = chat.items.map((item) =>
    item.kind === 'notice'
      ? `${stamp(item.at)} ${(item.notice === 'joined' ? strings.joined : strings.transferred)(item.name)}`
      : `${stamp(item.at)} ${names.get(item) ?? who[item.from]}: ${withFiles(item)}`
  );
  for (const item of chat.outbox) {
    const note = item.delivery === 'sent' ? '' : ` (${strings[item.delivery]})`;
    lines.push(`${stamp(item.at)} ${strings.you}${note}: ${withFiles(item)}`);
  }
  if (state.status === 'ended') lines.push(strings.endedBy[state.endedBy]);
  return `${strings.title}\n\n${[...question, ...lines].join('\n')}\n`;
}
