/**
 * @module The launcher's words in every locale: a few bytes, in the widget's first load, so a
 * Finnish page names its launcher in Finnish before the panel and its locale's table are loaded.
 * The panel's strings (./strings.ts) are the rest; a locale missing here falls back to English.
 */

export interface LauncherWords {
  launcher: string;
  unread: (count: number) => string;
}

const words: Record<string, LauncherWords> = {
  en: {
    launcher: 'Chat with support',
    unread: (n) => `${n} unread ${n === 1 ? 'message' : 'messages'}`,
  },
  fi: {
    launcher: 'Keskustele tuen kanssa',
    unread: (n) => `${n} lukematon${n === 1 ? '' : 'ta'} viesti${n === 1 ? '' : 'ä'}`,
  },
  ar: {launcher: 'تحدث مع الدعم', unread: (n) => `رسائل غير مقروءة: ${n}`},
};

/** The primary language subtag of a BCP 47 tag: `fi-FI` → `fi`. */
export const language = (locale: string) => locale.toLowerCase().split('-')[0] ?? '';

/** The launcher's words for `locale` (a BCP 47 tag); English for the rest. */
export const launcherWords = (locale: string): LauncherWords =>
  words[language(locale)] ?? words.en!;
