import { inkOn, ramp, tokenLabel } from './colors.js';
import { h, replaceChildren } from './dom.js';

/**
 * The classifier's input tokens, each coloured by its score under the chosen explanation (the attention it
 * receives in one layer, or its rollout share through every layer); the scores sum to 1.
 * Colour ∝ (score − lowest) ÷ (highest − lowest) over the ordinary tokens: explanation scores are often close
 * to uniform, and a scale from 0 would paint them all alike, while this one spreads them from white to the
 * darkest shade. Specials keep their own style. Hovering a token shows its value.
 */
export function renderTokenAttention(
  container: HTMLElement,
  tokens: readonly string[],
  scores: readonly number[],
  describe: string,
  specials: ReadonlySet<string>,
): void {
  const ordinary = scores.filter((_, i) => !specials.has(tokens[i]));
  const low = Math.min(...ordinary);
  const high = Math.max(...ordinary);
  const chips = tokens.map((token, i) => {
    const scaled = high > low ? Math.min(1, Math.max(0, (scores[i] - low) / (high - low))) : 0;
    return h(
      'span',
      {
        class: specials.has(token) ? 'token special' : 'token',
        style: `background:${ramp(scaled)};color:${inkOn(scaled)}`,
        title: `${token}: ${scores[i].toFixed(4)} (${describe})`,
        'data-attention': scores[i].toFixed(6),
      },
      tokenLabel(token, 24),
    );
  });
  const top = tokens
    .map((token, i) => ({ token, value: scores[i] }))
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
        'Highest: ',
        ...top.flatMap(({ token, value }, i) => [
          i > 0 ? ', ' : '',
          h('code', {}, tokenLabel(token, 24)),
          ` ${(value * 100).toFixed(1)}%`,
        ]),
      ),
  );
}
