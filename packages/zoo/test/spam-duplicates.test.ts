import { describe, expect, it } from 'vitest';
import { type Email, removeDuplicates } from '../src/data/spam.js';

const email = (id: number, label: Email['label'], text: string): Email => ({ id, label, text });

describe('removeDuplicates', () => {
  it('keeps the first copy by id, drops every copy of a text with both labels, and counts what went', () => {
    const emails = [
      email(5, 'spam', 'win money'),
      email(1, 'ham', 'meeting at 3'),
      email(2, 'spam', 'win money'),
      email(3, 'ham', 'lunch?'),
      email(4, 'spam', 'lunch?'),
      email(0, 'ham', 'meeting at 3'),
      email(6, 'ham', 'lunch?'),
      email(7, 'spam', 'unique offer'),
    ];
    const { kept, duplicates } = removeDuplicates(emails);
    expect(kept.map((e) => e.id)).toEqual([0, 2, 7]);
    // 1 and 5 are later copies; 3, 4 and 6 share a text that is both ham and spam.
    expect(duplicates).toBe(5);
  });

  it('leaves distinct texts alone, even when they differ only in case or spacing', () => {
    const emails = [email(0, 'ham', 'Hello'), email(1, 'ham', 'hello'), email(2, 'spam', 'hello ')];
    expect(removeDuplicates(emails)).toEqual({ kept: emails, duplicates: 0 });
  });
});
