/**
 * A faster, mathematically equivalent form of the SAM mask decoder for prompts without a mask input,
 * built from the weights of an official ONNX decoder export as two graphs:
 *
 * - the image graph (once per embedding) computes every product of the 4096 image tokens with a
 *   weight matrix that does not depend on the prompt;
 * - the prompt graph (once per prompt) does work proportional to 4096 x (heads x prompt tokens).
 *
 * Why it is equivalent: in an image-to-token attention the 4096 image rows attend over the T prompt
 * tokens, so their update is Aᵀ·M with A (8T x 4096: softmax weights of 8 heads) and M (8T x 256).
 * LayerNorm of (image + update) is a per-row scale r of a centred sum, so a later projection
 * (image)·W is r ⊙ (imageᶜ·W + Aᵀ·(Mᶜ·W)) + constants, where imageᶜ·W is per image and the prompt
 * part has inner size 8T (56 for one point) instead of 256. The row scales come from Gram matrices of
 * the factors (M's rows lie in per-head 16-dim subspaces, so their products with the image are per
 * image too), attention scores and values are contracted through the factors without forming keys or
 * values, and the first transposed convolution of the mask head is a per-position linear map of the
 * same form. Left per prompt: the small token-side network, the factor products, and the second
 * transposed convolution. Outputs match the export's up to float rounding (relative ~1e-6).
 */
import { DecoderWeights, transpose2d, type Weight } from './decoder-weights.js';
import { LOWRANK_EXTENT_INPUT, LOWRANK_GRID, LOWRANK_MASKS_OUTPUT } from './lowrank-io.js';
import { GraphBuilder } from './onnx-builder.js';

/** Bumped when the derived graphs change, so cached files are rebuilt. */
export const LOWRANK_VERSION = 3;

const HEADS = 8;
const GRID = LOWRANK_GRID;
const POS = GRID * GRID;

export interface LowRankDecoder {
  image: Uint8Array;
  prompt: Uint8Array;
}

// ---- weight algebra at build time (float64 accumulation) ----

export function rowScale(w: Weight, g: Float32Array | Float64Array): Weight {
  const [r, c] = w.dims;
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[i * c + j] = w.data[i * c + j] * g[i];
  return { data: out, dims: [r, c] };
}

export function concatCols(ws: Weight[]): Weight {
  const r = ws[0].dims[0];
  const c = ws.reduce((s, w) => s + w.dims[1], 0);
  const out = new Float32Array(r * c);
  let off = 0;
  for (const w of ws) {
    const wc = w.dims[1];
    for (let i = 0; i < r; i++) out.set(w.data.subarray(i * wc, (i + 1) * wc), i * c + off);
    off += wc;
  }
  return { data: out, dims: [r, c] };
}

export function vecMat(v: ArrayLike<number>, w: Weight): Float64Array {
  const [r, c] = w.dims;
  const out = new Float64Array(c);
  for (let i = 0; i < r; i++) {
    const vi = v[i];
    for (let j = 0; j < c; j++) out[j] += vi * w.data[i * c + j];
  }
  return out;
}

export function f32(a: ArrayLike<number>): Float32Array {
  return Float32Array.from(a);
}

export function add(...vs: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(vs[0].length);
  for (const v of vs) for (let i = 0; i < out.length; i++) out[i] += v[i];
  return out;
}

export function mulv(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(a.length);
  for (let i = 0; i < out.length; i++) out[i] = a[i] * b[i];
  return out;
}

/** ConvTranspose(k=2, s=2) weight [in, out, 2, 2] as a per-position matrix [in, 4*out], columns (dy, dx, out). */
export function convT2x2(w: Weight, bias: Weight): { w: Weight; b: Float32Array } {
  const [ci, co] = w.dims;
  const out = new Float32Array(ci * 4 * co);
  const b = new Float32Array(4 * co);
  for (let i = 0; i < ci; i++) {
    for (let o = 0; o < co; o++) {
      for (let k = 0; k < 4; k++) out[i * 4 * co + k * co + o] = w.data[((i * co + o) * 4) + k];
    }
  }
  for (let k = 0; k < 4; k++) b.set(bias.data, k * co);
  return { w: { data: out, dims: [ci, 4 * co] }, b };
}

/** Per-head slices of an out_proj weight [heads*c, out] as [heads, c, out] (a reshape). */
function headsOf(w: Weight): Weight {
  return { data: w.data, dims: [HEADS, w.dims[0] / HEADS, w.dims[1]] };
}

