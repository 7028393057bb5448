// Screenshot comparison against a pinned PNG, with a tolerance: decodes the 8-bit RGB/RGBA,
// non-interlaced PNGs that Chromium writes (PNG spec, ISO/IEC 15948: IHDR, IDAT zlib stream,
// per-row filters 0–4) with node's zlib — no image library — and counts the pixels whose
// channels differ by more than `channel` levels.
import { inflateSync } from 'node:zlib';

export function decodePng(buf) {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8, width = 0, height = 0, bpp = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos), type = buf.toString('latin1', pos + 4, pos + 8), data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4);
      const depth = data[8], color = data[9], interlace = data[12];
      if (depth !== 8 || interlace !== 0 || (color !== 2 && color !== 6)) throw new Error(`unsupported PNG (depth ${depth}, color ${color}, interlace ${interlace})`);
      bpp = color === 6 ? 4 : 3;
    } else if (type === 'IDAT') idat.push(data);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat)), stride = width * bpp;
  const rgba = Buffer.alloc(width * height * 4);
  let prev = Buffer.alloc(stride), cur = Buffer.alloc(stride);
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)], row = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? cur[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
      let p = 0;
      if (f === 1) p = a; else if (f === 2) p = b; else if (f === 3) p = (a + b) >> 1;
      else if (f === 4) { const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c); p = pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      cur[i] = (row[i] + p) & 0xff;
    }
    for (let x = 0; x < width; x++) {
      for (let k = 0; k < 3; k++) rgba[(y * width + x) * 4 + k] = cur[x * bpp + k];
      rgba[(y * width + x) * 4 + 3] = bpp === 4 ? cur[x * bpp + 3] : 255;
    }
    [prev, cur] = [cur, prev];
  }
  return { width, height, rgba };
}

// {differing, total, ratio}: pixels with any channel off by more than `channel`.
export function comparePng(actualBuf, pinnedBuf, channel = 48) {
  const a = decodePng(actualBuf), b = decodePng(pinnedBuf);
  if (a.width !== b.width || a.height !== b.height) return { differing: Infinity, total: a.width * a.height, ratio: 1, size: `${a.width}x${a.height} vs ${b.width}x${b.height}` };
  let differing = 0;
  for (let i = 0; i < a.rgba.length; i += 4) {
    if (Math.abs(a.rgba[i] - b.rgba[i]) > channel || Math.abs(a.rgba[i + 1] - b.rgba[i + 1]) > channel ||
        Math.abs(a.rgba[i + 2] - b.rgba[i + 2]) > channel) differing++;
  }
  const total = a.width * a.height;
  return { differing, total, ratio: differing / total };
}
