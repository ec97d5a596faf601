import { PNG } from 'pngjs';
import type { FitsImage } from './fits-image.js';

export type Stretch = 'asinh' | 'linear';
export const stretches: readonly Stretch[] = ['asinh', 'linear'];

export interface RenderOptions {
  stretch?: Stretch;
  /** Percentiles of the finite pixels mapped to black and white (default 0.5 and 99.5). */
  lowPercentile?: number;
  highPercentile?: number;
}

/** How far asinh compresses the bright end: the softening is this fraction of the clipped range. */
const ASINH_SOFTENING = 0.1;

/**
 * An 8-bit grey PNG of a FITS image, the way astronomers look at stamps: values clipped to
 * percentiles of the finite pixels (so one cosmic ray or saturated star does not turn everything
 * black), then an asinh stretch that shows faint structure and bright cores at once (or linear).
 * FITS rows run bottom-up, PNG rows top-down, so rows are flipped: north stays up as in DS9.
 * NaN pixels (masked, off the detector) are transparent.
 */
export function renderPng(image: FitsImage, options: RenderOptions = {}): Buffer {
  const { width, height, pixels } = image;
  const [lo, hi] = clipRange(pixels, options.lowPercentile ?? 0.5, options.highPercentile ?? 99.5);
  const toGrey = greyScale(lo, hi, options.stretch ?? 'asinh');
  const png = new PNG({ width, height, colorType: 6, inputColorType: 6, bitDepth: 8 });
  for (let y = 0; y < height; y++) {
    const source = (height - 1 - y) * width;
    for (let x = 0; x < width; x++) {
      const value = pixels[source + x]!;
      const at = (y * width + x) * 4;
      const finite = Number.isFinite(value);
      const grey = finite ? toGrey(value) : 0;
      png.data[at] = grey;
      png.data[at + 1] = grey;
      png.data[at + 2] = grey;
      png.data[at + 3] = finite ? 255 : 0;
    }
  }
  return PNG.sync.write(png, { colorType: 6 });
}

/** The values at two percentiles of the finite pixels; [0, 1] when none is finite. */
export function clipRange(pixels: Float64Array, low: number, high: number): [number, number] {
  const finite = pixels.filter(Number.isFinite).sort();
  if (finite.length === 0) return [0, 1];
  const at = (p: number) => finite[Math.min(finite.length - 1, Math.max(0, Math.round((p / 100) * (finite.length - 1))))]!;
  return [at(low), at(high)];
}

function greyScale(lo: number, hi: number, stretch: Stretch): (value: number) => number {
  const range = hi - lo;
  // A flat image (or one finite pixel) is mid-grey rather than a division by zero.
  if (!(range > 0)) return () => 128;
  const unit = (value: number) => Math.min(1, Math.max(0, (value - lo) / range));
  const shaped = stretch === 'asinh' ? (t: number) => Math.asinh(t / ASINH_SOFTENING) / Math.asinh(1 / ASINH_SOFTENING) : (t: number) => t;
  return (value) => Math.round(255 * shaped(unit(value)));
}
