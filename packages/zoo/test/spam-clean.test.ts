import { describe, expect, it } from 'vitest';
import { stripListFooters } from '../src/data/list-footers.js';
import { stripListTags } from '../src/data/list-tags.js';
import { cleanCorpus, cleanEmailText } from '../src/data/spam-clean.js';

const SF_FOOTER =
  '------------------------------------------------------- This sf.net email is sponsored by:ThinkGeek Welcome to geek heaven. http://thinkgeek.com/sf _______________________________________________ Razor-users mailing list Razor-users@lists.sourceforge.net https://lists.sourceforge.net/lists/listinfo/razor-users';
const ILUG_FOOTER =
  "-- Irish Linux Users' Group: ilug@linux.ie http://www.linux.ie/mailman/listinfo/ilug for (un)subscription information. List maintainer: listmaster@linux.ie";
const YAHOO_FOOTER =
  '------------------------ Yahoo! Groups Sponsor ---------------------~--> 4 DVDs Free +s&p Join Now http://us.click.yahoo.com/pt6YBB/NXiEAA/mG3HAA/7gSolB/TM ---------------------------------------------------------------------~-> To unsubscribe from this group, send an email to: forteana-unsubscribe@egroups.com Your use of Yahoo! Groups is subject to http://docs.yahoo.com/info/terms/';

describe('stripListTags', () => {
  it('removes leading list tags, several and after reply prefixes, and keeps the prefixes', () => {
    expect(stripListTags('[zzzzteana] Lost in the woods')).toEqual({
      subject: 'Lost in the woods',
      tags: ['zzzzteana'],
    });
    expect(stripListTags('Re: [ILUG] adsl router')).toEqual({ subject: 'Re: adsl router', tags: ['ILUG'] });
    expect(stripListTags('RE: Re: [SAtalk] [Spambayes] both lists')).toEqual({
      subject: 'RE: Re: both lists',
      tags: ['SAtalk', 'Spambayes'],
    });
    expect(stripListTags('Fwd:[ILUG-Social] pints')).toEqual({ subject: 'Fwd: pints', tags: ['ILUG-Social'] });
    expect(stripListTags('[use Perl] Headlines for 2002-08-30').subject).toBe('Headlines for 2002-08-30');
    expect(stripListTags('[Lockergnome Tech Specialist] Skip Content').subject).toBe('Skip Content');
  });

  it('keeps author markers, bug numbers, hash-buster suffixes, numbers and non-ASCII labels', () => {
    expect(stripListTags('[ILUG] [OT] Dell machine')).toEqual({ subject: '[OT] Dell machine', tags: ['ILUG'] });
    expect(stripListTags('[SAdev] [Bug 735] spamassassin -t lies').subject).toBe('[Bug 735] spamassassin -t lies');
    expect(stripListTags('[ADV] cheap ink').subject).toBe('[ADV] cheap ink');
    expect(stripListTags('[ANN] release 1.0').subject).toBe('[ANN] release 1.0');
    expect(stripListTags('Expand Your Business! [wz6lo]')).toEqual({
      subject: 'Expand Your Business! [wz6lo]',
      tags: [],
    });
    expect(stripListTags('Re:[1]Save over $70').subject).toBe('Re:[1]Save over $70');
    expect(stripListTags('[광고] 최고의 상품').subject).toBe('[광고] 최고의 상품');
    expect(stripListTags('[was: how to copy some files ] more').subject).toBe('[was: how to copy some files ] more');
    expect(stripListTags('Hello [ILUG] in the middle').subject).toBe('Hello [ILUG] in the middle');
  });

  it('keeps a bracketed group too long for a list name', () => {
    const long = '[one two three four five] words';
    expect(stripListTags(long).subject).toBe(long);
    const wide = `[${'a'.repeat(41)}] words`;
    expect(stripListTags(wide).subject).toBe(wide);
  });
});

describe('stripListFooters', () => {
  it('removes the SourceForge sponsor block with its Mailman footer, and leaves the text', () => {
    expect(stripListFooters(`Use razor-check. -- Vipul ${SF_FOOTER}`)).toEqual({
      body: 'Use razor-check. -- Vipul',
      footers: ['sf-sponsor', 'mailman'],
    });
  });

  it('removes quoted footers wherever they stand', () => {
    const quoted =
      'I agree. > old text _______________________________________________ > RPM-List mailing list <RPM-List@freshrpms.net> > http://lists.freshrpms.net/mailman/listinfo/rpm-list more replies';
    expect(stripListFooters(quoted)).toEqual({ body: 'I agree. > old text more replies', footers: ['mailman'] });
  });

  it("removes the ILUG footer, Yahoo! Groups' sponsor and trailer, majordomo's and FoRK's", () => {
    expect(stripListFooters(`Try hdparm. ${ILUG_FOOTER}`)).toEqual({ body: 'Try hdparm.', footers: ['linux-ie'] });
    expect(stripListFooters(`Martin ${YAHOO_FOOTER}`)).toEqual({
      body: 'Martin',
      footers: ['yahoo-sponsor', 'yahoo-trailer'],
    });
    expect(
      stripListFooters(
        'Cheap ink. To Unsubscribe: send mail to majordomo@FreeBSD.org with "unsubscribe freebsd-questions" in the body of the message',
      ).body,
    ).toBe('Cheap ink.');
    expect(
      stripListFooters('> old > http://xent.com/mailman/listinfo/fork new http://xent.com/mailman/listinfo/fork'),
    ).toEqual({
      body: '> old > new',
      footers: ['fork'],
    });
  });

  it('removes a bare listinfo URL only where it ends the body', () => {
    const middle = 'Join at http://lists.example.org/mailman/listinfo/users today';
    expect(stripListFooters(middle)).toEqual({ body: middle, footers: [] });
    expect(stripListFooters('Thanks. http://iiu.taint.org/mailman/listinfo/iiu')).toEqual({
      body: 'Thanks.',
      footers: ['listinfo-url'],
    });
  });

  it("leaves a spammer's own opt-out paragraph and a mention of a mailing list alone", () => {
    const spam =
      'To be removed from this mailing list, DO NOT REPLY to this message. Instead, go here: http://www.insurancemail.net';
    expect(stripListFooters(spam)).toEqual({ body: spam, footers: [] });
  });
});

describe('cleanCorpus', () => {
  it('cleans subject and body of every mail, keeps ids and labels, and counts the mails each rule changed', () => {
    const { emails, counts } = cleanCorpus([
      { id: 0, label: 'ham', text: `[ILUG] disks\nUse hdparm. ${ILUG_FOOTER}` },
      { id: 1, label: 'spam', text: `[ILUG] CASH\nCall now. ${ILUG_FOOTER} ${ILUG_FOOTER}` },
      { id: 2, label: 'spam', text: 'Cheap ink\nBuy now.' },
    ]);
    expect(emails).toEqual([
      { id: 0, label: 'ham', text: 'disks\nUse hdparm.' },
      { id: 1, label: 'spam', text: 'CASH\nCall now.' },
      { id: 2, label: 'spam', text: 'Cheap ink\nBuy now.' },
    ]);
    expect(counts.subjectTags).toEqual({ ham: 1, spam: 1 });
    expect(counts.footers['linux-ie']).toEqual({ ham: 1, spam: 1 });
    expect(counts.footers.mailman).toEqual({ ham: 0, spam: 0 });
    expect(cleanEmailText(`Re: [SAtalk] x\nbody ${SF_FOOTER}`)).toBe('Re: x\nbody');
  });
});
