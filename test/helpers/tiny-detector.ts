/**
 * A tiny open-vocabulary colour detector in the OWL-ViT model-folder layout, built at test time:
 * config.json (model_type owlvit), preprocessor_config.json, a CLIP-style BPE tokenizer.json over a
 * small vocabulary (every letter, so any lowercase word tokenizes), and onnx/model.onnx with the
 * OWL-ViT I/O contract (input_ids, attention_mask [T, L], pixel_values [1, 3, S, S] -> logits [1, B, T],
 * pred_boxes [1, B, 4] normalised cx, cy, w, h).
 *
 * How it detects: each PxP patch of the resized image scores how close its mean colour is to the
 * colour the phrase names (the colour words carry a colour, other tokens nothing); every grid-aligned
 * candidate box scores the IoU of itself and the matching patches, so the tight box around a uniformly
 * coloured rectangle on the grid scores highest and its neighbours a little less (NMS has work to do).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { GraphBuilder } from '../../src/model/onnx-builder.js';

export const SIZE = 64;
export const PATCH = 8;
const G = SIZE / PATCH;

export const COLOURS: Record<string, [number, number, number]> = {
  red: [220, 30, 30], green: [40, 200, 40], blue: [30, 40, 210], yellow: [230, 220, 30],
};

const SPECIAL = ['<|startoftext|>', '<|endoftext|>'];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz'.split('');

/** BPE vocabulary and merges: single letters (inner and word-final), and whole colour words built letter by letter. */
function bpe(): { vocab: Record<string, number>; merges: string[] } {
  const tokens = [...SPECIAL, ...LETTERS, ...LETTERS.map((l) => `${l}</w>`)];
  const merges: string[] = [];
  for (const word of Object.keys(COLOURS)) {
    let left = word[0];
    for (let i = 1; i < word.length; i++) {
      const right = i === word.length - 1 ? `${word[i]}</w>` : word[i];
      merges.push(`${left} ${right}`);
      left += right;
      if (!tokens.includes(left)) tokens.push(left);
    }
  }
  return { vocab: Object.fromEntries(tokens.map((t, i) => [t, i])), merges };
}

function tokenizerJson(vocab: Record<string, number>, merges: string[]): unknown {
  const [bos, eos] = SPECIAL;
  return {
    version: '1.0', truncation: null, padding: null,
    added_tokens: SPECIAL.map((t) => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Lowercase' }] },
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: eos, type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: Object.fromEntries([bos, eos].map((t) => [t, { id: t, ids: [vocab[t]], tokens: [t] }])),
    },
    decoder: { type: 'BPEDecoder', suffix: '</w>' },
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '</w>',
      fuse_unk: false, byte_fallback: false, vocab, merges,
    },
  };
}

