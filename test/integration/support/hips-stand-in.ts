import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';

/**
 * A stand-in for the CDS HiPS image server (alasky.cds.unistra.fr) on loopback, for browser tests
 * on a machine without external network. It serves what Aladin Lite asks of a HiPS: `properties`,
 * `Norder3/Allsky.png` and `Norder<k>/Dir<d>/Npix<n>.png` tiles (each a tiny generated PNG, coloured
 * by its pixel number so a screenshot shows the tiling), with CORS as the real server sends. While
 * `reachable` is false it drops every connection, as an unreachable host would look to a browser.
 */
export interface HipsStandIn {
  /** Base URL of the survey, e.g. http://127.0.0.1:41234/DSS/StandIn (no trailing slash). */
  url: string;
  reachable: boolean;
  /** Paths asked for (below the survey), in order. */
  requests: string[];
  close(): Promise<void>;
}

const TILE = 64;
const PROPERTIES = [
  'creator_did = ivo://nightjar.test/hips-stand-in',
  'obs_title = Nightjar test stand-in for the CDS HiPS image server',
  'dataproduct_type = image',
  'hips_version = 1.4',
  'hips_release_date = 2026-01-01T00:00Z',
  'hips_frame = equatorial',
  'hips_order = 3',
  'hips_order_min = 0',
  `hips_tile_width = ${TILE}`,
  'hips_tile_format = png',
  'hips_initial_fov = 180',
  'hips_initial_ra = 180',
  'hips_initial_dec = 0',
  '',
].join('\n');

function crc32(bytes: Buffer): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return ~crc >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A width × height PNG of one RGB colour (8-bit truecolour, no filter). */
export function solidPng(width: number, height: number, [r, g, b]: [number, number, number]): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x += 1) row.set([r, g, b], 1 + x * 3);
  const pixels = Buffer.concat(Array.from({ length: height }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(pixels)), chunk('IEND', Buffer.alloc(0))]);
}

function tileColour(npix: number): [number, number, number] {
  return [40 + ((npix * 37) % 60), 50 + ((npix * 53) % 60), 80 + ((npix * 29) % 70)];
}

/** Starts the stand-in on 127.0.0.1 (a free port); `reachable` starts as given. */
export async function startHipsStandIn(options: { reachable?: boolean; prefix?: string } = {}): Promise<HipsStandIn> {
  const prefix = options.prefix ?? '/DSS/StandIn';
  // Order 3 has 768 tiles; Allsky.png lays them out 27 per row, TILE pixels each.
  const allsky = solidPng(27 * TILE, Math.ceil(768 / 27) * TILE, [60, 70, 100]);
  const tiles = new Map<number, Buffer>();
  const standIn = { url: '', reachable: options.reachable ?? true, requests: [] as string[], close: async () => undefined } as HipsStandIn;
  const server: Server = createServer((request, response) => {
    if (!standIn.reachable) {
      request.socket.destroy();
      return;
    }
    const path = (request.url ?? '/').split('?')[0]!;
    const cors = { 'access-control-allow-origin': '*', 'cache-control': 'no-store' };
    if (!path.startsWith(`${prefix}/`)) return void response.writeHead(404, cors).end();
    const rest = path.slice(prefix.length + 1);
    standIn.requests.push(rest);
    if (rest === 'properties') return void response.writeHead(200, { ...cors, 'content-type': 'text/plain; charset=utf-8' }).end(PROPERTIES);
    if (/^Norder\d+\/Allsky\.png$/.test(rest)) return void response.writeHead(200, { ...cors, 'content-type': 'image/png' }).end(allsky);
    const tile = /^Norder\d+\/Dir\d+\/Npix(\d+)\.png$/.exec(rest);
    if (tile) {
      const npix = Number(tile[1]);
      if (!tiles.has(npix)) tiles.set(npix, solidPng(TILE, TILE, tileColour(npix)));
      return void response.writeHead(200, { ...cors, 'content-type': 'image/png' }).end(tiles.get(npix));
    }
    response.writeHead(404, cors).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  standIn.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`;
  standIn.close = () => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
  return standIn;
}
