// Support for the browser tests: the real daemon on a free loopback port
// with a fresh data folder and a moderator token, a news site on ANOTHER
// origin (a tiny node http server) that embeds the widget under a strict
// Content-Security-Policy, Debian's chromium driven by playwright-core, and
// sample files with real headers.  No mocks of the daemon.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
export const MiB = 1024 * 1024;

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the daemon ----------------------------------------------------------

export class Daemon {
  constructor(binary, { sitePort, args = [] } = {}) {
    this.binary = binary;
    this.sitePort = sitePort;
    this.args = args;
  }

  async start() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ykien-browser-'));
    this.data = path.join(this.dir, 'data');
    const tok = spawnSync(this.binary, ['token', 'add', 'moderator', '--data', this.data], { encoding: 'utf8' });
    if (tok.status !== 0) throw new Error('token add failed: ' + tok.stderr);
    this.token = tok.stdout.trim();
    this.port = await freePort();
    this.url = `http://127.0.0.1:${this.port}`;
    const args = ['serve', '--listen', `127.0.0.1:${this.port}`, '--data', this.data, '--rate-limit', '0',
      '--threads', '2', ...this.args];
    if (this.sitePort) args.push('--allow-origin', `http://127.0.0.1:${this.sitePort}`);
    this.log = fs.openSync(path.join(this.dir, 'daemon.log'), 'w');
    this.proc = spawn(this.binary, args, { stdio: ['ignore', this.log, this.log] });
    this.exited = new Promise((resolve) => this.proc.on('exit', (code, sig) => resolve(code ?? sig)));
    for (let i = 0; i < 200; i++) {
      try {
        const r = await fetch(this.url + '/healthz');
        if (r.ok) return this;
      } catch { /* not yet */ }
      await sleep(25);
    }
    throw new Error('daemon did not start: ' + this.logTail());
  }

  logTail(n = 2000) {
    try { return fs.readFileSync(path.join(this.dir, 'daemon.log'), 'utf8').slice(-n); } catch { return ''; }
  }

  async stop() {
    if (!this.proc) return 0;
    this.proc.kill('SIGTERM');
    const code = await Promise.race([this.exited, sleep(10000).then(() => 'timeout')]);
    if (code === 'timeout') this.proc.kill('SIGKILL');
    this.proc = null;
    const log = this.logTail(100000);
    fs.rmSync(this.dir, { recursive: true, force: true });
    for (const mark of ['ERROR: AddressSanitizer', 'ERROR: LeakSanitizer', 'runtime error:']) {
      if (log.includes(mark)) throw new Error('sanitizer report in the daemon log:\n' + log.slice(-3000));
    }
    if (code !== 0) throw new Error(`daemon exited ${code} on SIGTERM:\n` + log.slice(-1500));
    return code;
  }

  api(method, p, body, { mod = false, headers = {} } = {}) {
    const h = { ...headers };
    if (mod) h.Authorization = 'Bearer ' + this.token;
    if (body !== undefined) h['Content-Type'] = 'application/json';
    return fetch(this.url + '/api/v1' + p, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  }

  async post(article, body, author = 'Bạn đọc', extra = {}) {
    const r = await this.api('POST', `/articles/${article}/comments`, { author, body, ...extra });
    if (r.status !== 201) throw new Error(`post: ${r.status} ${await r.text()}`);
    return (await r.json()).id;
  }

  async approve(id, body) {
    const r = await this.api('POST', `/moderation/comments/${id}/approve`, body ? { body } : undefined, { mod: true });
    if (r.status !== 200) throw new Error(`approve: ${r.status} ${await r.text()}`);
    return r.json();
  }

  async approved(article, body, author, extra) {
    const id = await this.post(article, body, author, extra);
    await this.approve(id);
    return id;
  }

  async queue(status = 'pending', extra = '') {
    const r = await this.api('GET', `/moderation/queue?status=${status}&limit=100${extra}`, undefined, { mod: true });
    return r.json();
  }
}

// ---- the news site, on another origin --------------------------------------

