#!/usr/bin/env node
// Draws the extension's icons as real PNG files, with nothing but Node's zlib: three
// containers joined to one point (images "mapped" to the run that built them).
// The PNGs are committed; run this again only to change the drawing:
//   node images/draw-icons.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';

const here = dirname(fileURLToPath(import.meta.url));

const BLUE = [14, 76, 146];
const WHITE = [255, 255, 255];
const SLAT = [196, 214, 236];
const TEAL = [72, 201, 170];

/** Shapes in unit coordinates (0..1 on both axes), painted in order. */
const shapes = [
  { kind: 'roundRect', x0: 0, y0: 0, x1: 1, y1: 1, r: 0.18, color: BLUE },
  ...[0.3, 0.5, 0.7].map((y) => ({ kind: 'line', ax: 0.6, ay: y, bx: 0.79, by: 0.5, w: 0.035, color: TEAL })),
  ...[0.22, 0.42, 0.62].flatMap((y0) => [
    { kind: 'roundRect', x0: 0.13, y0, x1: 0.6, y1: y0 + 0.16, r: 0.03, color: WHITE },
    ...[0.21, 0.29, 0.37, 0.45, 0.53].map((x) => ({
      kind: 'roundRect',
      x0: x - 0.012,
      y0: y0 + 0.035,
      x1: x + 0.012,
      y1: y0 + 0.125,
      r: 0.01,
      color: SLAT,
    })),
  ]),
  { kind: 'circle', cx: 0.79, cy: 0.5, r: 0.12, color: TEAL },
  { kind: 'circle', cx: 0.79, cy: 0.5, r: 0.045, color: WHITE },
];

function inside(shape, x, y) {
  switch (shape.kind) {
    case 'circle':
      return (x - shape.cx) ** 2 + (y - shape.cy) ** 2 <= shape.r ** 2;
    case 'roundRect': {
      const { x0, y0, x1, y1, r } = shape;
      if (x < x0 || x > x1 || y < y0 || y > y1) return false;
      const cx = Math.min(Math.max(x, x0 + r), x1 - r);
      const cy = Math.min(Math.max(y, y0 + r), y1 - r);
      return (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
    }
    case 'line': {
      const { ax, ay, bx, by, w } = shape;
      const dx = bx - ax;
      const dy = by - ay;
      const t = Math.min(1, Math.max(0, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
      return (x - ax - t * dx) ** 2 + (y - ay - t * dy) ** 2 <= (w / 2) ** 2;
    }
    default:
      throw new Error(`unknown shape ${shape.kind}`);
  }
}

/** RGBA pixels of the drawing at `size`×`size`, anti-aliased by 4×4 supersampling. */
function render(size) {
  const n = 4;
  const pixels = Buffer.alloc(size * size * 4);
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      const sum = [0, 0, 0, 0];
      for (let sy = 0; sy < n; sy++) {
        for (let sx = 0; sx < n; sx++) {
          const x = (px + (sx + 0.5) / n) / size;
          const y = (py + (sy + 0.5) / n) / size;
          let color = null;
          for (const shape of shapes) if (inside(shape, x, y)) color = shape.color;
          if (color) {
            sum[0] += color[0];
            sum[1] += color[1];
            sum[2] += color[2];
            sum[3] += 255;
          }
        }
      }
      const covered = sum[3] / 255;
      const at = (py * size + px) * 4;
      if (covered > 0) {
        pixels[at] = Math.round(sum[0] / covered);
        pixels[at + 1] = Math.round(sum[1] / covered);
        pixels[at + 2] = Math.round(sum[2] / covered);
      }
      pixels[at + 3] = Math.round(sum[3] / (n * n));
    }
  }
  return pixels;
}

const crcTable = Array.from({ length: 256 }, (_, k) => {
  let c = k;
  for (let i = 0; i < 8; i++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buffer) {
  let c = 0xffffffff;
  for (const byte of buffer) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A PNG file (8-bit RGBA, no interlace) of the drawing at `size`×`size`. */
function png(size) {
  const pixels = render(size);
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header[8] = 8; // bit depth
  header[9] = 6; // colour type: RGBA
  const rows = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    rows[y * (size * 4 + 1)] = 0; // filter: none
    pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

// The Marketplace shows the extension icon at 128×128; the pipeline editor shows a task's
// icon.png at 32×32.
writeFileSync(join(here, 'extension-icon.png'), png(128));
writeFileSync(join(here, 'task-icon.png'), png(32));
console.log('images: wrote extension-icon.png (128×128) and task-icon.png (32×32)');