// ---- graph helpers ----

class Net {
  constructor(readonly g: GraphBuilder) {}

  w(hint: string, w: Weight): string {
    return this.g.tensor(hint, w.data, w.dims);
  }

  v(hint: string, v: ArrayLike<number>): string {
    const data = v instanceof Float32Array ? v : f32(v);
    return this.g.tensor(hint, data, [data.length]);
  }

  linear(x: string, l: { w: Weight; b: Weight }, hint: string): string {
    return this.g.o('Add', [this.g.o('MatMul', [x, this.w(hint, l.w)]), this.v(`${hint}_b`, l.b.data)]);
  }

  ln(x: string, p: { g: Weight; b: Weight; eps: number }, hint: string): string {
    return this.g.o('LayerNormalization', [x, this.v(`${hint}_g`, p.g.data), this.v(`${hint}_b`, p.b.data)], { axis: -1, epsilon: p.eps });
  }

  add(a: string, b: string): string { return this.g.o('Add', [a, b]); }
  sub(a: string, b: string): string { return this.g.o('Sub', [a, b]); }
  mul(a: string, b: string): string { return this.g.o('Mul', [a, b]); }
  mm(a: string, b: string): string { return this.g.o('MatMul', [a, b]); }
  reshape(x: string, shape: number[]): string { return this.g.o('Reshape', [x, this.g.ints(shape)]); }
  transpose(x: string, perm: number[]): string { return this.g.o('Transpose', [x], { perm }); }
  rowMean(x: string): string { return this.g.o('ReduceMean', [x], { axes: [-1], keepdims: 1 }); }

  /** [B, T, C] -> [B, heads, T, C/heads] */
  heads(x: string, c: number): string {
    return this.transpose(this.reshape(x, [0, 0, HEADS, c / HEADS]), [0, 2, 1, 3]);
  }

  merge(x: string, c: number): string {
    return this.reshape(this.transpose(x, [0, 2, 1, 3]), [0, 0, c]);
  }

  softmaxScaled(scores: string, c: number): string {
    return this.g.o('Softmax', [this.g.o('Div', [scores, this.g.scalar(Math.fround(Math.sqrt(c / HEADS)))])], { axis: -1 });
  }

  gelu(x: string): string {
    const e = this.g.o('Erf', [this.g.o('Div', [x, this.g.scalar(Math.SQRT2)])]);
    return this.mul(this.mul(x, this.add(e, this.g.scalar(1))), this.g.scalar(0.5));
  }

  relu(x: string): string { return this.g.o('Relu', [x]); }
}

export interface AttnWeights { q: { w: Weight; b: Weight }; k: { w: Weight; b: Weight }; v: { w: Weight; b: Weight }; o: { w: Weight; b: Weight }; dim: number }

export function attnWeights(W: DecoderWeights, prefix: string): AttnWeights {
  const q = W.linear(`${prefix}/q_proj`);
  return { q, k: W.linear(`${prefix}/k_proj`), v: W.linear(`${prefix}/v_proj`), o: W.linear(`${prefix}/out_proj`), dim: q.w.dims[1] };
}

/**
 * The official decoder export's named tensors both prompt decoders are made from (the low-rank
 * graph here and the WebAssembly kernel, src/kernel/kernel-weights.ts): the two-way transformer's
 * attentions, norms and MLPs, the prompt encoder's Fourier matrix, the output tokens and the mask
 * head's upscaling. ModelError (from DecoderWeights) when a tensor is missing.
 */
export function officialDecoderTensors(W: DecoderWeights) {
  const T = '/transformer';
  const L = (i: number) => `${T}/layers.${i}`;
  const at = (p: string) => attnWeights(W, p);
  const norm = (i: number, k: number) => W.layerNorm(`${L(i)}/norm${k}/LayerNormalization`);
  const up = (k: number) => `/output_upscaling/output_upscaling.${k}`;
  return {
    self0: at(`${L(0)}/self_attn`), self1: at(`${L(1)}/self_attn`),
    t2i0: at(`${L(0)}/cross_attn_token_to_image`), t2i1: at(`${L(1)}/cross_attn_token_to_image`),
    i2t0: at(`${L(0)}/cross_attn_image_to_token`), i2t1: at(`${L(1)}/cross_attn_image_to_token`),
    fin: at(`${T}/final_attn_token_to_image`),
    norm,
    mlpW: (i: number) => [W.linear(`${L(i)}/mlp/lin1`), W.linear(`${L(i)}/mlp/lin2`)],
    n40: norm(0, 4), n41: norm(1, 4),
    normFinal: W.layerNorm(`${T}/norm_final_attn/LayerNormalization`),
    gauss: W.tensor('model.prompt_encoder.pe_layer.positional_encoding_gaussian_matrix'),
    outputTokens: W.nodeInput('/Expand_1', 0),
    ct1: convT2x2(W.nodeInput(`${up(0)}/ConvTranspose`, 1), W.nodeInput(`${up(0)}/ConvTranspose`, 2)),
    ct2: convT2x2(W.nodeInput(`${up(3)}/ConvTranspose`, 1), W.nodeInput(`${up(3)}/ConvTranspose`, 2)),
    ln2d: { g: W.constOperand(`${up(1)}/Mul`), b: W.constOperand(`${up(1)}/Add_1`), eps: W.scalar(`${up(1)}/Constant_1`) },
  };
}

