/**
 * The prompt-decoder kernel's weights, read from an official SAM decoder ONNX export at load time
 * (the same tensors, and the same derived low-rank products, as the low-rank prompt graph of
 * src/model/lowrank-decoder.ts), in the kernel's slot order (native/decoder-kernel/kernel.c).
 * Pure: bytes in, arrays out, so it runs in Node and in the page's worker.
 */
import { KernelUnsupportedError } from '../core/errors.js';
import { DecoderWeights, type Weight } from '../model/decoder-weights.js';
import { add, concatCols, f32, mulv, officialDecoderTensors, rowScale, vecMat, type AttnWeights } from '../model/lowrank-decoder.js';

/** The architecture the kernel is compiled for (every official SAM checkpoint's decoder). */
export const KERNEL_ARCH = { dim: 256, crossDim: 128, heads: 8, mlp: 2048, tokens: 5, masks: 4, c1: 64, c2: 32, grid: 64 } as const;

/** Weight slots, in the order of the kernel's enum (prompt-independent: built once per model). */
export const WEIGHT_SLOTS = [
  'gauss', 'nap', 'pemb', 'outtok', 'peconst',
  'sa0_qw', 'sa0_qb', 'sa0_kw', 'sa0_kb', 'sa0_vw', 'sa0_vb', 'sa0_ow', 'sa0_ob',
  'sa1_qw', 'sa1_qb', 'sa1_kw', 'sa1_kb', 'sa1_vw', 'sa1_vb', 'sa1_ow', 'sa1_ob',
  't2i0_qw', 't2i0_qb', 't2i0_ow', 't2i0_ob',
  'i2t0_kw', 'i2t0_kb', 'i2t0_vw', 'i2t0_vb', 'i2t0_ow',
  't2i1_qw', 't2i1_qb', 't2i1_ow', 't2i1_ob',
  'i2t1_kw', 'i2t1_kb', 'i2t1_vw', 'i2t1_vb', 'i2t1_ow',
  'fin_qw', 'fin_qb', 'fin_ow', 'fin_ob',
  'n01g', 'n01b', 'n02g', 'n02b', 'n03g', 'n03b',
  'n11g', 'n11b', 'n12g', 'n12b', 'n13g', 'n13b',
  'nfg', 'nfb', 'eps',
  'm0_w1', 'm0_b1', 'm0_w2', 'm0_b2', 'm1_w1', 'm1_b1', 'm1_w2', 'm1_b2',
  'iou_w0', 'iou_b0', 'iou_w1', 'iou_b1', 'iou_w2', 'iou_b2',
  'hyp_w0', 'hyp_b0', 'hyp_w1', 'hyp_b1', 'hyp_w2', 'hyp_b2',
  'w1g', 'g1', 'cb', 'c1v', 'wfg', 'wf2', 'constrows', 'ct2w', 'ct2b', 'ln2g', 'ln2b',
  'md0w', 'md0b', 'md1g', 'md1b', 'md3w', 'md3b', 'md4g', 'md4b', 'mdeps',
  'dcor', 'dgy', 'dgg', 'dec', 'dug', 'dconst',
] as const;

/** Columns of the dense factors' product matrix (kernel.c's NCOR). */
export const DENSE_COLUMNS = 1668;

/** Per-image slots: the low-rank image graph's outputs, by name, with their sizes (floats). */
export const IMAGE_SLOTS: ReadonlyArray<readonly [string, number]> = (() => {
  const { crossDim, grid, c1 } = KERNEL_ARCH;
  const P = grid * grid;
  const big = crossDim * P; // [8, 16, 4096] or [8, 4096, 16]
  return [
    ['k0t', big], ['v0h', big], ['q0t', big], ['ycwo0t', big], ['ycn', P], ['ycgwo0t', big], ['ycwo1t', big],
    ['ycg1s', P], ['yccb', P], ['ycg1n', P], ['ycg1m', P], ['s1kt', big], ['s1vh', big], ['s1qt', big],
    ['c1kt', big], ['c1qt', big], ['sfkt', big], ['sfvh', big], ['sfc', P * 4 * c1], ['cfkt', big],
  ] as const;
})();

export type KernelWeights = Float32Array[];

function expect(w: Weight, dims: number[], what: string): Float32Array {
  const n = dims.reduce((a, b) => a * b, 1);
  if (w.data.length !== n || (w.dims.length && w.dims.reduce((a, b) => a * b, 1) !== n)) {
    throw new KernelUnsupportedError(`${what} is ${w.dims.join('x') || w.data.length} (the decoder kernel takes ${dims.join('x')})`);
  }
  return w.data;
}

