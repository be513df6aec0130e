/**
 * SAM's input geometry (the official `ResizeLongestSide` and `Sam.preprocess`): the longest side is
 * resized to the model's input size, prompts are scaled by the same factors (no half-pixel offset),
 * pixels are normalised and zero-padded at the bottom and right.
 */
import { resizeBilinearPil } from './resize-pil.js';

export interface Size { width: number; height: number }

export interface PreprocessConfig {
  inputSize: number;
  pixelMean: readonly [number, number, number];
  pixelStd: readonly [number, number, number];
  layout: 'NCHW' | 'NHWC';
  /**
   * What the encoder takes (default 'normalized'): the normalised tensor zero-padded to inputSize², or
   * 'resized-rgb', the resized image's RGB values 0-255 as float32 [h, w, 3] (preprocessing in the graph).
   */
  encoderInput?: 'normalized' | 'resized-rgb';
  /**
   * How the image is fitted to inputSize² (default 'longest-side', SAM's ResizeLongestSide plus
   * padding); 'stretch' resizes both sides to inputSize without padding, as SAM 2 does.
   */
  resize?: ResizeRule;
}

export type ResizeRule = 'longest-side' | 'stretch';

/** The model input geometry: the input size (longest side), or the size and the resize rule. */
export type InputGeometry = number | { inputSize: number; resize?: ResizeRule };

/**
 * Size after resizing the longest side to the input size, rounding each side half up as the
 * official code does; with the 'stretch' rule, inputSize x inputSize.
 */
export function preprocessShape(original: Size, geometry: InputGeometry): Size {
  const longSide = typeof geometry === 'number' ? geometry : geometry.inputSize;
  if (typeof geometry !== 'number' && geometry.resize === 'stretch') return { width: longSide, height: longSide };
  const scale = longSide / Math.max(original.width, original.height);
  return {
    width: Math.floor(original.width * scale + 0.5),
    height: Math.floor(original.height * scale + 0.5),
  };
}

/**
 * Scale [x, y] pairs from original-image pixels to model-input pixels, writing float32 values as the
 * official predictor does (float64 math, then a float32 tensor).
 */
export function applyCoords(coords: ArrayLike<number>, original: Size, geometry: InputGeometry, out?: Float32Array): Float32Array {
  const resized = preprocessShape(original, geometry);
  const sx = resized.width / original.width;
  const sy = resized.height / original.height;
  const dst = out ?? new Float32Array(coords.length);
  for (let i = 0; i + 1 < coords.length; i += 2) {
    dst[i] = coords[i] * sx;
    dst[i + 1] = coords[i + 1] * sy;
  }
  return dst;
}

/**
 * Resize interleaved RGB uint8 pixels as `ResizeLongestSide.apply_image` does (Pillow bilinear), then
 * normalise and zero-pad into the encoder's input tensor.
 */
export function preprocessImage(rgb: Uint8Array, size: Size, config: PreprocessConfig): { tensor: Float32Array; resized: Size } {
  const resized = preprocessShape(size, config);
  const pixels = resizeBilinearPil(rgb, size.width, size.height, 3, resized.width, resized.height);
  if (config.encoderInput === 'resized-rgb') return { tensor: Float32Array.from(pixels), resized };
  return { tensor: normalizeAndPad(pixels, resized, config), resized };
}

/** (pixel - mean) / std for each channel, placed at the top-left of a zero inputSize x inputSize tensor. */
export function normalizeAndPad(pixels: Uint8Array, resized: Size, config: PreprocessConfig): Float32Array {
  const n = config.inputSize;
  const plane = n * n;
  const out = new Float32Array(3 * plane);
  const lut = normalizationTable(config);
  const { width: w, height: h } = resized;
  // Channel c of value v sits at lut[c * 256 + v].
  if (config.layout === 'NCHW') {
    for (let y = 0; y < h; y++) {
      let p = y * w * 3;
      const row = y * n;
      for (let x = 0; x < w; x++, p += 3) {
        out[row + x] = lut[pixels[p]];
        out[plane + row + x] = lut[256 + pixels[p + 1]];
        out[2 * plane + row + x] = lut[512 + pixels[p + 2]];
      }
    }
  } else {
    for (let y = 0; y < h; y++) {
      let p = y * w * 3;
      let q = y * n * 3;
      for (let x = 0; x < w; x++, p += 3, q += 3) {
        out[q] = lut[pixels[p]];
        out[q + 1] = lut[256 + pixels[p + 1]];
        out[q + 2] = lut[512 + pixels[p + 2]];
      }
    }
  }
  return out;
}

/**
 * The normalised value of every byte per channel, computed with float32 rounding at each step as
 * PyTorch does (a float32 subtraction, then a float32 division), so the tensor matches bit for bit.
 */
export function normalizationTable(config: Pick<PreprocessConfig, 'pixelMean' | 'pixelStd'>): Float32Array {
  const lut = new Float32Array(3 * 256);
  for (let c = 0; c < 3; c++) {
    const mean = Math.fround(config.pixelMean[c]);
    const std = Math.fround(config.pixelStd[c]);
    for (let v = 0; v < 256; v++) lut[c * 256 + v] = Math.fround(v - mean) / std;
  }
  return lut;
}