/** Plain multi-head attention among the prompt tokens. */
function tokenAttention(n: Net, a: AttnWeights, q: string, k: string, v: string, hint: string): string {
  const qh = n.heads(n.linear(q, a.q, `${hint}_q`), a.dim);
  const kh = n.heads(n.linear(k, a.k, `${hint}_k`), a.dim);
  const vh = n.heads(n.linear(v, a.v, `${hint}_v`), a.dim);
  const p = n.softmaxScaled(n.mm(qh, n.transpose(kh, [0, 1, 3, 2])), a.dim);
  return n.linear(n.merge(n.mm(p, vh), a.dim), a.o, `${hint}_o`);
}

/** Token-to-image attention with image keys [B|1, heads, c, 4096] and values [B|1, heads, 4096, c] given. */
function tokenToImage(n: Net, a: AttnWeights, q: string, kT: string, vh: string, hint: string): string {
  const qh = n.heads(n.linear(q, a.q, `${hint}_q`), a.dim);
  const p = n.softmaxScaled(n.mm(qh, kT), a.dim);
  return n.linear(n.merge(n.mm(p, vh), a.dim), a.o, `${hint}_o`);
}

function mlp(n: Net, x: string, layers: Array<{ w: Weight; b: Weight }>, hint: string): string {
  let h = x;
  layers.forEach((l, i) => {
    h = n.linear(h, l, `${hint}${i}`);
    if (i < layers.length - 1) h = n.relu(h);
  });
  return h;
}

/** Image positional encoding [4096, 256] (constant; onnxruntime folds it). */
function imagePe(n: Net, W: DecoderWeights, gauss: Weight): string {
  const grid = W.tensor(W.node('/pe_layer/Constant').output![0]);
  const gridFlat = n.w('pe_grid', { data: grid.data, dims: [POS, 2] });
  const proj = n.mul(n.mm(gridFlat, n.w('pe_gauss', gauss)), n.g.scalar(W.scalar('/pe_layer/Constant_1')));
  return n.g.o('Concat', [n.g.o('Sin', [proj]), n.g.o('Cos', [proj])], { axis: -1 });
}

/**
 * Build the image and prompt graphs from official SAM decoder ONNX bytes. Throws ModelError when the
 * export does not have the official layout (then callers keep using the export itself).
 *
 * Notation (per prompt, B prompts at once, T tokens, 8 heads, "T layout" = [B, rows, 4096]):
 *  A0, A1  image-to-token attention weights of layers 0 and 1, as [B, 8T, 4096]
 *  M0, M1  per-head value·out_proj products [B, 8T, 256]; the image update of layer k is Akᵀ·Mk
 *  yc      per image: image tokens + layer-0 out_proj bias, centred per row [4096, 256]
 *  r1, r2  per-row 1/std of layers 0 and 1 norm4 inputs (from Gram matrices, nothing 4096x256 is formed)
 */