/**
 * Read and derive the kernel's weights. Throws KernelUnsupportedError when the export's decoder is
 * not of the architecture the kernel covers (then callers keep the onnxruntime graphs), ModelError
 * when it is not the official export layout at all.
 */
export function kernelWeights(decoderBytes: Uint8Array, source = 'decoder'): KernelWeights {
  const W = new DecoderWeights(decoderBytes, source);
  const { dim: D, crossDim: CD, mlp: M, tokens: NT, masks: NM, c1: C1, c2: C2 } = KERNEL_ARCH;
  const { self0, self1, t2i0, t2i1, i2t0, i2t1, fin, norm, mlpW, n40, n41, normFinal, gauss, outputTokens, ct1, ct2, ln2d } = officialDecoderTensors(W);

  const out: Float32Array[] = [];
  const put = (w: Weight, dims: number[], what: string) => { out.push(expect(w, dims, what)); };
  const vec = (data: ArrayLike<number>, n: number, what: string) => put({ data: f32(data), dims: [n] }, [n], what);
  const sq = (a: AttnWeights, inner: number, name: string, parts: Array<'q' | 'k' | 'v'>, withOut: 'w' | 'wb') => {
    for (const p of parts) {
      put(a[p].w, [D, inner], `${name} ${p} weight`);
      put(a[p].b, [inner], `${name} ${p} bias`);
    }
    put(a.o.w, [inner, D], `${name} out weight`);
    if (withOut === 'wb') put(a.o.b, [D], `${name} out bias`);
  };

  // prompt encoder
  put(gauss, [2, CD], 'positional encoding');
  put(W.tensor('model.prompt_encoder.not_a_point_embed.weight'), [D], 'not-a-point embedding');
  const pemb = new Float32Array(4 * D);
  for (let i = 0; i < 4; i++) pemb.set(expect(W.tensor(`model.prompt_encoder.point_embeddings.${i}.weight`), [D], `point embedding ${i}`), i * D);
  out.push(pemb);
  put(outputTokens, [1, NT, D], 'output tokens');
  vec(['/Constant_1', '/Constant_2', '/Constant_3', '/Constant_4', '/Constant_5'].map((n) => W.scalar(n)), 5, 'point normalisation');
  sq(self0, D, 'layer 0 self attention', ['q', 'k', 'v'], 'wb');
  sq(self1, D, 'layer 1 self attention', ['q', 'k', 'v'], 'wb');
  sq(t2i0, CD, 'layer 0 token-to-image', ['q'], 'wb');
  sq(i2t0, CD, 'layer 0 image-to-token', ['k', 'v'], 'w');
  sq(t2i1, CD, 'layer 1 token-to-image', ['q'], 'wb');
  sq(i2t1, CD, 'layer 1 image-to-token', ['k', 'v'], 'w');
  sq(fin, CD, 'final attention', ['q'], 'wb');
  for (const [i, k] of [[0, 1], [0, 2], [0, 3], [1, 1], [1, 2], [1, 3]]) {
    const n = norm(i, k);
    put(n.g, [D], `layer ${i} norm ${k}`);
    put(n.b, [D], `layer ${i} norm ${k}`);
  }
  put(normFinal.g, [D], 'final norm');
  put(normFinal.b, [D], 'final norm');
  const eps = [norm(0, 1), norm(0, 2), norm(0, 3), norm(1, 1), norm(1, 2), norm(1, 3), normFinal, n40, n41].map((n) => n.eps);
  vec([...eps, ln2d.eps], 10, 'epsilons');
  for (const i of [0, 1]) {
    const [l1, l2] = mlpW(i);
    put(l1.w, [D, M], `layer ${i} MLP`); put(l1.b, [M], `layer ${i} MLP`);
    put(l2.w, [M, D], `layer ${i} MLP`); put(l2.b, [D], `layer ${i} MLP`);
  }
  const iou = [0, 1, 2].map((i) => W.gemm(`/iou_prediction_head/layers.${i}/Gemm`));
  iou.forEach((l, i) => { put(l.w, [D, i === 2 ? NM : D], 'IoU head'); put(l.b, [i === 2 ? NM : D], 'IoU head'); });
  const hyper = Array.from({ length: NM }, (_, t) => [0, 1, 2].map((i) => W.gemm(`/output_hypernetworks_mlps.${t}/layers.${i}/Gemm`)));
  if (outputTokens.dims[1] !== NT) throw new KernelUnsupportedError(`the decoder has ${outputTokens.dims[1]} output tokens (the kernel takes ${NT})`);
  for (let i = 0; i < 3; i++) {
    const n = i === 2 ? C2 : D;
    const w = new Float32Array(NM * D * n), b = new Float32Array(NM * n);
    hyper.forEach((layers, t) => {
      w.set(expect(layers[i].w, [D, n], `hypernetwork ${t}`), t * D * n);
      b.set(expect(layers[i].b, [n], `hypernetwork ${t}`), t * n);
    });
    out.push(w, b);
  }

  // derived low-rank weights, as lowrank-decoder.ts computes them
  const g1 = n40.g.data, b1 = n40.b.data, g2 = n41.g.data, b2 = n41.b.data;
  if (ct1.w.dims[1] !== 4 * C1 || ct2.w.dims[1] !== 4 * C2 || ct2.w.dims[0] !== C1) {
    throw new KernelUnsupportedError(`the mask head's convolutions are ${ct1.w.dims.join('x')} / ${ct2.w.dims.join('x')} (the kernel takes ${D}x${4 * C1} / ${C1}x${4 * C2})`);
  }
  const W1g = rowScale(concatCols([t2i1.k.w, t2i1.v.w, i2t1.q.w]), g1);
  const c1v = f32(add(vecMat(b1, t2i1.v.w), t2i1.v.b.data));
  const WF = concatCols([fin.k.w, fin.v.w, ct1.w]);
  const nF = WF.dims[1];
  const WFg = rowScale(WF, mulv(g1, g2));
  const WF2 = rowScale(WF, g2);
  const cb = add(b1, i2t1.o.b.data);
  const cbg2W = f32(vecMat(mulv(cb, g2), WF));
  const gW = f32(vecMat(g2, WF));
  const b2W = vecMat(b2, WF);
  const constRow = new Float32Array(nF);
  for (let j = CD; j < nF; j++) constRow[j] = b2W[j] + (j < 2 * CD ? fin.v.b.data[j - CD] : ct1.b[j - 2 * CD]);
  put(W1g, [D, 3 * CD], 'layer 1 projections');
  put(n40.g, [D], 'layer 0 norm 4');
  vec(cb, D, 'key bias');
  put({ data: c1v, dims: [CD] }, [CD], 'layer 1 value bias');
  put(WFg, [D, 2 * CD + 4 * C1], 'final projections');
  put(WF2, [D, 2 * CD + 4 * C1], 'final projections');
  const rows = new Float32Array(3 * nF);
  rows.set(cbg2W, 0); rows.set(gW, nF); rows.set(constRow, 2 * nF);
  out.push(rows);
  put(ct2.w, [C1, 4 * C2], 'second convolution');
  vec(ct2.b, 4 * C2, 'second convolution');
  put(ln2d.g, [C1], 'mask head norm');
  put(ln2d.b, [C1], 'mask head norm');
  out.push(...maskInputWeights(W, { t2i0, i2t0, i2t1, g1, cb, W1g, WFg }));
  if (out.length !== WEIGHT_SLOTS.length) throw new Error(`kernel weights: ${out.length} slots built, ${WEIGHT_SLOTS.length} expected`);
  return out;
}

