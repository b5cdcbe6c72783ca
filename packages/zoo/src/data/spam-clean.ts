import { FOOTER_NAMES, type FooterName, stripListFooters } from './list-footers.js';
import { stripListTags } from './list-tags.js';
import type { Email } from './spam.js';

/**
 * The corpus without what the mailing lists added: subject tags (list-tags.ts) and body footers (list-footers.ts),
 * applied to every decoded `${subject}\n${body}` before any deduplication, so that two copies of one mail relayed by
 * two lists compare equal. Counts, per label, how many mails each rule changed: the loader reports them.
 */
export interface LabelCounts {
  ham: number;
  spam: number;
}

export interface CleaningCounts {
  /** Mails that lost at least one subject tag. */
  readonly subjectTags: LabelCounts;
  /** Mails that lost each footer. */
  readonly footers: Record<FooterName, LabelCounts>;
}

export function cleanEmailText(text: string): string {
  return clean(text).text;
}

export function cleanCorpus(emails: readonly Email[]): { emails: Email[]; counts: CleaningCounts } {
  const counts: CleaningCounts = {
    subjectTags: { ham: 0, spam: 0 },
    footers: Object.fromEntries(FOOTER_NAMES.map((name) => [name, { ham: 0, spam: 0 }])) as Record<
      FooterName,
      LabelCounts
    >,
  };
  const cleaned = emails.map((email) => {
    const { text, tags, footers } = clean(email.text);
    if (tags.length > 0) counts.subjectTags[email.label]++;
    for (const name of footers) counts.footers[name][email.label]++;
    return { ...email, text };
  });
  return { emails: cleaned, counts };
}

function clean(text: string): { text: string; tags: readonly string[]; footers: readonly FooterName[] } {
  const newline = text.indexOf('\n');
  const subject = stripListTags(newline < 0 ? text : text.slice(0, newline));
  const body = stripListFooters(newline < 0 ? '' : text.slice(newline + 1));
  return { text: `${subject.subject}\n${body.body}`, tags: subject.tags, footers: body.footers };
}
