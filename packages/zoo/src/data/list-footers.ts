/**
 * Mailing-list footers: the boilerplate that list software appends to every mail it relays. The ham of this corpus
 * came from a few lists, so a footer named the source and with it the label (`ilug@linux.ie` was in 544 ham and 44
 * spam). Found by counting the most frequent last twelve words of the decoded bodies per label; each pattern below
 * is one list host's footer, removed wherever it stands (quoted replies carry their parent's footer too).
 *
 * Bodies arrive with whitespace collapsed to single spaces (mime.ts), so a quoted footer reads
 * `_____ > Razor-users mailing list > Razor-users@lists.sourceforge.net > https://...`: QUOTE allows the quote marks
 * (`>`, `|`, `)`, `#`) between the words of every pattern.
 *
 * Mails of the raw corpus (ham / spam) whose body held each footer:
 *   sf-sponsor      419 / 87   SourceForge's `----- This sf.net email is sponsored by: ...` block, before its
 *                              Mailman rule
 *   mailman        1024 / 91   `_____ <List> mailing list <address> <listinfo URL>` (SourceForge, Red Hat, freshrpms,
 *                              ximian's `maillist -` variant; the URL may be cut off)
 *   linux-ie        579 / 65   `-- Irish Linux Users' Group[ Social Events]: ilug@linux.ie ... List maintainer: ...`
 *   yahoo-sponsor    93 / 0    `----- Yahoo! Groups Sponsor -----~--> (advert) -----~->`, or from HTML mail
 *                              `Yahoo! Groups Sponsor ADVERTISEMENT`
 *   yahoo-trailer   133 / 0    `To unsubscribe from this group, send an email to: ...@egroups.com Your use of ...`
 *                              (or @yahoogroups.com, or ending `the Yahoo! Terms of Service.`)
 *   majordomo         1 / 9    `To Unsubscribe: send mail to majordomo@... with "unsubscribe <list>" in the body ...`
 *   fork            451 / 55   FoRK's footer, its bare listinfo URL `http://xent.com/mailman/listinfo/fork`
 *   listinfo-url      5 / 0    any other bare Mailman listinfo URL that ends a body (iiu, ximian, freshmeat-news)
 * Mails holding a trace, raw → cleaned (ham / spam): `ilug@linux.ie` 544 / 44 → 34 / 7 (quoted `To: ilug@linux.ie`
 * headers in replies, and a spam opt-out link that carries the address); `listinfo` 2,061 / 211 → 12 / 1 (links
 * people post, header dumps); `egroups` 134 / 0 → 2 / 0; `This sf.net email is sponsored` 419 / 87 → 0 / 0.
 * What stays, on purpose: a sender's own newsletter trailer (use Perl, The Register, Lockergnome, CNET) and a
 * spammer's opt-out paragraph are the sender's text, as in real mail; free-mail providers' taglines (Yahoo! Mail,
 * MSN) come from the sender's provider, not from a list, and spam uses them too.
 */

export const FOOTER_NAMES = [
  'sf-sponsor',
  'mailman',
  'linux-ie',
  'yahoo-sponsor',
  'yahoo-trailer',
  'majordomo',
  'fork',
  'listinfo-url',
] as const;
export type FooterName = (typeof FOOTER_NAMES)[number];

const QUOTE = String.raw`[\s>|)#]*`;
const ADDRESS = String.raw`<?[\w.+-]+@[\w.-]+>?`;

/** The words of a literal phrase, escaped, with quote marks allowed between them. */
function phrase(text: string): string {
  return text
    .split(' ')
    .map((word) => word.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&'))
    .join(QUOTE);
}

/** Regular-expression parts in sequence, quote marks allowed between them; global, case-insensitive. */
function sequence(...parts: string[]): RegExp {
  return new RegExp(parts.join(QUOTE), 'giu');
}

/** In this order: the sponsor block is recognized by the Mailman rule that follows it, so it goes first. */
const PATTERNS: Readonly<Record<FooterName, RegExp>> = {
  'sf-sponsor': sequence('-{10,}', phrase('This sf.net email is sponsored by:'), '.{0,400}?(?=_{10,})'),
  mailman: sequence(
    '_{10,}',
    String.raw`[\w.-]+`,
    `(?:${phrase('mailing list')}|maillist${QUOTE}-)`,
    ADDRESS,
    String.raw`(?:https?://\S+)?`,
  ),
  'linux-ie': sequence(
    '(?:--)?',
    phrase("Irish Linux Users' Group"),
    `(?:${phrase('Social Events')})?:`,
    String.raw`\S+@linux\.ie`,
    String.raw`\S+`,
    phrase('for (un)subscription information. List maintainer: listmaster@linux.ie'),
  ),
  'yahoo-sponsor': new RegExp(
    [
      sequence('-{10,}', phrase('Yahoo! Groups Sponsor'), '-+~-->.{0,1000}?-+~->').source,
      phrase('Yahoo! Groups Sponsor ADVERTISEMENT'),
    ].join('|'),
    'giu',
  ),
  'yahoo-trailer': sequence(
    phrase('To unsubscribe from this group, send an email to:'),
    String.raw`\S+@(?:yahoogroups|egroups)\.com`,
    phrase('Your use of Yahoo! Groups is subject to'),
    String.raw`(?:http://docs\.yahoo\.com/info/terms/?|${phrase('the Yahoo! Terms of Service.')})`,
  ),
  majordomo: sequence(
    phrase('To Unsubscribe: send mail to'),
    String.raw`majordomo@[\w.-]+`,
    'with',
    String.raw`"unsubscribe [\w.-]+"`,
    String.raw`${phrase('in the body of the message')}\.?`,
  ),
  fork: /https?:\/\/xent\.com\/mailman\/listinfo\/fork\b/giu,
  'listinfo-url': /https?:\/\/\S+\/mailman\/listinfo\/\S+\s*$/iu,
};

/** A word every match contains, lowercased: most bodies hold none of them and skip the pattern. */
const NEEDLES: Readonly<Record<FooterName, string>> = {
  'sf-sponsor': 'sponsored',
  mailman: 'list',
  'linux-ie': 'linux.ie',
  'yahoo-sponsor': 'sponsor',
  'yahoo-trailer': 'groups.com',
  majordomo: 'majordomo@',
  fork: 'xent.com',
  'listinfo-url': 'listinfo',
};

export interface StrippedBody {
  readonly body: string;
  /** The footers found, each once however often it occurred. */
  readonly footers: readonly FooterName[];
}

/** The body without list footers, whitespace collapsed again. */
export function stripListFooters(body: string): StrippedBody {
  const footers: FooterName[] = [];
  const lower = body.toLowerCase();
  let rest = body;
  for (const name of FOOTER_NAMES) {
    if (!lower.includes(NEEDLES[name])) continue;
    const stripped = rest.replace(PATTERNS[name], ' ');
    if (stripped !== rest) footers.push(name);
    rest = stripped;
  }
  return { body: rest.replace(/\s+/gu, ' ').trim(), footers };
}