// GET /article?a=ID[&lang=en][&limit=N][&counts=A,B] : a page with the two
// embedding lines of WEB.md (and count badges), under a strict CSP that
// allows only the daemon's origin besides its own.
export async function startSite(port) {
  let daemonUrl = '';
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    if (u.pathname !== '/article') { res.writeHead(404); res.end(); return; }
    const a = u.searchParams.get('a') || 'bai-viet';
    const lang = u.searchParams.get('lang');
    const limit = u.searchParams.get('limit');
    const counts = (u.searchParams.get('counts') || '').split(',').filter(Boolean);
    const esc = (s) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
    const badges = counts.map((c) => `<li>${esc(c)}: <span data-ykien-count="${esc(c)}">?</span> ý kiến</li>`).join('');
    const html = `<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Bài báo thử</title><link rel="stylesheet" href="/site.css"></head>
<body><main><h1>Thủ Dầu Một làm theo lời Bác</h1>
<p>Một bài báo thử nghiệm, trên một trang khác nguồn với máy chủ ý kiến.</p>
${badges ? `<ul class="counts">${badges}</ul>` : ''}
<div data-ykien-article="${esc(a)}"${lang ? ` data-ykien-lang="${esc(lang)}"` : ''}${limit ? ` data-ykien-limit="${esc(limit)}"` : ''}></div>
<script src="${daemonUrl}/widget.js" defer></script>
</main></body></html>`;
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Security-Policy': `default-src 'self'; script-src 'self' ${daemonUrl}; style-src 'self' ${daemonUrl}; ` +
        `img-src 'self' ${daemonUrl}; connect-src 'self' ${daemonUrl}; frame-ancestors 'none'`,
    });
    res.end(html);
  });
  await new Promise((r) => server.listen(port, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${port}`,
    setDaemon(url) { daemonUrl = url; },
    close: () => new Promise((r) => server.close(r)),
  };
}

// ---- sample files --------------------------------------------------------

const CRC = new Int32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

function crc32(buf) {
  let c = -1;
  for (const b of buf) c = CRC[(c ^ b) & 255] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

// A real w x h PNG (a colour gradient), padded with trailing bytes to at
// least minSize (decoders ignore what follows IEND).
export function png(w, h, minSize = 0) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; ihdr[9] = 2; // 8-bit RGB
  const raw = Buffer.alloc((w * 3 + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const o = y * (w * 3 + 1) + 1 + x * 3;
      raw[o] = 40 + (x * 180 / w) | 0; raw[o + 1] = 90 + (y * 120 / h) | 0; raw[o + 2] = 170;
    }
  }
  const out = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
  return out.length >= minSize ? out : Buffer.concat([out, Buffer.alloc(minSize - out.length)]);
}

export function pdf(size = 3000) {
  const head = Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1');
  return Buffer.concat([head, Buffer.alloc(size - head.length - 7, 0x30), Buffer.from('\n%%EOF\n')]);
}

// ---- the runner ------------------------------------------------------------

export class Runner {
  constructor() { this.tests = []; this.measures = []; }
  test(name, fn) { this.tests.push({ name, fn }); }
  measure(what, value) { this.measures.push([what, value]); }

  async run(only, setup, teardown) {
    let passed = 0, failed = 0;
    for (const t of this.tests) {
      if (only && !t.name.includes(only)) continue;
      const t0 = Date.now();
      let ctx;
      try {
        ctx = await setup(t.name);
        await t.fn(ctx);
        await teardown(ctx, true);
        passed++;
        console.log(`PASS ${t.name} (${((Date.now() - t0) / 1000).toFixed(2)}s)`);
      } catch (e) {
        failed++;
        console.log(`FAIL ${t.name} (${((Date.now() - t0) / 1000).toFixed(2)}s): ${e && e.stack || e}`);
        if (ctx) {
          try { await teardown(ctx, false); } catch (e2) { console.log('  teardown: ' + e2.message); }
        }
      }
    }
    for (const [what, value] of this.measures) console.log(`measure: ${what}: ${value}`);
    return { passed, failed };
  }
}

export function assert(cond, msg) {
  if (!cond) throw new Error('assertion failed: ' + (msg || ''));
}

export function eq(a, b, msg) {
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error(`${msg || 'not equal'}: got ${JSON.stringify(a)}, want ${JSON.stringify(b)}`);
}

// Polls fn until it returns a truthy value (or throws the last failure).
export async function until(fn, { timeout = 5000, step = 25, what = 'condition' } = {}) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}` + (last ? ': ' + last.message : ''));
    await sleep(step);
  }
}
