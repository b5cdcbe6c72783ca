import type { Email } from './spam.js';

/**
 * A mail's opening: the first OPENING_LETTERS letters of its body, lowercased, everything that is not a letter
 * dropped (the yardstick for twins across the split). Two mails with the same opening are not always
 * near-duplicates: issues of one newsletter (The Register, Lockergnome, CNET) share a long masthead and differ below
 * it, replies in one thread open on the same quote, feed items (livejournal) share a short template body. They are
 * kept, but the split puts each such group on one side, so that no test mail opens like a training mail. A body
 * without letters has no opening and groups with nothing.
 */
export const OPENING_LETTERS = 300;

export function opening(text: string): string {
  const letters = /\p{L}+/gu;
  letters.lastIndex = text.indexOf('\n') + 1;
  let out = '';
  for (let run = letters.exec(text); run && out.length < OPENING_LETTERS; run = letters.exec(text)) out += run[0];
  return out.toLowerCase().slice(0, OPENING_LETTERS);
}

/** The group key of a mail for groupedStratifiedSplit: its opening, or undefined when it has none. */
export function openingGroup(email: Email): string | undefined {
  return opening(email.text) || undefined;
}
