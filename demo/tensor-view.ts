/** Float32 CHW tensors shown to a person: drawn back as pixels, and summed up in a line. */

/**
 * Draws a normalized RGB tensor (3 planes, CHW) into `canvas`, undoing the
 * normalization: x = (v * std[c] + mean[c]) * 255.
 */
export function drawTensor(
  canvas: HTMLCanvasElement, tensor: Float32Array, width: number, height: number,
  mean: readonly number[], std: readonly number[],
): void {
  const plane = width * height;
  const image = new ImageData(width, height);
  const rgba = image.data; // Uint8ClampedArray: rounds and clamps for us
  for (let c = 0; c < 3; c++) {
    const scale = std[c]! * 255;
    const offset = mean[c]! * 255;
    const base = c * plane;
    for (let p = 0; p < plane; p++) rgba[4 * p + c] = tensor[base + p]! * scale + offset;
  }
  for (let p = 0; p < plane; p++) rgba[4 * p + 3] = 255;
  canvas.width = width;
  canvas.height = height;
  canvas.getContext('2d')!.putImageData(image, 0, 0);
}

/** ["range −2.12 … 2.64", "mean R −0.41 · G −0.35 · B −0.12"] for the first 3 planes of `plane` values. */
export function tensorSummary(tensor: Float32Array, plane: number): [string, string] {
  let min = Infinity;
  let max = -Infinity;
  const means: string[] = [];
  for (let c = 0; c < 3; c++) {
    let sum = 0;
    for (let p = c * plane; p < (c + 1) * plane; p++) {
      const v = tensor[p]!;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    means.push(`${'RGB'[c]} ${(sum / plane).toFixed(2)}`);
  }
  return [`range ${min.toFixed(2)} … ${max.toFixed(2)}`, `mean ${means.join(' · ')}`];
}
