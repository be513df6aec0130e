/**
 * `samkit ground`: text prompts on one image (Grounded-SAM). The text comes from --text here; other
 * sources (a transcript) call groundToOutputs with their own text.
 */
import type { Command } from 'commander';
import { maskToRle } from '../../core/rle.js';
import type { Mask } from '../../core/mask.js';
import { encodePng } from '../../image/encode-png.js';
import { loadImage, type RgbImage } from '../../image/load-image.js';
import { writeFileAtomic } from '../../io/atomic-write.js';
import { formatBytes } from '../../model/download.js';
import { labelledOverlayPng } from '../../render/labelled-overlay.js';
import { CliUsageError, parseFloatArg, parseIntArg } from '../args.js';
import { addModelFlags, resolveModelFlags } from '../model-flags.js';

export interface GroundFlags {
  text?: string;
  detector?: string;
  boxThreshold?: number;
  textThreshold?: number;
  nms?: number;
  maxObjects?: number;
  onePassPerPhrase?: boolean;
  out?: string;
  overlay?: string;
  model?: string;
  dtype?: string;
  revision?: string;
  quiet?: boolean;
  /** Speech as the prompt: a WAV file; with --text only those phrases can be heard. */
  speech?: string;
  asr?: string;
  /** `remove`: inpaint the found objects away and write the edited image to --out-image. */
  inpaint?: string;
  outImage?: string;
  dilate?: number;
}

/** What a spoken prompt adds to the run: the transcript goes into the JSON. */
export interface GroundExtras { transcript?: string }

/** Usage checks that need no model (run before anything loads). */
export function checkGroundFlags(flags: GroundFlags): { text: string; detector: string } {
  if (flags.inpaint !== undefined && flags.inpaint !== 'remove') throw new CliUsageError(`--inpaint takes 'remove', got '${flags.inpaint}'`);
  if (flags.inpaint && !flags.outImage) throw new CliUsageError('--inpaint remove needs --out-image <file.png>');
  if (flags.outImage && !flags.inpaint) throw new CliUsageError('--out-image goes with --inpaint remove');
  if (!flags.detector) throw new CliUsageError('--detector is required: a model folder (Hugging Face layout) or a hub id, e.g. Xenova/owlvit-base-patch32');
  if (flags.text === undefined || flags.text.replace(/[.\s]/g, '') === '') throw new CliUsageError('--text needs at least one phrase, e.g. --text "dog. red car."');
  return { text: flags.text, detector: flags.detector };
}

/** Download progress on stderr, one line per file when done (hub ids, first run only). */
export function downloadNotes(quiet?: boolean): ((p: { file: string; loaded: number; total: number }) => void) | undefined {
  if (quiet) return undefined;
  const done = new Set<string>();
  return (p) => {
    if (p.total > 0 && p.loaded >= p.total && !done.has(p.file)) {
      done.add(p.file);
      process.stderr.write(`downloaded ${p.file} (${formatBytes(p.total)})\n`);
    }
  };
}

/** Detect, segment and write: the JSON (stdout or --out) and the --overlay, only once all is computed. */
export async function groundToOutputs(image: string, text: string, flags: GroundFlags, extras: GroundExtras = {}): Promise<void> {
  const { detector } = checkGroundFlags({ ...flags, text });
  const { TextPrompter } = await import('../../text/text-prompter.js');
  const [rgb, finder] = await Promise.all([
    loadImage(image),
    resolveModelFlags(flags).then((m) => TextPrompter.load(m, { detector, onProgress: downloadNotes(flags.quiet), onePassPerPhrase: flags.onePassPerPhrase })),
  ]);
  const objects = await finder.find(rgb, text, {
    boxThreshold: flags.boxThreshold, textThreshold: flags.textThreshold, nmsThreshold: flags.nms, maxObjects: flags.maxObjects,
  });
  const json = JSON.stringify({
    image: { width: rgb.width, height: rgb.height },
    ...(extras.transcript !== undefined ? { transcript: extras.transcript } : {}),
    objects: objects.map((o) => ({
      label: o.label, score: o.score, box: o.box, segmentation: maskToRle(o.mask), area: o.mask.area, bbox: o.mask.bbox, predicted_iou: o.predictedIou,
    })),
  });
  const writes: Array<[string, string | Uint8Array]> = [];
  if (flags.overlay) writes.push([flags.overlay, await labelledOverlayPng(rgb.data, rgb.width, rgb.height, objects)]);
  if (flags.out) writes.push([flags.out, `${json}\n`]);
  if (flags.inpaint === 'remove' && flags.outImage) writes.push([flags.outImage, await removedImagePng(rgb, objects.map((o) => o.mask), flags.dilate)]);
  for (const [file, data] of writes) await writeFileAtomic(file, data);
  if (!flags.out) process.stdout.write(`${json}\n`);
}

