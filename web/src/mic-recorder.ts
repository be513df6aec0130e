/**
 * Push-to-talk recording: the microphone through getUserMedia into an AudioWorklet (ScriptProcessor
 * where there is none) that hands over raw float blocks; stop() returns the samples and their rate.
 * The stream is opened per recording and closed after, so the browser's microphone light is only on
 * while the button is held.
 */

export interface Recording { channels: Float32Array[]; sampleRate: number }

// The worklet posts each 128-frame block of the first channel; loaded from a Blob URL so the page
// bundle needs no second file.
const WORKLET = `
class SamkitCapture extends AudioWorkletProcessor {
  process(inputs) {
    const ch = inputs[0] && inputs[0][0];
    if (ch && ch.length) this.port.postMessage(ch.slice(0));
    return true;
  }
}
registerProcessor('samkit-capture', SamkitCapture);
`;

export class MicRecorder {
  private stream: MediaStream | null = null;
  private ctx: AudioContext | null = null;
  private blocks: Float32Array[] = [];
  private stopNodes: (() => void) | null = null;

  get recording(): boolean { return this.ctx !== null; }

  /** Ask for the microphone and start collecting (throws the browser's error when refused). */
  async start(): Promise<void> {
    if (this.ctx) return;
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser cannot record (no getUserMedia; the page must be served from localhost or https)');
    this.blocks = [];
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    const ctx = new AudioContext();
    this.stream = stream;
    this.ctx = ctx;
    try {
      const source = ctx.createMediaStreamSource(stream);
      if (ctx.audioWorklet) {
        const url = URL.createObjectURL(new Blob([WORKLET], { type: 'text/javascript' }));
        try { await ctx.audioWorklet.addModule(url); } finally { URL.revokeObjectURL(url); }
        const node = new AudioWorkletNode(ctx, 'samkit-capture', { numberOfInputs: 1, numberOfOutputs: 0 });
        node.port.onmessage = (e: MessageEvent<Float32Array>) => { this.blocks.push(e.data); };
        source.connect(node);
        this.stopNodes = () => { source.disconnect(); node.port.onmessage = null; };
      } else {
        // Older engines: a ScriptProcessor must reach the destination to run; its output stays silent.
        const proc = ctx.createScriptProcessor(4096, 1, 1);
        proc.onaudioprocess = (e) => { this.blocks.push(e.inputBuffer.getChannelData(0).slice(0)); };
        source.connect(proc);
        proc.connect(ctx.destination);
        this.stopNodes = () => { source.disconnect(); proc.disconnect(); proc.onaudioprocess = null; };
      }
      if (ctx.state === 'suspended') await ctx.resume();
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Stop and return what was recorded (empty when nothing was). */
  async stop(): Promise<Recording> {
    const rate = this.ctx?.sampleRate ?? 48000;
    // Blocks already in the worklet's port arrive on the next tasks: give them a moment.
    await new Promise((r) => setTimeout(r, 60));
    await this.close();
    const total = this.blocks.reduce((n, b) => n + b.length, 0);
    const samples = new Float32Array(total);
    let o = 0;
    for (const b of this.blocks) { samples.set(b, o); o += b.length; }
    this.blocks = [];
    return { channels: [samples], sampleRate: rate };
  }

  private async close(): Promise<void> {
    this.stopNodes?.();
    this.stopNodes = null;
    for (const t of this.stream?.getTracks() ?? []) t.stop();
    this.stream = null;
    const ctx = this.ctx;
    this.ctx = null;
    await ctx?.close().catch(() => undefined);
  }
}
