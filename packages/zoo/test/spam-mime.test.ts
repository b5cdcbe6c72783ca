import { describe, expect, it } from 'vitest';
import { emailText } from '../src/data/mime.js';

const mail = (...lines: string[]) => lines.join('\r\n');

describe('emailText', () => {
  it('decodes a base64 body and keeps no header but the Subject', async () => {
    const raw = mail(
      'From spammer@example.com  Mon Jun 24 17:04:38 2002',
      'Return-Path: <spammer@example.com>',
      'Received: from mx.example.com by relay.example.org; Mon, 24 Jun 2002 17:04:38 +0100',
      'X-Mailing-List: offers@lists.example.com',
      'Subject: Cheap meds',
      'Content-Type: text/plain; charset=utf-8',
      'Content-Transfer-Encoding: base64',
      '',
      'QnV5IG5vdyEKQmVzdCBwcmljZXMgb24gZXZlcnl0aGluZy4K',
    );
    expect(await emailText(raw)).toBe('Cheap meds\nBuy now! Best prices on everything.');
  });

  it('decodes quoted-printable with soft line breaks, =E9 in latin-1 and =3D', async () => {
    const raw = mail(
      'Subject: =?ISO-8859-1?Q?Caf=E9?= menu',
      'Content-Type: text/plain; charset=iso-8859-1',
      'Content-Transfer-Encoding: quoted-printable',
      '',
      'Caf=E9 au lait, tr=',
      '=E8s bon. Price =3D 2 euros, to=',
      'day only.',
    );
    expect(await emailText(raw)).toBe('Café menu\nCafé au lait, très bon. Price = 2 euros, today only.');
  });

  it('converts HTML-only mail: tags, <script> and <style> dropped, entities decoded', async () => {
    const raw = mail(
      'Subject: Offer',
      'Content-Type: text/html; charset=utf-8',
      '',
      '<html><head><style>p { color: red }</style><script>var tracking = 1;</script></head>',
      '<body><p>Tom &amp; Jerry&nbsp;say &eacute;t&#233;</p><table><tr><td>Click</td> <td>now</td></tr></table>',
      '<script>alert("x")</script></body></html>',
    );
    const text = await emailText(raw);
    expect(text).toBe('Offer\nTom & Jerry say été Click now');
  });

  it('prefers the text/plain part of multipart/alternative', async () => {
    const raw = mail(
      'Subject: Both',
      'MIME-Version: 1.0',
      'Content-Type: multipart/alternative; boundary="alt"',
      '',
      'This is a multi-part message in MIME format.',
      '--alt',
      'Content-Type: text/plain; charset=us-ascii',
      '',
      'the plain version',
      '--alt',
      'Content-Type: text/html; charset=us-ascii',
      '',
      '<html><body><p>the <b>HTML</b> version</p></body></html>',
      '--alt--',
    );
    expect(await emailText(raw)).toBe('Both\nthe plain version');
  });

  it('converts HTML that sits outside the root (multipart/mixed without a plain part)', async () => {
    const raw = mail(
      'Subject: Mixed',
      'Content-Type: multipart/mixed; boundary="mix"',
      '',
      '--mix',
      'Content-Type: text/html; charset=us-ascii',
      '',
      '<html><body><p>Lowest <i>rates</i> ever</p></body></html>',
      '--mix',
      'Content-Type: image/gif; name="logo.gif"',
      'Content-Transfer-Encoding: base64',
      '',
      'R0lGODlhAQABAAAAACw=',
      '--mix--',
    );
    expect(await emailText(raw)).toBe('Mixed\nLowest rates ever');
  });

  it('converts HTML sent as text/plain (no Content-Type), but leaves a mention of one tag alone', async () => {
    const html = mail('Subject: Win', '', '<HTML><BODY><FONT size=2>You have <B>won</B> a prize!</FONT></BODY></HTML>');
    expect(await emailText(html)).toBe('Win\nYou have won a prize!');
    const ham = mail('Subject: Re: markup', '', 'Use <b> around the word to make it bold.');
    expect(await emailText(ham)).toBe('Re: markup\nUse <b> around the word to make it bold.');
  });

  it('starts with an empty line when there is no Subject, and collapses whitespace', async () => {
    const raw = mail(
      'From: someone@example.com',
      'Content-Type: text/plain',
      '',
      '  first line\t\ttabs',
      '',
      '',
      'last   line  ',
    );
    expect(await emailText(raw)).toBe('\nfirst line tabs last line');
  });

  it('falls back to the raw body after the header block when mailparser rejects the mail', async () => {
    // A header block over mailparser's 1 MiB limit makes simpleParser reject (EMAXLEN).
    const raw = mail(
      'Subject: Too',
      ' big',
      `X-Padding: ${'a'.repeat(1_100_000)}`,
      '',
      'The body  survives.',
      'Second line.',
    );
    expect(await emailText(raw)).toBe('Too big\nThe body survives. Second line.');
  });

  it('falls back to the raw body when no MIME part matches the boundary', async () => {
    const raw = mail(
      'Subject: Broken boundary',
      'Content-Type: multipart/alternative; boundary="=Multipart Boundary 0925"',
      '',
      '--= Multipart Boundary 0925',
      'Content-Type: text/plain',
      '',
      'Make money fast',
      '--= Multipart Boundary 0925--',
    );
    const text = await emailText(raw);
    expect(text.startsWith('Broken boundary\n')).toBe(true);
    expect(text).toContain('Make money fast');
  });

  it('keeps what it can of a truncated multipart with broken base64', async () => {
    const raw = mail(
      'Subject: cut',
      'Content-Type: multipart/mixed; boundary="zz"',
      '',
      '--zz',
      'Content-Type: text/plain',
      'Content-Transfer-Encoding: base64',
      '',
      'SGVsbG8gd29ybGQ=!!**',
      '--zz',
      'Content-Type: text/plain',
      '',
      'second part never ends',
    );
    expect(await emailText(raw)).toBe('cut\nHello world second part never ends');
  });

  it('reads an attached text part and a forwarded message (its Subject and body, not its headers)', async () => {
    const raw = mail(
      'Subject: Fwd',
      'Content-Type: multipart/mixed; boundary="m"',
      '',
      '--m',
      'Content-Type: message/rfc822',
      'Content-Disposition: attachment',
      '',
      'Received: from inner.example.com by outer.example.com',
      'Subject: =?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'Inner body',
      '--m',
      'Content-Type: TEXT/PLAIN charset=US-ASCII',
      'Content-Disposition: attachment; filename="notes.txt"',
      '',
      'Attached notes',
      '--m--',
    );
    const text = await emailText(raw);
    expect(text).toBe('Fwd\nGrüße aus Köln Inner body Attached notes');
  });
});
