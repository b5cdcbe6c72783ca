import { type Child, h, replaceChildren } from './dom.js';
import { showError } from './errors.js';

/**
 * The two pickers the translate and classify panels share: the held-out sample list and the attention
 * layer.
 */

/**
 * Fills a held-out sample picker: "loading…" while `load` runs, then `options(samples)`; on failure "no
 * samples", and the error (under `where`) in the error panel. Resolves to the samples, or to null when the
 * load failed or `current()` turned false meanwhile (the picker then belongs to a newer load; a failure is
 * still shown in the error panel).
 */
export async function fillSampleSelect<S>(
  select: HTMLSelectElement,
  where: string,
  load: () => Promise<S[]>,
  options: (samples: S[]) => Child[],
  current: () => boolean = () => true,
): Promise<S[] | null> {
  replaceChildren(select, h('option', { value: '' }, 'loading…'));
  try {
    const samples = await load();
    if (!current()) return null;
    replaceChildren(select, ...options(samples));
    return samples;
  } catch (error) {
    if (current()) replaceChildren(select, h('option', { value: '' }, 'no samples'));
    showError(where, error);
    return null;
  }
}

/** The sample picked in a picker filled by `fillSampleSelect` (its options' values are indices), if any. */
export function pickedSample<S>(select: HTMLSelectElement, samples: readonly S[]): S | undefined {
  return select.value === '' ? undefined : samples[Number(select.value)];
}

/**
 * Fills a layer picker with `layers` options ("2 of 4"), keeping the visitor's choice when that layer still
 * exists, else the last layer (also the default: its attention is usually the clearest).
 */
export function fillLayerSelect(select: HTMLSelectElement, layers: number): void {
  const keep = select.value === '' ? layers - 1 : Math.min(Number(select.value), layers - 1);
  replaceChildren(
    select,
    ...Array.from({ length: layers }, (_, l) => h('option', { value: String(l) }, `${l + 1} of ${layers}`)),
  );
  select.value = String(keep);
}
