// One image as a canvas, drawn from its 28×28 grey pixels. Fashion-MNIST is a light garment on black;
// the page inverts it (dark on white), which reads better among the page's text.
export function drawImage(pixels: Uint8Array, side: number, size: number): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = side;
  canvas.height = side;
  canvas.style.width = canvas.style.height = `${size}px`;
  const image = new ImageData(side, side);
  for (let i = 0; i < side * side; i++) {
    const v = 255 - pixels[i]!;
    image.data[4 * i] = image.data[4 * i + 1] = image.data[4 * i + 2] = v;
    image.data[4 * i + 3] = 255;
  }
  canvas.getContext('2d')!.putImageData(image, 0, 0);
  return canvas;
}