function detectorGraph(vocab: Record<string, number>): { model: Uint8Array; boxes: number } {
  const g = new GraphBuilder('tiny_owlvit');
  const V = Object.keys(vocab).length;
  // Token -> [r, g, b, names-a-colour] in the processor's normalised space ((x / 255 - 0.5) / 0.5).
  const E = new Float32Array(V * 4);
  for (const [word, rgb] of Object.entries(COLOURS)) {
    const id = vocab[`${word.slice(0, -1)}${word.at(-1)}</w>`];
    rgb.forEach((c, k) => { E[id * 4 + k] = c / 127.5 - 1; });
    E[id * 4 + 3] = 1;
  }
  const cells: number[][] = [];
  const boxes: number[] = [];
  for (let y0 = 0; y0 < G; y0++) for (let y1 = y0 + 1; y1 <= G; y1++) for (let x0 = 0; x0 < G; x0++) for (let x1 = x0 + 1; x1 <= G; x1++) {
    const m = new Array<number>(G * G).fill(0);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) m[y * G + x] = 1;
    cells.push(m);
    boxes.push((x0 + x1) / 2 / G, (y0 + y1) / 2 / G, (x1 - x0) / G, (y1 - y0) / G);
  }
  const B = cells.length;
  const N = G * G;
  const ids = g.input('input_ids', ['num_labels', 'seq'], 'int64');
  const mask = g.input('attention_mask', ['num_labels', 'seq'], 'int64');
  const pixels = g.input('pixel_values', [1, 3, SIZE, SIZE]);
  const emb = g.o('Gather', [g.tensor('E', E, [V, 4]), ids]);
  const maskf = g.o('Unsqueeze', [g.o('Cast', [mask], { to: 1 }), g.ints([2])]);
  const text4 = g.o('ReduceSum', [g.o('Mul', [emb, maskf]), g.ints([1])], { keepdims: 0 });           // [T, 4]
  const colour = g.o('Slice', [text4, g.ints([0]), g.ints([3]), g.ints([1])]);                      // [T, 3]
  const named = g.o('Transpose', [g.o('Slice', [text4, g.ints([3]), g.ints([4]), g.ints([1])])], { perm: [1, 0] }); // [1, T]
  const pooled = g.o('AveragePool', [pixels], { kernel_shape: [PATCH, PATCH], strides: [PATCH, PATCH] });
  const patches = g.o('Transpose', [g.o('Reshape', [pooled, g.ints([3, N])])], { perm: [1, 0] });     // [N, 3]
  const colourT = g.o('Transpose', [colour], { perm: [1, 0] });                                       // [3, T]
  const pp = g.o('ReduceSum', [g.o('Mul', [patches, patches]), g.ints([1])], { keepdims: 1 });       // [N, 1]
  const cc = g.o('ReduceSum', [g.o('Mul', [colourT, colourT]), g.ints([0])], { keepdims: 1 });       // [1, T]
  const dot2 = g.o('Mul', [g.o('MatMul', [patches, colourT]), g.scalar(2)]);
  const d2 = g.o('Add', [g.o('Sub', [pp, dot2]), cc]);                                                // squared colour distance [N, T]
  const match = g.o('Mul', [g.o('Exp', [g.o('Mul', [d2, g.scalar(-10)])]), named]);                  // [N, T]
  const A = new Float32Array(B * N);
  const area = new Float32Array(B);
  cells.forEach((m, b) => { m.forEach((v, n) => { A[b * N + n] = v; }); area[b] = m.reduce((s, v) => s + v, 0); });
  const inside = g.o('MatMul', [g.tensor('A', A, [B, N]), match]);                                    // [B, T]
  const total = g.o('ReduceSum', [match, g.ints([0])], { keepdims: 1 });                              // [1, T]
  const union = g.o('Sub', [g.o('Add', [g.tensor('area', area, [B, 1]), total]), inside]);
  const iou = g.o('Div', [inside, union]);
  const logits = g.o('Unsqueeze', [g.o('Mul', [g.o('Sub', [iou, g.scalar(0.9)]), g.scalar(40)]), g.ints([0])]);
  g.output(logits, 'logits', [1, B, 'num_labels']);
  g.output(g.tensor('boxes', new Float32Array(boxes), [1, B, 4]), 'pred_boxes', [1, B, 4]);
  return { model: g.build(13), boxes: B };
}

/** Write the detector folder; returns its path. */
export function buildTinyOwlVit(dir: string): string {
  mkdirSync(path.join(dir, 'onnx'), { recursive: true });
  const { vocab, merges } = bpe();
  const json = (name: string, v: unknown): void => writeFileSync(path.join(dir, name), `${JSON.stringify(v, null, 1)}\n`);
  json('config.json', { model_type: 'owlvit', architectures: ['OwlViTForObjectDetection'] });
  json('preprocessor_config.json', {
    image_processor_type: 'OwlViTImageProcessor', processor_class: 'OwlViTProcessor', do_resize: true, size: { height: SIZE, width: SIZE },
    resample: 2, do_center_crop: false, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true,
    image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5], do_convert_rgb: true,
  });
  json('tokenizer.json', tokenizerJson(vocab, merges));
  json('tokenizer_config.json', {
    tokenizer_class: 'CLIPTokenizer', model_max_length: 16, bos_token: SPECIAL[0], eos_token: SPECIAL[1], pad_token: SPECIAL[1], unk_token: SPECIAL[1],
  });
  json('special_tokens_map.json', { bos_token: SPECIAL[0], eos_token: SPECIAL[1], pad_token: SPECIAL[1], unk_token: SPECIAL[1] });
  writeFileSync(path.join(dir, 'onnx', 'model.onnx'), detectorGraph(vocab).model);
  return dir;
}

/** A scene: grey noise with axis-aligned coloured rectangles (boxes on the detector's grid give exact hits). */
export function sceneRgb(width: number, height: number, objects: ReadonlyArray<{ box: readonly number[]; rgb: readonly number[] }>, seed = 3): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  let s = seed;
  const rnd = (): number => ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < width * height; i++) rgb.fill(120 + Math.floor(rnd() * 16), 3 * i, 3 * i + 3);
  for (const { box: [x0, y0, x1, y1], rgb: c } of objects) for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) rgb.set(c, 3 * (y * width + x));
  return rgb;
}
