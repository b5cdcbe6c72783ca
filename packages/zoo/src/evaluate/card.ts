import { bootstrapIntervals } from '../metrics/intervals.js';
import type { ModelMetrics } from './zoo-eval.js';

/**
 * The metrics block of a model card, written between markers by `pnpm zoo:eval --write` so that the
 * numbers in every card are the evaluation's own output.
 */
export const CARD_START = '<!-- zoo:eval:start -->';
export const CARD_END = '<!-- zoo:eval:end -->';

const pct = (x: number) => `${(100 * x).toFixed(2)}%`;

export function metricsBlock(m: ModelMetrics, backend: string): string {
  const lines = [CARD_START, `Recomputed by \`pnpm zoo:eval --backend ${backend}\` from the committed weights.`, ''];
  if (m.model === 'numbers-en-fr') {
    lines.push(
      '| test set | exact match | correct |',
      '|---|---|---|',
      `| 5,000 held-out numbers | **${pct(m.test.accuracy)}** | ${m.test.correct} / ${m.test.total} |`,
    );
    if (m.errors.length > 0) {
      lines.push(
        '',
        `Errors (${m.errors.length}, up to 10 shown):`,
        '',
        '| number | output | expected |',
        '|---|---|---|',
      );
      for (const e of m.errors.slice(0, 10)) lines.push(`| ${e.n} | ${e.output} | ${e.expected} |`);
    }
  } else if (m.model === 'g2p-cmudict') {
    lines.push(
      `Decoding: beam search, ${m.decoding.numBeams} beams, length penalty ${m.decoding.lengthPenalty} (chosen on the dev words; see \`G2P_DECODING\`).`,
      '',
      '| test set | WER | PER | words wrong |',
      '|---|---|---|---|',
      `| ${m.test.words.toLocaleString('en-US')} test words | **${pct(m.test.wer)}** | **${pct(m.test.per)}** | ${m.test.wrongWords.toLocaleString('en-US')} |`,
      '',
      '| word | output | reference(s) |',
      '|---|---|---|',
      ...m.examples.map((e) => `| ${e.word} | ${e.output} | ${e.references.join(' / ')} |`),
    );
  } else {
    const row = (name: string, b: typeof m.test) => {
      const ci = bootstrapIntervals(b);
      const range = ([lo, hi]: readonly [number, number], f: (x: number) => string) => `[${f(lo)}, ${f(hi)}]`;
      return `| ${name} | ${pct(b.accuracy)} ${range(ci.accuracy, pct)} | ${b.precision.toFixed(4)} | ${b.recall.toFixed(4)} | ${b.f1.toFixed(4)} ${range(ci.f1, (x) => x.toFixed(4))} | ${b.tp} / ${b.fp} / ${b.tn} / ${b.fn} |`;
    };
    lines.push(
      `Test split: ${m.test.n.toLocaleString('en-US')} mails. Positive class: spam. Brackets: 95% bootstrap intervals over the test mails (\`src/metrics/intervals.ts\`).`,
      '',
      '| model | accuracy | precision | recall | F1 | tp / fp / tn / fn |',
      '|---|---|---|---|---|---|',
      row('**spam-classifier**', m.test),
      row(m.baseline.name, m.baseline),
      row(m.linearBaseline.name, m.linearBaseline),
    );
  }
  lines.push(CARD_END);
  return lines.join('\n');
}

/** The card with its metrics block replaced (or appended when the card has none yet). */
export function withMetrics(card: string, block: string): string {
  const start = card.indexOf(CARD_START);
  const end = card.indexOf(CARD_END);
  if (start >= 0 && end > start) return `${card.slice(0, start)}${block}${card.slice(end + CARD_END.length)}`;
  return `${card.trimEnd()}\n\n## Metrics\n\n${block}\n`;
}

export const TRAINING_START = '<!-- zoo:training:start -->';
export const TRAINING_END = '<!-- zoo:training:end -->';

