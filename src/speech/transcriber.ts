/** What a speech recogniser does: 16 kHz mono float audio in, text out (optionally limited to phrases). */
export interface Transcript {
  /** What was recognised, lower case. */
  text: string;
  /** With phrases: the phrase it matched (as given), else undefined. */
  phrase?: string;
  /** Which recogniser produced it. */
  backend: string;
}

export interface Transcriber {
  readonly name: string;
  /** `phrases`: recognise only these (pocketsphinx), or map the open transcript onto them (Whisper). */
  transcribe(samples16k: Float32Array, phrases?: string[]): Promise<Transcript>;
}