/** The image with the found objects inpainted away (unchanged when nothing was found). */
async function removedImagePng(rgb: RgbImage, masks: Mask[], dilate?: number): Promise<Uint8Array> {
  if (masks.length === 0) return encodePng(rgb.data, rgb.width, rgb.height, 3);
  const { removeObjects } = await import('../../inpaint/remove-objects.js');
  const out = await removeObjects(rgb, masks, { dilate });
  return encodePng(out.data, out.width, out.height, 3);
}

/** --speech: the transcript, and the prompt it selects (a phrase of --text) or becomes (open vocabulary). */
async function spokenPrompt(flags: GroundFlags): Promise<{ text: string; transcript: string }> {
  const { readSpeechFile, loadTranscriber, transcribeForPrompt } = await import('../../speech/index.js');
  const samples = await readSpeechFile(flags.speech as string);
  const r = await transcribeForPrompt(await loadTranscriber(flags.asr), samples, flags.text);
  return { text: r.prompt, transcript: r.text };
}

/** The detector flags shared with `annotate --text`. */
export function addDetectorFlags(cmd: Command): Command {
  return cmd
    .option('--detector <folder|hub id>', 'open-vocabulary detector: a Hugging Face model folder or hub id (owlvit, owlv2, grounding-dino)')
    .option('--box-threshold <f>', 'minimum box score (default 0.3)', parseFloatArg('--box-threshold', 0, 1))
    .option('--text-threshold <f>', 'Grounding DINO: minimum token score for a label (default 0.25)', parseFloatArg('--text-threshold', 0, 1))
    .option('--nms <f>', 'per-label box NMS IoU threshold (default 0.5)', parseFloatArg('--nms', 0, 1))
    .option('--max-objects <n>', 'keep at most this many objects per image, best first', parseIntArg('--max-objects', 1))
    .option('--one-pass-per-phrase', 'Grounding DINO: run each phrase on its own (default for exports known to mis-score several phrases)');
}

export function register(program: Command): void {
  const cmd = program
    .command('ground')
    .description('find objects by text (Grounded-SAM): a detector turns phrases into boxes, SAM the boxes into masks; prints JSON')
    .argument('<image>', 'image file (JPEG, PNG, WebP, ...)')
    .option('--text <phrases>', 'what to find, phrases separated by "." (e.g. "dog. red car.")');
  addModelFlags(addDetectorFlags(cmd))
    .option('--out <file.json>', 'write the JSON here instead of stdout')
    .option('--overlay <file.png>', 'write the image with each mask, box and label drawn over it')
    .option('--quiet', 'no download notes on stderr')
    .option('--speech <audio.wav>', 'say what to find: the transcript selects a phrase of --text (pocketsphinx) or becomes the prompt (Whisper)')
    .option('--asr <pocketsphinx|model>', 'with --speech: pocketsphinx (default, offline, needs --text) or a Whisper model folder / hub id')
    .option('--inpaint <remove>', 'remove the found objects from the image (classical Telea inpainting)')
    .option('--out-image <file.png>', 'with --inpaint remove: where to write the edited image')
    .option('--dilate <px>', 'with --inpaint: grow the masks first (default 3)', parseIntArg('--dilate', 0, 256))
    .action(async (image: string, flags: GroundFlags) => {
      if (flags.speech === undefined) {
        const { text } = checkGroundFlags(flags);
        await groundToOutputs(image, text, flags);
        return;
      }
      if ((flags.asr ?? 'pocketsphinx') === 'pocketsphinx' && !flags.text) throw new CliUsageError('--speech with pocketsphinx needs --text: the phrases it may hear');
      checkGroundFlags({ ...flags, text: flags.text ?? 'speech' });
      const spoken = await spokenPrompt(flags);
      await groundToOutputs(image, spoken.text, flags, { transcript: spoken.transcript });
    });
}
