import type { Kernel } from '../pipelines.js';
import { type BiasFeatures, keyRange } from './attention-bias.js';
import { type AttentionTuning, keepQK, RowCode, rowGroupGeometry, streamKernel } from './attention-common.js';

/**
 * Register-blocked streaming attention: each invocation owns R consecutive query rows of one head and walks
 * their visible keys in blocks of KB with an online softmax, reading every key and value chunk straight from
 * storage once per block for all R rows. No workgroup memory, no barriers: best where workgroups run as loops
 * on CPU threads (software adapters), whose caches make the repeated global reads cheap.
 *
 *   rowGroupGeometry('index', R rows) (clamped; inRange{r} guards writes)
 */
export function registersAttentionKernel(
  f: BiasFeatures,
  D: number,
  Dv: number,
  tuning: AttentionTuning,
  element: 'f32' | 'f16',
): Kernel {
  const R = tuning.rowsPerInvocation;
  const split = tuning.splitKeys > 0;
  const code = new RowCode(R, f, split);
  const body = `
  ${keepQK(D)}
  ${rowGroupGeometry('index', 'R', split, false)}
  ${code.rows((r) => `let inRange${r} = first + ${r}u < u.Sq;\n  let i${r} = min(first + ${r}u, u.Sq - 1u);`)}
  ${code.state()}
  ${code.loadQueries()}
  ${keyRange(f, 'first', 'last')}
  ${code.keyBounds()}
  for (var j0 = jFrom; j0 < jTo; j0 += KB) {${code.block('loadK(kb, c)', 'loadV(vb, c)', true)}
  }
  ${code.rows((r) => code.finish(r, `m${r}`, `l${r}`, `acc${r}[c]`))}`;
  return streamKernel({ f, D, Dv, tuning, element, R, body, guard: 'rows' });
}