/** What training.json (written by the trainer at export) records. */
export interface TrainingRecord {
  readonly steps: number;
  readonly tokensSeen: number;
  readonly wallMinutes: number;
  readonly machine: string;
  readonly seed: number;
  readonly schedule: {
    readonly steps: number;
    readonly warmupSteps: number;
    readonly peakLearningRate: number;
    readonly finalFraction: number;
    readonly weightDecay: number;
    /** Changes the task planned (see Schedule.changes); any other recorded change was made by hand. */
    readonly changes?: readonly { readonly atStep: number; readonly to: number }[];
  };
  readonly best: { readonly step: number; readonly score: number } | null;
  readonly scheduleChanges?: readonly { readonly atStep: number; readonly from: number; readonly to: number }[];
  readonly history: readonly {
    readonly step: number;
    readonly summary: string;
    readonly trainLoss: number;
    readonly elapsedSeconds: number;
  }[];
  /** The task's description; `refit` marks a run on the whole training split, with no dev set to choose by. */
  readonly data?: { readonly refit?: boolean; readonly continuedFrom?: string; readonly exportStep?: 'best' | 'last' };
  /** The record of the run whose exported weights this run started from (an earlier stage). */
  readonly startedFrom?: TrainingRecord;
}

/**
 * The training facts of a card, from training.json: schedule, time, machine, and the dev history (a refit has
 * none); a run that started from an earlier run's weights shows that run first, as stage 1.
 */
export function trainingBlock(r: TrainingRecord): string {
  const stages: TrainingRecord[] = [];
  for (let s: TrainingRecord | undefined = r; s; s = s.startedFrom) stages.unshift(s);
  const body =
    stages.length === 1
      ? runLines(r)
      : stages.flatMap((s, i) => [
          ...(i > 0 ? [''] : []),
          `**Stage ${i + 1} of ${stages.length}${i > 0 ? `, from the weights stage ${i} exported` : ''}**`,
          '',
          ...runLines(s),
        ]);
  return [TRAINING_START, ...body, TRAINING_END].join('\n');
}

function runLines(r: TrainingRecord): string[] {
  const s = r.schedule;
  const refit = r.data?.refit === true;
  return [
    `- ${r.steps.toLocaleString('en-US')} steps (${r.tokensSeen.toLocaleString('en-US')} tokens) in **${r.wallMinutes} minutes** of wall time on ${r.machine}, sharing the machine with the other trainings.`,
    `- AdamW (β 0.9/0.98, weight decay ${s.weightDecay} on matrices, gradient norm clipped at 1), peak learning rate ${s.peakLearningRate} after ${s.warmupSteps} warm-up steps, cosine decay to ${s.finalFraction} of the peak; seed ${r.seed}.`,
    ...(r.scheduleChanges?.length ? [scheduleChangesLine(r)] : []),
    ...(r.data?.continuedFrom
      ? [
          `- Started from trained weights (model.safetensors with SHA-256 ${r.data.continuedFrom}…), not from a random initialization, with fresh AdamW moments.`,
        ]
      : []),
    refit
      ? `- Trained on the whole training split, dev included (a refit: nothing is held out to choose by), so the exported weights are the last step’s, ${r.steps.toLocaleString('en-US')}.`
      : r.data?.exportStep === 'last'
        ? `- Exported weights: the last step’s, ${r.steps.toLocaleString('en-US')} (the recipe was fixed before the run; its dev scores were watched, not chosen by).`
        : `- Exported weights: the best dev score, at step ${r.best?.step ?? '–'}.`,
    '',
    ...(refit
      ? ['| step | train loss | minutes |', '|---|---|---|']
      : ['| step | train loss | dev | minutes |', '|---|---|---|---|']),
    ...r.history.map(
      (h) =>
        `| ${h.step} | ${h.trainLoss.toFixed(4)} |${refit ? '' : ` ${h.summary} |`} ${(h.elapsedSeconds / 60).toFixed(1)} |`,
    ),
  ];
}

function scheduleChangesLine(r: TrainingRecord): string {
  const changes = r.scheduleChanges ?? [];
  const list = changes.map((c) => `${c.from} → ${c.to} at step ${c.atStep}`).join('; ');
  const planned = (c: { atStep: number; to: number }) =>
    r.schedule.changes?.some((p) => p.atStep === c.atStep && p.to === c.to) ?? false;
  if (changes.every(planned))
    return `- The planned total of steps changed at the steps the task's schedule sets (a replay of a run changed by hand): ${list}.`;
  return `- The planned total of steps was changed during the run${changes.some(planned) ? ' (by hand with `--steps`, or as the schedule sets)' : ' with `--steps`'}: ${list}.`;
}

/** Replaces the block between `start` and `end` markers. */
export function replaceBlock(card: string, start: string, end: string, block: string): string {
  const i = card.indexOf(start);
  const j = card.indexOf(end);
  if (i < 0 || j < i) throw new Error(`the card has no ${start} … ${end} block`);
  return `${card.slice(0, i)}${block}${card.slice(j + end.length)}`;
}