export function buildLowRankDecoder(decoderBytes: Uint8Array, source = 'decoder'): LowRankDecoder {
  const W = new DecoderWeights(decoderBytes, source);
  const { self0, self1, t2i0, t2i1, i2t0, i2t1, fin, norm, mlpW, n40, n41, normFinal, gauss, outputTokens, ct1, ct2, ln2d } = officialDecoderTensors(W);
  const noMask = W.constOperand('/Mul_9');
  const dim = outputTokens.dims[2];
  const nTok = outputTokens.dims[1];
  const cdim = t2i1.dim; // cross-attention inner width (128)
  const hc = cdim / HEADS;
  if (t2i0.dim !== cdim || i2t0.dim !== cdim || i2t1.dim !== cdim || fin.dim !== cdim) throw new Error('unexpected attention widths');

  const g1 = n40.g.data, b1 = n40.b.data, g2 = n41.g.data, b2 = n41.b.data;
  // Layer 1 projections of keys1 = r1·(Z1∘g1) + b1: [Wk | Wv | Wq(image-to-token)].
  const W1 = concatCols([t2i1.k.w, t2i1.v.w, i2t1.q.w]);
  const W1g = rowScale(W1, g1);
  const c1v = f32(add(vecMat(b1, t2i1.v.w), t2i1.v.b.data)); // value bias: a constant row
  // Final projections of keys2 and the first transposed convolution: [Wk | Wv | Wct1].
  const WF = concatCols([fin.k.w, fin.v.w, ct1.w]);
  const nF = WF.dims[1];
  const WFg = rowScale(WF, mulv(g1, g2));
  const WF2 = rowScale(WF, g2);
  const cb = add(b1, i2t1.o.b.data);
  const cbMean = cb.reduce((a, b) => a + b, 0) / dim;
  const cbc = cb.map((v) => v - cbMean);
  const cbg2W = f32(vecMat(mulv(cb, g2), WF));
  const gW = f32(vecMat(g2, WF));
  const b2W = vecMat(b2, WF);
  const constRow = new Float32Array(nF); // ones-column row: value and convolution biases (key bias varies with position)
  for (let j = cdim; j < nF; j++) constRow[j] = b2W[j] + (j < 2 * cdim ? fin.v.b.data[j - cdim] : ct1.b[j - 2 * cdim]);

  /** The image graph's outputs (name -> shape), fed to the prompt graph. */
  const carried = new Map<string, number[]>();

  // ---------------- image graph ----------------
  const ig = new Net(new GraphBuilder('samkit_lowrank_image'));
  {
    const n = ig;
    const g = n.g;
    const emb = g.input('image_embeddings', [1, dim, GRID, GRID]);
    const x0 = n.add(n.transpose(n.reshape(emb, [1, dim, POS]), [0, 2, 1]), n.v('no_mask', noMask.data));
    const pe = imagePe(n, W, gauss);
    const xp = n.add(x0, pe);
    const keysT = (x: string) => n.transpose(n.reshape(x, [1, POS, HEADS, hc]), [0, 2, 3, 1]); // [1, 8, c, 4096]
    const rows = (x: string) => n.transpose(n.reshape(x, [1, POS, HEADS, hc]), [0, 2, 1, 3]); // [1, 8, 4096, c]
    const out = (x: string, name: string, dims: number[]) => { g.output(x, name, dims); carried.set(name, dims); };
    /** A per-row scalar [1, 4096, 1] output as [1, 1, 4096], the layout the prompt graph broadcasts. */
    const outRow = (x: string, name: string) => out(n.reshape(x, [1, 1, POS]), name, [1, 1, POS]);
    const KT = [1, HEADS, hc, POS], R = [1, HEADS, POS, hc];
    out(keysT(n.linear(xp, t2i0.k, 'k0')), 'k0t', KT);
    out(rows(n.linear(x0, t2i0.v, 'v0')), 'v0h', R);
    out(keysT(n.linear(xp, i2t0.q, 'q0')), 'q0t', KT);
    const y = n.add(x0, n.v('bo0', i2t0.o.b.data));
    const yc = n.sub(y, n.rowMean(y));
    // yc·M0ᵀ only needs yc·Wo0ᵀ per head (M0's rows are value vectors times Wo0 blocks); yc rows sum to 0.
    out(keysT(n.mm(yc, n.w('wo0t', transpose2d(i2t0.o.w)))), 'ycwo0t', KT);
    outRow(g.o('ReduceSumSquare', [yc], { axes: [-1], keepdims: 1 }), 'ycn');
    const ycg1 = n.mul(yc, n.v('g1', g1));
    const ycg1m = n.rowMean(ycg1);
    const ycg1c = n.sub(ycg1, ycg1m);
    out(keysT(n.mm(ycg1c, n.w('g1wo0t', rowScale(transpose2d(i2t0.o.w), g1)))), 'ycgwo0t', KT);
    out(keysT(n.mm(ycg1c, n.w('wo1t', transpose2d(i2t1.o.w)))), 'ycwo1t', KT);
    outRow(n.mm(ycg1c, n.w('g1col', { data: g1, dims: [dim, 1] })), 'ycg1s');
    outRow(n.mm(ycg1c, n.w('cbc', { data: f32(cbc), dims: [dim, 1] })), 'yccb');
    outRow(g.o('ReduceSumSquare', [ycg1c], { axes: [-1], keepdims: 1 }), 'ycg1n');
    outRow(ycg1m, 'ycg1m');
    const s1 = n.mm(yc, n.w('w1g', W1g));
    const [s1k, s1v, s1q] = n.g.op('Split', [s1, g.ints([cdim, cdim, cdim])], { axis: -1 }, 3);
    out(keysT(s1k), 's1kt', KT);
    out(rows(s1v), 's1vh', R);
    out(keysT(s1q), 's1qt', KT);
    const c1k = n.add(n.mm(pe, n.w('wk1', t2i1.k.w)), n.v('c1k', f32(add(vecMat(b1, t2i1.k.w), t2i1.k.b.data))));
    const c1q = n.add(n.mm(pe, n.w('wq1', i2t1.q.w)), n.v('c1q', f32(add(vecMat(b1, i2t1.q.w), i2t1.q.b.data))));
    out(keysT(c1k), 'c1kt', KT);
    out(keysT(c1q), 'c1qt', KT);
    const sf = n.mm(yc, n.w('wfg', WFg));
    const [sfk, sfv, sfc] = n.g.op('Split', [sf, g.ints([cdim, cdim, nF - 2 * cdim])], { axis: -1 }, 3);
    out(keysT(sfk), 'sfkt', KT);
    out(rows(sfv), 'sfvh', R);
    out(sfc, 'sfc', [1, POS, nF - 2 * cdim]);
    const cfk = n.add(n.mm(pe, n.w('wkf', fin.k.w)), n.v('cfk', f32(add(b2W.subarray(0, cdim), fin.k.b.data))));
    out(keysT(cfk), 'cfkt', KT);
  }

  // ---------------- prompt graph ----------------
  const pg = new Net(new GraphBuilder('samkit_lowrank_prompt'));
  {
    const n = pg;
    const g = n.g;
    const coords = g.input('point_coords', ['batch', 'num_points', 2]);
    const labels = g.input('point_labels', ['batch', 'num_points']);
    // Every image graph output is an input here, under the same name.
    const img: Record<string, string> = {};
    for (const [name, dims] of carried) img[name] = g.input(name, dims);

    // Sparse prompt embedding, as the export computes it.
    const norm01 = n.sub(n.mul(g.o('Div', [n.add(coords, g.scalar(W.scalar('/Constant_1'))), g.scalar(W.scalar('/Constant_2'))]), g.scalar(W.scalar('/Constant_3'))), g.scalar(W.scalar('/Constant_4')));
    const proj = n.mul(n.mm(norm01, n.w('gauss', gauss)), g.scalar(W.scalar('/Constant_5')));
    const pe = g.o('Concat', [g.o('Sin', [proj]), g.o('Cos', [proj])], { axis: -1 });
    const lab = g.o('Unsqueeze', [labels, g.ints([2])]);
    const is = (v: number) => g.o('Cast', [g.o('Equal', [lab, g.scalar(v)])], { to: 1 });
    let sparse = n.add(n.mul(pe, n.sub(g.scalar(1), is(-1))), n.mul(n.v('not_a_point', W.tensor('model.prompt_encoder.not_a_point_embed.weight').data), is(-1)));
    for (let i = 0; i < 4; i++) sparse = n.add(sparse, n.mul(n.v(`point_embed${i}`, W.tensor(`model.prompt_encoder.point_embeddings.${i}.weight`).data), is(i)));
    const batchDim = g.o('Slice', [g.o('Shape', [labels]), g.ints([0]), g.ints([1])]);
    const expand = (x: string, rest: number[]) => g.o('Expand', [x, g.o('Concat', [batchDim, g.ints(rest)], { axis: 0 })]);
    const outTok = expand(n.w('output_tokens', outputTokens), [nTok, dim]);
    const tokens = g.o('Concat', [outTok, sparse], { axis: 1 });
    const qpe = tokens;
    const ones = expand(n.w('ones', { data: new Float32Array(POS).fill(1), dims: [1, 1, POS] }), [1, POS]);

    /** Per-head, pre-scaled token projection [B, 8, T, c]. */
    const tokHeads = (x: string, l: { w: Weight; b: Weight }, hint: string) =>
      g.o('Div', [n.heads(n.linear(x, l, hint), cdim), g.scalar(Math.fround(Math.sqrt(hc)))]);
    /** Per-head blocks of R [B, K, 128] as [B, 8, c, K] (transposed) or [B, 8, K, c]. */
    const headsT = (r: string) => n.transpose(n.reshape(r, [0, 0, HEADS, hc]), [0, 2, 3, 1]);
    const headsR = (r: string) => n.transpose(n.reshape(r, [0, 0, HEADS, hc]), [0, 2, 1, 3]);
    /** [B, 8, T, 4096] -> [B, 8T, 4096] */
    const flat8 = (x: string) => n.reshape(x, [0, -1, POS]);
    const unsq = (x: string, axes: number[]) => g.o('Unsqueeze', [x, g.ints(axes)]);
    /** Image-to-token attention weights [B, 8T, 4096] (softmax over the tokens). */
    const imageToToken = (scores: string) => {
      // softmax over the token axis (2): onnxruntime's Softmax is slow on a non-innermost axis
      const e = g.o('Exp', [n.sub(scores, g.o('ReduceMax', [scores], { axes: [2], keepdims: 1 }))]);
      return flat8(g.o('Div', [e, g.o('ReduceSum', [e, g.ints([2])], { keepdims: 1 })]));
    };
    /** Per-head value·out_proj products [B, 8T, 256]. */
    const valueOut = (a: AttnWeights, q: string, hint: string) => {
      const vt = n.heads(n.linear(q, a.v, `${hint}_v`), cdim); // [B, 8, T, c]
      return { vt, m: n.reshape(n.mm(vt, n.w(`${hint}_wo`, headsOf(a.o.w))), [0, -1, dim]) };
    };
    /**
     * Attention terms through factors G [B, K, 4096] (K = 8T or 16T+3, known at run time): scores
     * q·(G·R)ᵀ per head, and values p·(G·R) per head, with the heads folded into one matrix product.
     */
    const kShape = (gT: string, lead: number[]) => g.o('Concat', [g.ints(lead), g.o('Slice', [g.o('Shape', [gT]), g.ints([1]), g.ints([2])])], { axis: 0 });
    const lowRankScores = (q: string, r: string, gT: string): string =>
      n.reshape(n.mm(g.o('Reshape', [n.mm(q, headsT(r)), kShape(gT, [0, -1])]), gT), [0, HEADS, -1, POS]);
    const lowRankValues = (p: string, gT: string, r: string) =>
      n.mm(g.o('Reshape', [n.mm(flat8(p), n.transpose(gT, [0, 2, 1])), kShape(gT, [0, HEADS, -1])]), headsR(r));
    const sumRows = (x: string) => g.o('ReduceSum', [x, g.ints([1])], { keepdims: 1 }); // [B, K, 4096] -> [B, 1, 4096]
    const rsqrt = (x: string) => g.o('Reciprocal', [g.o('Sqrt', [x])]);

    // ---- layer 0 ----
    const q1 = n.ln(tokenAttention(n, self0, tokens, tokens, tokens, 'l0_self'), norm(0, 1), 'l0_n1');
    const q2 = n.ln(n.add(q1, tokenToImage(n, t2i0, n.add(q1, qpe), img.k0t, img.v0h, 'l0_t2i')), norm(0, 2), 'l0_n2');
    const q3 = n.ln(n.add(q2, mlp(n, q2, mlpW(0), 'l0_mlp')), norm(0, 3), 'l0_n3');
    const kt0 = tokHeads(n.add(q3, qpe), i2t0.k, 'l0_i2t_k');
    const a0 = imageToToken(n.mm(kt0, img.q0t)); // [B, 8T, 4096]
    const { vt: vt0, m: m0 } = valueOut(i2t0, q3, 'l0_i2t');
    const mu0 = n.rowMean(m0);
    const mc0 = n.sub(m0, mu0); // centring the update row-wise = centring its value rows
    // r1: |yc_i + A0_i·Mc0|² = |yc_i|² + 2 A0_i·(Mc0 yc_i) + A0_i·(Mc0 Mc0ᵀ) A0_i
    const gram1 = n.add(n.mul(flat8(n.mm(vt0, img.ycwo0t)), g.scalar(2)), n.mm(n.mm(mc0, n.transpose(mc0, [0, 2, 1])), a0));
    const var1 = n.add(n.mul(n.add(img.ycn, sumRows(n.mul(a0, gram1))), g.scalar(1 / dim)), g.scalar(n40.eps));
    const r1 = rsqrt(var1); // [B, 1, 4096]
    const g1T = n.mul(a0, r1); // [B, 8T, 4096]
    const r1x = unsq(r1, [1]); // [B, 1, 1, 4096]
    const R1 = n.mm(mc0, n.w('w1g_p', W1g)); // [B, 8T, 384]
    const [R1k, R1v, R1q] = g.op('Split', [R1, g.ints([cdim, cdim, cdim])], { axis: -1 }, 3);

    // ---- layer 1 ----
    const qq = n.add(q3, qpe);
    const q5 = n.ln(n.add(q3, tokenAttention(n, self1, qq, qq, q3, 'l1_self')), norm(1, 1), 'l1_n1');
    // token-to-image with keys K1 = r1·s1k + G1·R1k + c1k and values V1 = r1·s1v + G1·R1v + c1v, never formed
    const qt1 = tokHeads(n.add(q5, qpe), t2i1.q, 'l1_t2i_q');
    const sc1 = n.add(n.add(n.mul(n.mm(qt1, img.s1kt), r1x), lowRankScores(qt1, R1k, g1T)), n.mm(qt1, img.c1kt));
    const p1 = g.o('Softmax', [sc1], { axis: -1 }); // [B, 8, T, 4096]
    const o1 = n.add(n.add(n.mm(n.mul(p1, r1x), img.s1vh), lowRankValues(p1, g1T, R1v)), n.w('c1v', { data: c1v, dims: [HEADS, 1, hc] }));
    const q6 = n.ln(n.add(q5, n.linear(n.merge(o1, cdim), t2i1.o, 'l1_t2i_o')), norm(1, 2), 'l1_n2');
    const q7 = n.ln(n.add(q6, mlp(n, q6, mlpW(1), 'l1_mlp')), norm(1, 3), 'l1_n3');
    // image-to-token with queries Q1 = r1·s1q + G1·R1q + c1q
    const kt1 = tokHeads(n.add(q7, qpe), i2t1.k, 'l1_i2t_k');
    const sc1i = n.add(n.add(n.mul(n.mm(kt1, img.s1qt), r1x), lowRankScores(kt1, R1q, g1T)), n.mm(kt1, img.c1qt));
    const a1 = imageToToken(sc1i);
    const { vt: vt1, m: m1 } = valueOut(i2t1, q7, 'l1_i2t');

    // keys2pre = r1·(yc∘g1) + F·R + cb with F = [r1·A0 | A1], R = [Mc0∘g1 ; M1]; its row mean and variance.
    const fT = g.o('Concat', [g1T, a1, ones], { axis: 1 }); // [B, 16T+1, 4096]
    const rr = g.o('Concat', [n.mul(mc0, n.v('g1', g1)), m1, expand(n.w('cb', { data: f32(cb), dims: [1, 1, dim] }), [1, dim])], { axis: 1 });
    const rMean = n.rowMean(rr); // [B, 16T+1, 1]
    const rc = n.sub(rr, rMean);
    const m2 = n.add(n.mul(r1, img.ycg1m), n.mm(n.transpose(rMean, [0, 2, 1]), fT)); // [B, 1, 4096]
    // rc·ycg1cᵀ from per-image products, block by block: [Mc0∘g1 ; M1 ; cb]
    const cross2 = g.o('Concat', [
      n.sub(flat8(n.mm(vt0, img.ycgwo0t)), n.mul(mu0, img.ycg1s)), flat8(n.mm(vt1, img.ycwo1t)), expand(img.yccb, [1, POS]),
    ], { axis: 1 });
    const gram2 = n.add(n.mul(cross2, n.mul(r1, g.scalar(2))), n.mm(n.mm(rc, n.transpose(rc, [0, 2, 1])), fT));
    const var2 = n.add(n.mul(n.add(n.mul(n.mul(r1, r1), img.ycg1n), sumRows(n.mul(fT, gram2))), g.scalar(1 / dim)), g.scalar(n41.eps));
    const r2 = rsqrt(var2);
    const rr12 = n.mul(r1, r2);
    const rr12x = unsq(rr12, [1]);

    // keys2·[Wk | Wv | Wct1] = r1r2·sf + Gf·Rf (+ per-position key bias), Gf = [r1r2·A0 | r2·A1 | r2 | -r2·m2 | 1]
    const gfT = g.o('Concat', [n.mul(a0, rr12), n.mul(a1, r2), r2, n.mul(n.mul(r2, m2), g.scalar(-1)), ones], { axis: 1 });
    const constRows = n.w('rf_const', { data: f32([...cbg2W, ...gW, ...constRow]), dims: [1, 3, nF] });
    const rf = g.o('Concat', [n.mm(mc0, n.w('wfg_p', WFg)), n.mm(m1, n.w('wf2', WF2)), expand(constRows, [3, nF])], { axis: 1 });
    const [rfk, rfv, rfc] = g.op('Split', [rf, g.ints([cdim, cdim, nF - 2 * cdim])], { axis: -1 }, 3);
    const qf = tokHeads(n.add(q7, qpe), fin.q, 'fin_q');
    const scf = n.add(n.add(n.mul(n.mm(qf, img.sfkt), rr12x), lowRankScores(qf, rfk, gfT)), n.mm(qf, img.cfkt));
    const pf = g.o('Softmax', [scf], { axis: -1 });
    const of = n.add(n.mm(n.mul(pf, rr12x), img.sfvh), lowRankValues(pf, gfT, rfv));
    const q8 = n.ln(n.add(q7, n.linear(n.merge(of, cdim), fin.o, 'fin_o')), normFinal, 'fin_n');

    // ---- heads ----
    const token = (i: number) => g.o('Gather', [q8, g.ints([i])], { axis: 1 }); // [B, 1, 256]
    const iouLayers = [0, 1, 2].map((i) => W.gemm(`/iou_prediction_head/layers.${i}/Gemm`));
    const iou = n.reshape(mlp(n, token(0), iouLayers, 'iou'), [0, -1]);
    const nMasks = nTok - 1;
    const hyper = g.o('Concat', Array.from({ length: nMasks }, (_, t) =>
      mlp(n, token(1 + t), [0, 1, 2].map((i) => W.gemm(`/output_hypernetworks_mlps.${t}/layers.${i}/Gemm`)), `hyper${t}`)), { axis: 1 }); // [B, 4, 32]

    // ---- mask head: convT1 -> LN2d -> GELU -> convT2 -> GELU -> hypernetwork product ----
    // Only over the grid cells [0, rows) x [0, cols) that mask_extent asks for: the masks' pixels
    // below and right of the resized image are padding that mask post-processing crops away.
    const extent = g.input(LOWRANK_EXTENT_INPUT, [2], 'int64');
    /** [lead.., 4096, C] -> [lead.., rows*cols, C] (axis: the position axis). */
    const region = (x: string, axis: number) => {
      const shape = g.o('Shape', [x]);
      const lead = g.o('Slice', [shape, g.ints([0]), g.ints([axis])]);
      const grid = g.o('Reshape', [x, g.o('Concat', [lead, g.ints([GRID, GRID, -1])], { axis: 0 })]);
      const cut = g.o('Slice', [grid, g.ints([0, 0]), extent, g.ints([axis, axis + 1])]);
      return g.o('Reshape', [cut, g.o('Concat', [lead, g.ints([-1]), g.o('Slice', [shape, g.ints([axis + 1]), g.ints([axis + 2])])], { axis: 0 })]);
    };
    const gfR = n.transpose(region(gfT, 2), [0, 2, 1]);
    const up1 = n.add(n.mul(region(img.sfc, 1), region(n.transpose(rr12, [0, 2, 1]), 1)), n.mm(gfR, rfc));
    const c1out = ct1.w.dims[1] / 4, c2out = ct2.w.dims[1] / 4;
    const h1 = n.gelu(n.ln(n.reshape(up1, [0, -1, 4, c1out]), { g: { data: ln2d.g.data, dims: [c1out] }, b: { data: ln2d.b.data, dims: [c1out] }, eps: ln2d.eps }, 'ln2d'));
    const h2 = n.gelu(n.add(n.mm(h1, n.w('ct2', ct2.w)), n.v('ct2_b', ct2.b))); // [B, P, 4, 4*32]
    const logits = n.mm(n.reshape(h2, [0, -1, c2out]), n.transpose(hyper, [0, 2, 1])); // [B, 16P, 4]
    // Left in the order the convolutions produce: the caller interleaves (see interleaveLowResMasks).
    g.output(n.reshape(logits, [0, -1, 16, nMasks]), LOWRANK_MASKS_OUTPUT, ['batch', 'cells', 16, nMasks]);
    g.output(iou, 'all_iou_predictions', ['batch', nMasks]);
  }
  return { image: ig.g.build(), prompt: pg.g.build() };
}
