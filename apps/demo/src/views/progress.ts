import type { LoadStage } from '../session.js';
import { formatBytes, h } from './dom.js';

/** A model's loading line: bytes fetched (with a bar), then the upload of its weights to the backend. */
export class LoadIndicator {
  readonly element = h('div', { class: 'load', hidden: true });
  private readonly bar = h('progress', { max: 1, value: 0 });
  private readonly text = h('span', {});

  constructor() {
    this.element.append(this.bar, this.text);
  }

  update(stage: LoadStage, backend: string): void {
    this.element.hidden = false;
    if (stage.stage === 'fetch') {
      const { model, loaded, total } = stage.progress;
      if (total > 0) {
        this.bar.max = total;
        this.bar.value = loaded;
      } else {
        this.bar.removeAttribute('value');
      }
      this.text.textContent = `${model}: fetching weights ${formatBytes(loaded)}${total ? ` of ${formatBytes(total)}` : ''}`;
    } else {
      this.bar.max = 1;
      this.bar.value = 1;
      this.text.textContent = `${stage.model}: uploading weights to ${backend}…`;
    }
  }

  done(text: string): void {
    this.bar.max = 1;
    this.bar.value = 1;
    this.text.textContent = text;
  }

  hide(): void {
    this.element.hidden = true;
  }
}