/**
 * The mask input's weights (kernel.c, "the mask input"): the export's mask downscaling with its taps
 * rearranged for the kernel, and the products of the dense factors' rows E = [W3ᵀ ; b3 - no_mask]
 * (centred: Ec, and U = Ec∘g1 centred) with every weight the per-image tensors are made with,
 * accumulated in float64.
 */
function maskInputWeights(W: DecoderWeights, m: {
  t2i0: AttnWeights; i2t0: AttnWeights; i2t1: AttnWeights; g1: Float32Array; cb: Float64Array; W1g: Weight; WFg: Weight;
}): Float32Array[] {
  const { dim: D, crossDim: CD } = KERNEL_ARCH;
  const K = 17; // 16 channels + the ones column
  const md = (i: number, what: string) => W.tensor(`model.prompt_encoder.mask_downscaling.${i}.${what}`);
  const lnOf = (i: number, c: number) => ({
    g: expect(W.constOperand(`/mask_downscaling/mask_downscaling.${i}/Mul`), [c], 'mask downscaling norm'),
    b: expect(W.constOperand(`/mask_downscaling/mask_downscaling.${i}/Add_1`), [c], 'mask downscaling norm'),
    eps: W.scalar(`/mask_downscaling/mask_downscaling.${i}/Constant_1`),
  });
  const w0 = expect(md(0, 'weight'), [4, 1, 2, 2], 'mask downscaling 0');
  const w3 = expect(md(3, 'weight'), [16, 4, 2, 2], 'mask downscaling 3');
  const w6 = expect(md(6, 'weight'), [D, 16, 1, 1], 'mask downscaling 6');
  const b6 = expect(md(6, 'bias'), [D], 'mask downscaling 6');
  const noMask = expect(W.constOperand('/Mul_9'), [D], 'no-mask embedding');
  const ln1 = lnOf(1, 4), ln4 = lnOf(4, 16);
  const md0w = new Float32Array(16), md3w = new Float32Array(256);
  for (let o = 0; o < 4; o++) for (let t = 0; t < 4; t++) md0w[t * 4 + o] = w0[o * 4 + t];
  for (let o = 0; o < 16; o++) for (let i = 0; i < 4; i++) for (let t = 0; t < 4; t++) md3w[(i * 4 + t) * 16 + o] = w3[(o * 4 + i) * 4 + t];

  // E, Ec (rows centred), U = Ec∘g1 centred, in float64
  const E = Array.from({ length: K }, (_, k) => Float64Array.from({ length: D }, (_, o) => (k < 16 ? w6[o * 16 + k] : b6[o] - noMask[o])));
  const centred = (r: Float64Array) => { const mean = r.reduce((a, b) => a + b, 0) / D; return { mean, c: r.map((v) => v - mean) }; };
  const Ec = E.map((r) => centred(r).c);
  const Eg = Ec.map((r) => r.map((v, j) => v * m.g1[j]));
  const mg = Eg.map((r) => centred(r).mean);
  const U = Eg.map((r) => centred(r).c);
  const cbMean = m.cb.reduce((a, b) => a + b, 0) / D;
  const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let j = 0; j < a.length; j++) s += a[j] * b[j]; return s; };
  /** rows [K][256] times w [256, n] (or its transpose [n, 256]) into dcor's columns from c0. */
  const dcor = new Float32Array(K * DENSE_COLUMNS);
  const times = (rows: Float64Array[], w: Weight, c0: number, transposed = false) => {
    const n = transposed ? w.dims[0] : w.dims[1];
    for (let k = 0; k < K; k++) {
      for (let c = 0; c < n; c++) {
        let s = 0;
        if (transposed) for (let j = 0; j < D; j++) s += rows[k][j] * w.data[c * D + j];
        else for (let j = 0; j < D; j++) s += rows[k][j] * w.data[j * n + c];
        dcor[k * DENSE_COLUMNS + c0 + c] = s;
      }
    }
  };
  const g1Wo0 = { data: Float32Array.from(m.i2t0.o.w.data, (v, i) => v * m.g1[i % D]), dims: m.i2t0.o.w.dims };
  times(E, m.t2i0.k.w, 0);
  times(E, m.t2i0.v.w, CD);
  times(E, m.i2t0.q.w, 2 * CD);
  times(Ec, m.i2t0.o.w, 3 * CD, true);
  times(U, g1Wo0, 4 * CD, true);
  times(U, m.i2t1.o.w, 5 * CD, true);
  times(Ec, m.W1g, 6 * CD);
  times(Ec, m.WFg, 9 * CD);
  for (let k = 0; k < K; k++) {
    dcor[k * DENSE_COLUMNS + 13 * CD] = dot(U[k], m.g1);
    dcor[k * DENSE_COLUMNS + 13 * CD + 1] = dot(U[k], m.cb.map((v) => v - cbMean));
    dcor[k * DENSE_COLUMNS + 13 * CD + 2] = mg[k];
  }
  const gram = (r: Float64Array[]) => Float32Array.from({ length: K * K }, (_, i) => dot(r[Math.floor(i / K)], r[i % K]));
  const Ug = U.map((r) => r.map((v, j) => v * m.g1[j]));
  const cvec = Float64Array.from({ length: D }, (_, j) => noMask[j] + m.i2t0.o.b.data[j]);
  const dconst = new Float32Array(3 * K + 1);
  for (let k = 0; k < K; k++) {
    dconst[k] = dot(Ec[k], cvec);
    dconst[K + k] = dot(Ug[k], cvec);
    dconst[2 * K + k] = dot(U[k], m.g1);
  }
  dconst[3 * K] = cvec.reduce((a, b) => a + b, 0);
  const flat = (r: Float64Array[]) => { const o = new Float32Array(K * D); r.forEach((row, k) => o.set(row, k * D)); return o; };
  return [
    md0w, f32(expect(md(0, 'bias'), [4], 'mask downscaling 0')), ln1.g, ln1.b,
    md3w, f32(expect(md(3, 'bias'), [16], 'mask downscaling 3')), ln4.g, ln4.b, f32([ln1.eps, ln4.eps]),
    dcor, gram(Ec), gram(U), flat(Ec), flat(Ug), dconst,
  ];
}
