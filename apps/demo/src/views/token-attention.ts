import { receivedAttention } from '../attention-maps.js';
import { inkOn, ramp, tokenLabel } from './colors.js';
import { h, replaceChildren } from './dom.js';

/**
 * The classifier's input tokens, each coloured by the attention it receives in one encoder layer: the mean
 * over every head and every query position (the CLS token's too, for a model with CLS pooling) of that
 * layer's self-attention.
 * Colour ∝ √(value ÷ the largest value): a layer often sends a third of its attention to one token, and a
 * linear scale would leave every other token white. Hovering a token shows its value.
 */
export function renderTokenAttention(
  container: HTMLElement,
  tokens: readonly string[],
  selfAttentions: readonly (readonly (readonly (readonly number[])[])[])[],
  layer: number,
  specials: ReadonlySet<string>,
): void {
  const received = receivedAttention(selfAttentions, layer);
  const max = Math.max(...received, Number.MIN_VALUE);
  const chips = tokens.map((token, i) => {
    const scaled = Math.sqrt(received[i] / max);
    return h(
      'span',
      {
        class: specials.has(token) ? 'token special' : 'token',
        style: `background:${ramp(scaled)};color:${inkOn(scaled)}`,
        title: `${token}: ${received[i].toFixed(4)} (mean over heads and queries)`,
        'data-attention': received[i].toFixed(6),
      },
      tokenLabel(token, 24),
    );
  });
  const top = tokens
    .map((token, i) => ({ token, value: received[i] }))
    .filter(({ token }) => !specials.has(token))
    .sort((a, b) => b.value - a.value)
    .slice(0, 8);
  replaceChildren(
    container,
    h('div', { class: 'tokens', id: 'classify-token-chips' }, chips),
    top.length > 0 &&
      h(
        'p',
        { class: 'top-tokens' },
        'Most attended: ',
        ...top.flatMap(({ token, value }, i) => [
          i > 0 ? ', ' : '',
          h('code', {}, tokenLabel(token, 24)),
          ` ${(value * 100).toFixed(1)}%`,
        ]),
      ),
  );
}
