/**
 * The floor for one `samkit predict` process: load the two shipped ONNX files, decode and resize the
 * image with sharp, run the encoder and the shipped decoder once, threshold the mask.
 */
import sharp from 'sharp';
import ort from 'onnxruntime-node';
import { defaultModelManifest } from '../src/model/resolve.js';

const [img, xs, ys] = process.argv.slice(2);
const m = defaultModelManifest();
const opts: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 2, graphOptimizationLevel: 'all' };
const [enc, dec] = await Promise.all([ort.InferenceSession.create(m.encoder.path!, opts), ort.InferenceSession.create(m.decoder.path!, opts)]);
const meta = await sharp(img).metadata();
const H = meta.height!;
const W = meta.width!;
const s = 1024 / Math.max(H, W);
const nh = Math.round(H * s);
const nw = Math.round(W * s);
const { data } = await sharp(img).removeAlpha().resize(nw, nh, { kernel: 'linear' }).raw().toBuffer({ resolveWithObject: true });
const mean = [123.675, 116.28, 103.53];
const std = [58.395, 57.12, 57.375];
const t = new Float32Array(3 * 1024 * 1024);
for (let i = 0; i < nh; i++) for (let j = 0; j < nw; j++) for (let c = 0; c < 3; c++) t[c * 1048576 + i * 1024 + j] = (data[(i * nw + j) * 3 + c] - mean[c]) / std[c];
const emb = (await enc.run({ [enc.inputNames[0]]: new ort.Tensor('float32', t, [1, 3, 1024, 1024]) }))[enc.outputNames[0]];
const out = await dec.run({
  image_embeddings: emb,
  point_coords: new ort.Tensor('float32', new Float32Array([Number(xs) * s, Number(ys) * s, 0, 0]), [1, 2, 2]),
  point_labels: new ort.Tensor('float32', new Float32Array([1, -1]), [1, 2]),
  mask_input: new ort.Tensor('float32', new Float32Array(256 * 256), [1, 1, 256, 256]),
  has_mask_input: new ort.Tensor('float32', new Float32Array([0]), [1]),
  orig_im_size: new ort.Tensor('float32', new Float32Array([H, W]), [2]),
});
const mk = out.masks.data as Float32Array;
let area = 0;
for (let i = 0; i < mk.length; i++) area += mk[i] > 0 ? 1 : 0;
console.log(JSON.stringify({ width: W, height: H, area }));
