import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** One file of the dashboard, held in memory (the whole dashboard is a few hundred KB). */
export interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
}

export interface DashboardAssets {
  /** Content hash of every asset together: the URL prefix `/assets/<version>/`, so assets can be cached forever. */
  version: string;
  /** index.html with the versioned prefix filled in. */
  index: Asset;
  /** The hash of the inline import map, for the page's Content-Security-Policy. */
  importMapHash: string;
  /** By path under the prefix, e.g. `app.js`, `vendor/preact.mjs`. */
  files: Map<string, Asset>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The web/ directory at the repository root, found from src/dashboard or dist/dashboard alike. */
export const WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url));

/**
 * Third-party modules served from node_modules (no CDN: the dashboard works without any external
 * network). Their ES module builds import only bare `preact`, which the page's import map resolves;
 * Aladin Lite's imports nothing (its WebAssembly core is inlined).
 */
function vendorFiles(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const dir = (specifier: string): string => dirname(require.resolve(specifier));
  return {
    'vendor/preact.mjs': join(dir('preact'), 'preact.mjs'),
    'vendor/hooks.mjs': join(dir('preact/hooks'), 'hooks.mjs'),
    'vendor/htm.mjs': join(dir('htm'), 'htm.mjs'),
    'vendor/uplot.mjs': join(dir('uplot'), 'uPlot.esm.js'),
    'vendor/uplot.css': join(dir('uplot'), 'uPlot.min.css'),
    // Loaded only by the sky view, and only when its image survey answers (docs/dashboard.md). Its
    // package exports an ES module build for `import` alone, so it is resolved the way `import` does.
    'vendor/aladin.mjs': fileURLToPath(import.meta.resolve('aladin-lite')),
  };
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/** A strong ETag: the first 22 characters of the body's SHA-256. */
export function etagOf(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
}

function asset(body: Buffer, path: string): Asset {
  const type = TYPES[extname(path)] ?? 'application/octet-stream';
  const compressible = /^text\/|svg/.test(type) && body.length > 1_024;
  return { body, gzip: compressible ? gzipSync(body, { level: 9 }) : null, type, etag: etagOf(body) };
}

/** The source map comments point at files we do not serve; drop them so browsers do not ask. */
function stripSourceMap(body: Buffer): Buffer {
  return Buffer.from(body.toString('utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '\n'));
}

/** Reads web/ and the vendored modules once; the server answers from memory. */
export function loadDashboardAssets(webDir = WEB_DIR): DashboardAssets {
  const sources = new Map<string, Buffer>();
  for (const path of walk(webDir)) {
    const name = relative(webDir, path).split(sep).join('/');
    if (name !== 'index.html') sources.set(name, readFileSync(path));
  }
  for (const [name, path] of Object.entries(vendorFiles())) sources.set(name, stripSourceMap(readFileSync(path)));
  const hash = createHash('sha256');
  for (const name of [...sources.keys()].sort()) hash.update(name).update('\0').update(sources.get(name)!);
  const version = hash.digest('hex').slice(0, 12);

  const html = readFileSync(join(webDir, 'index.html'), 'utf8').replaceAll('{{assets}}', `/assets/${version}`);
  const importMap = /<script type="importmap">([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
  const files = new Map<string, Asset>();
  for (const [name, body] of sources) files.set(name, asset(body, name));
  return {
    version,
    index: asset(Buffer.from(html), 'index.html'),
    importMapHash: `sha256-${createHash('sha256').update(importMap).digest('base64')}`,
    files,
  };
}
