import { type Attachment, type ParsedMail, type SimpleParserOptions, simpleParser } from 'mailparser';

/**
 * The text a spam classifier may see of one raw RFC 822 message: `${subject}\n${body}`, every whitespace run
 * collapsed to one space. No other header: in this corpus the routing and mailing-list headers give the label
 * away, so they must not reach the model.
 *
 * The body, in order of preference (the first that is not blank):
 *   1. mailparser's text: the text/plain parts (preferred inside multipart/alternative), HTML-only mail converted
 *   2. the HTML parts converted, for HTML outside the root that mailparser does not convert (multipart/mixed,
 *      multipart/related, or an empty text/plain alternative)
 *   3. attached text: text/plain, text/html (converted), message/rfc822 (its subject and body, no headers)
 *   4. the raw body after the header block, when the parser found no part at all (a boundary that matches
 *      nothing) or rejected the mail (a header block over its limit): never throws
 * Markup in what comes out (spam often sends HTML without a Content-Type, which defaults to text/plain) is
 * converted as HTML too.
 */
const OPTIONS: SimpleParserOptions = {
  skipImageLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  checksumAlgo: false,
};
const HTML_TAG =
  /<\/?(?:html|head|body|table|tr|td|th|font|div|span|center|p|br|b|i|u|a|img|meta|title|style|script)\b[^<>]*>/giu;
/** Three tags, not one: ham that mentions a tag ("use <b> for bold") stays as written. */
const MIN_HTML_TAGS = 3;

export async function emailText(raw: string): Promise<string> {
  let parsed: ParsedMail;
  try {
    parsed = await simpleParser(raw, OPTIONS);
  } catch {
    return join(rawSubject(raw), rawBody(raw));
  }
  let body = parsed.text ?? '';
  if (isBlank(body) && parsed.html) body = await htmlToText(parsed.html);
  if (isBlank(body)) body = (await Promise.all(parsed.attachments.map(attachedText))).join('\n');
  if (isBlank(body) && parsed.attachments.length === 0) body = rawBody(raw);
  if (looksLikeHtml(body)) body = await htmlToText(body);
  return join(parsed.subject ?? '', body);
}

/**
 * mailparser's own converter (html-to-text: tags, scripts and styles dropped, entities decoded, links kept as
 * `text [url]`), reached through a one-part HTML message so that every HTML in the corpus converts the same way.
 */
async function htmlToText(html: string): Promise<string> {
  const base64 = Buffer.from(html, 'utf8').toString('base64').replace(/.{76}/gu, '$&\r\n');
  try {
    const parsed = await simpleParser(
      `Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n${base64}`,
      OPTIONS,
    );
    if (!parsed.textConversionError) return parsed.text ?? '';
  } catch {
    // The converter gave up (too deep, too long): the words matter more than the layout.
  }
  return html.replace(/<[^>]*>/gu, ' ');
}

async function attachedText(attachment: Attachment): Promise<string> {
  // The type up to the first separator: spam writes `TEXT/PLAIN charset=US-ASCII`, without the semicolon.
  const type = attachment.contentType.toLowerCase().split(/[\s;]/u)[0];
  if (type === 'text/plain') return attachment.content.toString('utf8');
  if (type === 'text/html') return htmlToText(attachment.content.toString('utf8'));
  if (type === 'message/rfc822') return emailText(attachment.content.toString('utf8'));
  return '';
}

function looksLikeHtml(text: string): boolean {
  let tags = 0;
  for (const _ of text.matchAll(HTML_TAG)) if (++tags >= MIN_HTML_TAGS) return true;
  return false;
}

function headerBlockEnd(raw: string): RegExpExecArray | null {
  return /\r?\n\r?\n/u.exec(raw);
}

function rawBody(raw: string): string {
  const end = headerBlockEnd(raw);
  return end ? raw.slice(end.index + end[0].length) : '';
}

/** The Subject of a mail the parser rejected, unfolded but not decoded (encoded words stay as they are). */
function rawSubject(raw: string): string {
  const end = headerBlockEnd(raw);
  const head = end ? raw.slice(0, end.index) : raw;
  return /^subject:(.*(?:\r?\n[ \t].*)*)/imu.exec(head)?.[1] ?? '';
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

function collapse(text: string): string {
  return text.replace(/\s+/gu, ' ').trim();
}

function join(subject: string, body: string): string {
  return `${collapse(subject)}\n${collapse(body)}`;
}
