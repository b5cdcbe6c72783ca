import { defaultAlibiSlopes } from '../alibi.js';
import {
  ATTENTION_OPTION_KEYS,
  type AttentionOptions,
  type AttentionPlan,
  CAUSAL_ALIGNMENTS,
  PRECISIONS,
  SCORES_OUTPUT_MODES,
} from '../contract/attention.js';
import { invalidArgument } from '../errors.js';

/**
 * The options of an attention call, checked and resolved to the values an AttentionPlan holds.
 * Unknown keys are refused: a misspelt option (`causal`, `softCap`) must not be ignored silently.
 */
const OP = 'attention';

export type ResolvedOptions = Pick<
  AttentionPlan,
  | 'scale'
  | 'softcap'
  | 'isCausal'
  | 'causalAlignment'
  | 'window'
  | 'alibiSlopes'
  | 'headMask'
  | 'scoresOutput'
  | 'precision'
> & { readonly returnPresent: boolean };

/** D sets the default scale 1/√D; Hq sizes the per-head options. */
export function resolveOptions(options: AttentionOptions, D: number, Hq: number): ResolvedOptions {
  return {
    scale: resolveScale(options.scale, D),
    softcap: resolveSoftcap(options.softcap),
    isCausal: resolveBoolean(options.isCausal, 'isCausal'),
    causalAlignment: resolveEnum(options.causalAlignment, CAUSAL_ALIGNMENTS, 'top-left', 'causalAlignment'),
    window: resolveWindow(options.window),
    alibiSlopes: resolveAlibi(options.alibi, Hq),
    headMask: resolvePerHead(options.headMask, Hq, 'headMask'),
    scoresOutput: resolveEnum(options.scoresOutput, SCORES_OUTPUT_MODES, 'none', 'scoresOutput'),
    precision: resolveEnum(options.precision, PRECISIONS, 'float32', 'precision'),
    returnPresent: resolveBoolean(options.returnPresent, 'returnPresent'),
  };
}

export function checkOptionKeys(options: AttentionOptions): void {
  if (typeof options !== 'object' || options === null) throw invalidArgument(OP, 'options', 'an object', options);
  for (const key of Object.keys(options)) {
    if (!(ATTENTION_OPTION_KEYS as readonly string[]).includes(key)) {
      throw invalidArgument(
        OP,
        `options.${key}`,
        `one of the known options (${ATTENTION_OPTION_KEYS.join(', ')})`,
        key,
      );
    }
  }
}

function resolveScale(scale: unknown, D: number): number {
  if (scale === undefined) return D === 0 ? 1 : 1 / Math.sqrt(D);
  if (typeof scale !== 'number' || !Number.isFinite(scale))
    throw invalidArgument(OP, 'options.scale', 'a finite number', scale);
  return scale;
}

function resolveSoftcap(softcap: unknown): number {
  if (softcap === undefined) return 0;
  if (typeof softcap !== 'number' || !Number.isFinite(softcap) || softcap < 0) {
    throw invalidArgument(OP, 'options.softcap', 'a finite number ≥ 0 (0 is off)', softcap);
  }
  return softcap;
}

function resolveBoolean(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw invalidArgument(OP, `options.${name}`, 'a boolean', value);
  return value;
}

function resolveEnum<E extends string>(value: unknown, allowed: readonly E[], fallback: E, name: string): E {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as E))
    throw invalidArgument(OP, `options.${name}`, `one of ${allowed.join(', ')}`, value);
  return value as E;
}

/**
 * A window option checked and resolved (an omitted side is Infinity); null when there is none. `op` and
 * `argument` name it in errors where it is not an attention call's option (a backend's tuning shapes).
 */
export function resolveWindow(window: unknown, op = OP, argument = 'options.window'): AttentionPlan['window'] {
  if (window === undefined) return null;
  if (typeof window !== 'object' || window === null)
    throw invalidArgument(op, argument, 'an object { left, right }', window);
  const w = window as Record<string, unknown>;
  for (const key of Object.keys(w)) {
    if (key !== 'left' && key !== 'right') throw invalidArgument(op, `${argument}.${key}`, 'left or right', key);
  }
  const side = (name: 'left' | 'right'): number => {
    const value = w[name];
    if (value === undefined) return Number.POSITIVE_INFINITY;
    const ok =
      value === Number.POSITIVE_INFINITY || (typeof value === 'number' && Number.isInteger(value) && value >= 0);
    if (!ok) throw invalidArgument(op, `${argument}.${name}`, 'an integer ≥ 0 or Infinity', value);
    return value as number;
  };
  return { left: side('left'), right: side('right') };
}

function resolveAlibi(alibi: AttentionOptions['alibi'], Hq: number): Float32Array | null {
  if (alibi === undefined || alibi === false) return null;
  if (alibi === true) return defaultAlibiSlopes(Hq);
  if (typeof alibi !== 'object' || alibi === null || !('slopes' in alibi)) {
    throw invalidArgument(OP, 'options.alibi', 'true, false or { slopes }', alibi);
  }
  for (const key of Object.keys(alibi)) {
    if (key !== 'slopes') throw invalidArgument(OP, `options.alibi.${key}`, 'slopes (the only key)', key);
  }
  return resolvePerHead(alibi.slopes, Hq, 'alibi.slopes');
}

function resolvePerHead(values: ArrayLike<number> | undefined, Hq: number, name: string): Float32Array | null {
  if (values === undefined) return null;
  if (typeof values !== 'object' || values === null || typeof values.length !== 'number') {
    throw invalidArgument(OP, `options.${name}`, `an array of ${Hq} numbers (one per query head)`, values);
  }
  if (values.length !== Hq) {
    throw invalidArgument(
      OP,
      `options.${name}`,
      `an array of ${Hq} numbers (one per query head)`,
      `length ${values.length}`,
    );
  }
  const out = Float32Array.from(values as ArrayLike<number>);
  const bad = out.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) throw invalidArgument(OP, `options.${name}[${bad}]`, 'a finite number', values[bad]);
  return out;
}
