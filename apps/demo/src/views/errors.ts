import { isAttnkitError } from '@attnkit/core';
import { byId, h } from './dom.js';

/**
 * The error panel at the top of the page. Every failure lands here with where it happened and, for an
 * AttnkitError, its code and the argument/expected/given it names; nothing fails into a blank page.
 */
export interface ErrorFacts {
  readonly code: string;
  readonly message: string;
  readonly details: readonly [string, string][];
}

export function factsOf(error: unknown): ErrorFacts {
  if (isAttnkitError(error)) {
    const details: [string, string][] = [];
    if (error.argument) details.push(['argument', error.argument]);
    if (error.expected) details.push(['expected', error.expected]);
    if (error.given) details.push(['given', error.given]);
    return { code: error.code, message: error.message, details };
  }
  if (error instanceof Error) return { code: error.name, message: error.message, details: [] };
  return { code: 'Error', message: String(error), details: [] };
}

export function showError(where: string, error: unknown): void {
  console.error(`[${where}]`, error);
  const { code, message, details } = factsOf(error);
  const panel = byId('errors');
  const item = h(
    'div',
    { class: 'error', role: 'alert', 'data-code': code },
    h('button', { class: 'dismiss', type: 'button', 'aria-label': 'dismiss', onclick: () => item.remove() }, '×'),
    h('strong', {}, where),
    ' ',
    h('code', {}, code),
    h('p', {}, message),
    details.length > 0 && h('dl', {}, ...details.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
  );
  panel.append(item);
  panel.hidden = false;
}

/** Errors nobody caught: a failed chunk download, a throw in a listener. */
export function catchStrayErrors(): void {
  window.addEventListener('error', (event) => showError('Unexpected error', event.error ?? event.message));
  window.addEventListener('unhandledrejection', (event) => showError('Unexpected error', event.reason));
}
