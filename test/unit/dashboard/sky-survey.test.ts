import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The sky view's choice between Aladin Lite and the offline projection, as the browser runs it,
// against a real HTTP server on loopback (Node's fetch is the browser's API).
import { chooseSkyView, probeSurvey } from '../../../web/lib/sky-survey.js';

describe('sky view: asking the image survey', () => {
  let server: Server;
  let base = '';
  beforeAll(async () => {
    server = createServer((request, response) => {
      const path = request.url ?? '';
      if (path === '/good/properties') return void response.end('creator_did = ivo://x/y\nhips_order = 3\nhips_frame = equatorial\n');
      if (path === '/portal/properties') return void response.writeHead(200, { 'content-type': 'text/html' }).end('<html>Sign in to the Wi-Fi</html>');
      if (path === '/slow/properties') return; // never answers
      response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('accepts a survey whose properties file answers', async () => {
    expect(await probeSurvey(`${base}/good`, 2_000)).toEqual({ ok: true });
    expect(await chooseSkyView({ url: `${base}/good`, probeMs: 2_000 }, true)).toEqual({ mode: 'aladin' });
  });

  it('says why it keeps the offline view: an error status, a page that is not HiPS properties, no answer in time, nobody listening', async () => {
    expect(await probeSurvey(`${base}/missing`, 2_000)).toEqual({ ok: false, reason: 'image survey answered 404 — offline sky view' });
    expect(await probeSurvey(`${base}/portal`, 2_000)).toEqual({ ok: false, reason: 'image survey answered without HiPS properties — offline sky view' });
    expect(await probeSurvey(`${base}/slow`, 200)).toEqual({ ok: false, reason: 'image survey unreachable — offline sky view' });
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await chooseSkyView({ url: `http://127.0.0.1:${port}/DSS`, probeMs: 2_000 }, true)).toEqual({ mode: 'offline', reason: 'image survey unreachable — offline sky view' });
  });

  it('does not ask when no survey is configured or the browser has no WebGL2', async () => {
    let asked = 0;
    const counting = async (...args: Parameters<typeof fetch>) => {
      asked += 1;
      return fetch(...args);
    };
    expect(await chooseSkyView({ url: '', probeMs: 2_000 }, true, counting)).toEqual({ mode: 'offline', reason: 'no image survey configured — offline sky view' });
    expect(await chooseSkyView({ url: `${base}/good`, probeMs: 2_000 }, false, counting)).toEqual({ mode: 'offline', reason: 'WebGL2 unavailable — offline sky view' });
    expect(asked).toBe(0);
  });
});
