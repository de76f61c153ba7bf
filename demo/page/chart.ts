/** A small canvas line chart fed through a WritableStream. No dependencies. */

export interface Sample {
  seq: number;
  value: number;
  /** Set on the first sample of a new stream (after a reconnect): drawn as a dashed line. */
  restart?: boolean;
}

const MAX_POINTS = 150;

export class LiveChart {
  readonly samples: Sample[] = [];
  received = 0;
  #canvas: HTMLCanvasElement;
  #scheduled = false;
  #onSample: (sample: Sample) => void;

  constructor(canvas: HTMLCanvasElement, onSample: (sample: Sample) => void = () => {}) {
    this.#canvas = canvas;
    this.#onSample = onSample;
    new ResizeObserver(() => this.#schedule()).observe(canvas);
    this.#schedule();
  }

  push(sample: Sample): void {
    if (sample.seq === 0 && this.samples.length > 0) sample = { ...sample, restart: true };
    this.samples.push(sample);
    if (this.samples.length > MAX_POINTS) this.samples.splice(0, this.samples.length - MAX_POINTS);
    this.received += 1;
    this.#onSample(sample);
    this.#schedule();
  }

  /** A sink for one stream run: every chunk written is a sample. */
  sink(): WritableStream<Sample> {
    return new WritableStream<Sample>({ write: (sample) => this.push(sample) });
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    requestAnimationFrame(() => {
      this.#scheduled = false;
      this.#draw();
    });
  }

  #draw(): void {
    const canvas = this.#canvas;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.max(100, canvas.clientWidth);
    const height = Math.max(80, canvas.clientHeight);
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);

    const pad = { left: 34, right: 10, top: 12, bottom: 18 };
    const plotW = width - pad.left - pad.right;
    const plotH = height - pad.top - pad.bottom;
    const y = (v: number) => pad.top + plotH - (v / 100) * plotH;

    ctx.font = '11px ui-monospace, monospace';
    ctx.fillStyle = '#6b7285';
    ctx.strokeStyle = '#252a40';
    ctx.lineWidth = 1;
    for (const v of [0, 25, 50, 75, 100]) {
      ctx.beginPath();
      ctx.moveTo(pad.left, y(v) + 0.5);
      ctx.lineTo(width - pad.right, y(v) + 0.5);
      ctx.stroke();
      ctx.fillText(String(v), 6, y(v) + 4);
    }

    const points = this.samples;
    if (points.length === 0) {
      ctx.fillStyle = '#8b91a8';
      ctx.fillText('waiting for the stream…', pad.left + 10, pad.top + plotH / 2);
      return;
    }
    const step = plotW / (MAX_POINTS - 1);
    const x0 = pad.left + plotW - (points.length - 1) * step;

    const gradient = ctx.createLinearGradient(0, pad.top, 0, pad.top + plotH);
    gradient.addColorStop(0, '#6366f155');
    gradient.addColorStop(1, '#6366f100');
    ctx.beginPath();
    points.forEach((p, i) => (i === 0 ? ctx.moveTo(x0, y(p.value)) : ctx.lineTo(x0 + i * step, y(p.value))));
    ctx.lineTo(x0 + (points.length - 1) * step, pad.top + plotH);
    ctx.lineTo(x0, pad.top + plotH);
    ctx.closePath();
    ctx.fillStyle = gradient;
    ctx.fill();

    ctx.beginPath();
    points.forEach((p, i) => (i === 0 ? ctx.moveTo(x0, y(p.value)) : ctx.lineTo(x0 + i * step, y(p.value))));
    ctx.strokeStyle = '#818cf8';
    ctx.lineWidth = 2;
    ctx.stroke();

    ctx.save();
    ctx.setLineDash([4, 4]);
    ctx.strokeStyle = '#f59e0b99';
    ctx.lineWidth = 1;
    ctx.fillStyle = '#f59e0b';
    points.forEach((p, i) => {
      if (!p.restart) return;
      const x = Math.round(x0 + i * step) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, pad.top);
      ctx.lineTo(x, pad.top + plotH);
      ctx.stroke();
      const label = 'new stream';
      const labelWidth = ctx.measureText(label).width;
      ctx.fillText(label, x + 4 + labelWidth > width - pad.right ? x - 4 - labelWidth : x + 4, pad.top + 10);
    });
    ctx.restore();

    const last = points[points.length - 1]!;
    ctx.beginPath();
    ctx.arc(x0 + (points.length - 1) * step, y(last.value), 4, 0, Math.PI * 2);
    ctx.fillStyle = '#22d3ee';
    ctx.fill();
  }
}

/** Bytes → text; a multi-byte character split across chunks is kept whole (`stream: true`). */
export function decodeText(): TransformStream<Uint8Array, string> {
  const decoder = new TextDecoder();
  return new TransformStream<Uint8Array, string>({
    transform(chunk, controller) {
      const text = decoder.decode(chunk, { stream: true });
      if (text) controller.enqueue(text);
    },
    flush(controller) {
      const text = decoder.decode();
      if (text) controller.enqueue(text);
    },
  });
}

/** Splits decoded text into lines (a chunk may hold several lines or part of one). */
export function splitLines(): TransformStream<string, string> {
  let rest = '';
  return new TransformStream<string, string>({
    transform(chunk, controller) {
      rest += chunk;
      const lines = rest.split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (line.trim()) controller.enqueue(line);
    },
    flush(controller) {
      if (rest.trim()) controller.enqueue(rest);
    },
  });
}

/** `"seq,value"` → `{seq, value}`; malformed lines are skipped. */
export function parseSamples(): TransformStream<string, Sample> {
  return new TransformStream<string, Sample>({
    transform(line, controller) {
      const [seq, value] = line.split(',').map(Number);
      if (Number.isFinite(seq) && Number.isFinite(value)) controller.enqueue({ seq: seq!, value: value! });
    },
  });
}
