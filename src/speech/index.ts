export type { Transcriber, Transcript } from './transcriber.js';
export { PocketsphinxTranscriber, jsgfGrammar, type PocketsphinxOptions } from './pocketsphinx.js';
export { WhisperTranscriber, locateWhisper } from './whisper.js';
export { decodeWav, encodeWav16, isWav, type MonoAudio } from './wav.js';
export { resample, SPEECH_RATE } from './resample.js';
export { speechSamples, readSpeechFile } from './audio.js';
export { splitPhrases, matchPhrase, phraseWords } from './phrases.js';
export { loadTranscriber, transcribeForPrompt } from './prompt.js';
