// The reader widget and the moderation console in a real browser: Debian's
// chromium, headless, driven by playwright-core, against the real daemon
// (build/ykien serve) with the article page served from another origin.
//
//   node tests/browser/run.mjs build/ykien [--only NAME] [--screenshots DIR]
//
// Prints PASS/FAIL per test, the measurements, and 'N passed, M failed';
// exits non-zero on any failure.  node_modules (npm ci) must be there: a
// missing one is a failure, not a skip.  With --screenshots DIR the widget
// and the console are saved as DIR/widget.png and DIR/console.png
// (`npm run screenshots` refreshes docs/).
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import zlib from 'node:zlib';
import { Daemon, MiB, ROOT, Runner, assert, eq, freePort, pdf, png, sleep, startSite, until } from './lib.mjs';

const argv = process.argv.slice(2);
const opt = (name) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : null; };
const binary = path.resolve(argv[0] || 'build/ykien');
const only = opt('--only');
const shots = opt('--screenshots');

let chromium, axeSource;
try {
  const require = createRequire(path.join(ROOT, 'package.json'));
  ({ chromium } = require('playwright-core'));
  axeSource = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
} catch (e) {
  console.log(`FAIL setup: playwright-core and axe-core are not installed in ${ROOT}/node_modules ` +
    `(run scripts/setup, or npm ci): ${e.message}`);
  console.log('0 passed, 1 failed');
  process.exit(1);
}

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const T = new Runner();
let browser;

// ---- per-test set-up --------------------------------------------------------

async function setup(name, daemonArgs = []) {
  const sitePort = await freePort();
  const site = await startSite(sitePort);
  const d = await new Daemon(binary, { sitePort, args: daemonArgs }).start();
  site.setDaemon(d.url);
  const ctx = { name, d, site, contexts: [], dialogs: [], problems: [], requests: [] };
  ctx.page = await newPage(ctx);
  return ctx;
}

async function newPage(ctx, viewport = { width: 1000, height: 900 }) {
  const c = await browser.newContext({ viewport, locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh' });
  ctx.contexts.push(c);
  const p = await c.newPage();
  p.on('dialog', (dlg) => { ctx.dialogs.push(dlg.message()); dlg.dismiss().catch(() => {}); });
  p.on('console', (m) => { if (/Content.Security.Policy|Refused to/i.test(m.text())) ctx.problems.push(m.text()); });
  p.on('pageerror', (e) => ctx.problems.push('page error: ' + e.message));
  p.on('request', (r) => ctx.requests.push(r.url()));
  await p.addInitScript(() => {
    window.__yk = { rendered: [], queue: [] };
    document.addEventListener('ykien:rendered', (e) => window.__yk.rendered.push([performance.now(), e.detail.count]), true);
    document.addEventListener('ykien:queue', (e) => window.__yk.queue.push([performance.now(), e.detail.count]), true);
  });
  return p;
}

async function teardown(ctx, ok) {
  for (const c of ctx.contexts) await c.close().catch(() => {});
  await ctx.site.close();
  await ctx.d.stop();
  if (!ok) return;
  eq(ctx.dialogs, [], 'dialogs fired');
  eq(ctx.problems, [], 'CSP violations or page errors');
  const foreign = ctx.requests.filter((u) => !u.startsWith(ctx.site.url) && !u.startsWith(ctx.d.url) &&
    !u.startsWith('blob:') && !u.startsWith('data:'));
  eq(foreign, [], 'requests to other origins');
}

async function run(name, fn, daemonArgs) {
  T.test(name, fn);
  if (daemonArgs) T.tests[T.tests.length - 1].args = daemonArgs;
}

// ---- helpers ----------------------------------------------------------------

const article = (p, url) => p.goto(url, { waitUntil: 'domcontentloaded' });
const region = (p, name = 'Ý kiến bạn đọc') => p.getByRole('region', { name });

async function openArticle(ctx, a, extra = '', page = ctx.page) {
  await article(page, `${ctx.site.url}/article?a=${a}${extra}`);
  await region(page, extra.includes('lang=en') ? 'Reader comments' : 'Ý kiến bạn đọc').waitFor();
  await until(() => page.evaluate(() => window.__yk.rendered.length > 0), { what: 'first render' });
  return page;
}

async function signIn(ctx, page) {
  await page.goto(ctx.d.url + '/moderation/');
  await page.getByLabel('Mã truy cập').fill(ctx.d.token);
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await page.getByRole('tab', { name: 'Chờ duyệt' }).waitFor();
  return page;
}

async function axe(page, include) {
  await page.evaluate(axeSource);
  const res = await page.evaluate((inc) => window.axe.run(inc ? { include: [inc] } : document,
    { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } }), include);
  const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  eq(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`), [], 'axe serious/critical violations');
  return res;
}

function shot(page, name, locator) {
  if (!shots) return null;
  fs.mkdirSync(shots, { recursive: true });
  return (locator || page).screenshot({ path: path.join(shots, name), ...(locator ? {} : { fullPage: true }) });
}

// ---- tests ------------------------------------------------------------------

run('assets_served_and_embedded_from_another_origin', async (ctx) => {
  const { d, page } = ctx;
  const r = await fetch(d.url + '/widget.js', { headers: { 'Accept-Encoding': 'gzip' } });
  assert(r.ok && /javascript/.test(r.headers.get('content-type')), 'widget.js served');
  const js = await fetch(d.url + '/widget.js', { headers: { 'Accept-Encoding': 'identity' } }).then((x) => x.text());
  const css = js.match(/\/assets\/widget\.[0-9a-f]+\.css/)[0];
  const gz = zlib.gzipSync(js).length;
  const gzSize = async (u) => Number((await fetch(d.url + u, { headers: { 'Accept-Encoding': 'gzip' } })).headers.get('content-length'));
  const total = (await gzSize('/widget.js')) + (await gzSize(css));
  assert(total <= 12 * 1024, `widget JS + CSS gzipped = ${total} B`);
  T.measure('widget JS + CSS, gzip as served', `${total} B (JS ${await gzSize('/widget.js')} B, CSS ${await gzSize(css)} B; JS alone re-gzipped here ${gz} B)`);
  await d.approved('a1', 'Bài viết rất hay, cảm ơn tác giả!');
  await openArticle(ctx, 'a1');
  await region(page).getByRole('article', { name: 'Bạn đọc' }).waitFor();
  eq(await ctx.contexts[0].cookies(), [], 'cookies');
  eq(await page.evaluate(() => Object.keys(localStorage)), [], 'localStorage before posting');
  assert(await page.evaluate(() => !!document.querySelector('link[rel=stylesheet][href*="/assets/widget."]')), 'stylesheet linked');
});

run('full_life_post_moderate_publish_take_down', async (ctx) => {
  const { d, page } = ctx;
  const mod = await signIn(ctx, await newPage(ctx));
  await until(() => mod.getByText('Không có ý kiến nào ở đây.').isVisible(), { what: 'empty queue' });

  await openArticle(ctx, 'doi-song');
  const form = region(page);
  await form.getByRole('textbox', { name: 'Họ tên' }).fill('Thu Thảo');
  await form.getByRole('textbox', { name: 'Email' }).fill('thao@example.vn');
  await form.getByRole('textbox', { name: 'Ý kiến của bạn' }).fill('Ảnh chụp sáng nay ở chợ Thủ Dầu Một, rất đẹp.\nCảm ơn tòa soạn!!!');
  await form.getByLabel('Đính kèm tệp').setInputFiles({ name: 'chợ sáng.png', mimeType: 'image/png', buffer: png(640, 400, 3 * MiB) });
  // Slow the upload down so that its progress can be seen.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: 3 * MiB });
  await page.evaluate(() => {
    window.__progress = [];
    new MutationObserver(() => {
      const p = document.querySelector('[role=progressbar], progress');
      if (p && !p.hidden) window.__progress.push(p.value);
    }).observe(document.body, { subtree: true, attributes: true, attributeFilter: ['hidden', 'value'] });
  });
  const posted = Date.now();
  await form.getByRole('button', { name: 'Gửi ý kiến' }).click();
  const bar = form.getByRole('progressbar', { name: 'Đang tải lên' });
  await bar.waitFor({ state: 'visible', timeout: 5000 });
  await form.getByRole('status').filter({ hasText: 'chờ kiểm duyệt' }).waitFor({ timeout: 20000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  const progress = await page.evaluate(() => window.__progress);
  assert(progress.length > 0, 'progress bar shown');
  eq(await form.getByRole('textbox', { name: 'Ý kiến của bạn' }).inputValue(), '', 'comment cleared');
  eq(await form.getByRole('textbox', { name: 'Họ tên' }).inputValue(), 'Thu Thảo', 'name kept');
  eq(await page.evaluate(() => Object.keys(localStorage)), ['ykien.reader'], 'localStorage keys');

  // The console shows it without a reload.
  const item = mod.getByRole('article', { name: 'Thu Thảo' });
  await item.waitFor({ timeout: 5000 });
  const seen = Date.now() - posted;
  T.measure('new comment visible in the console after the reader sent it (3 MiB upload included)', `${seen} ms`);
  await until(async () => (await item.locator('img').evaluate((i) => i.complete && i.naturalWidth)) === 640, { what: 'console image preview' });
  assert((await item.locator('img').getAttribute('src')).startsWith('blob:'), 'preview from an object URL');
  await item.getByText('thao@example.vn').waitFor();

  // Edit and approve by keyboard: select, e, type, Ctrl+Enter.
  await mod.locator('body').press('Escape');
  await mod.keyboard.press('j');
  eq(await item.getAttribute('aria-current'), 'true', 'selected');
  await mod.keyboard.press('e');
  const box = mod.getByRole('textbox', { name: 'Nội dung' });
  await until(() => box.evaluate((e) => e === document.activeElement), { what: 'editor focused' });
  await box.press('End');
  await mod.keyboard.press('Backspace');
  await mod.keyboard.press('Backspace');
  await mod.keyboard.type(' (ảnh: bạn đọc)');
  await until(() => mod.locator('.diff ins').count(), { what: 'diff marks insertions' });
  assert(await mod.locator('.diff del').count() > 0, 'diff marks deletions');
  await shot(mod, 'console.png');
  await mod.keyboard.press('Control+Enter');
  await item.waitFor({ state: 'detached' });

  // The reader sees the edited text.
  await openArticle(ctx, 'doi-song');
  const pub = region(page).getByRole('article', { name: 'Thu Thảo' });
  await pub.getByText('Cảm ơn tòa soạn! (ảnh: bạn đọc)').waitFor();
  await pub.getByText('đã chỉnh sửa').waitFor();
  const img = pub.locator('img');
  eq([await img.getAttribute('width'), await img.getAttribute('height'), await img.getAttribute('loading')], ['640', '400', 'lazy'], 'image laid out before load');
  assert((await pub.locator('.yk-body').evaluate((e) => getComputedStyle(e).whiteSpace)) === 'pre-wrap', 'line breaks kept');

  // Taken down from the Đã duyệt tab: r, 1, Enter.
  await mod.getByRole('tab', { name: 'Đã duyệt' }).click();
  const again = mod.getByRole('article', { name: 'Thu Thảo' });
  await again.waitFor();
  await again.locator('.text').click();
  await mod.keyboard.press('r');
  const why = mod.getByRole('textbox', { name: 'Lý do' });
  await until(() => why.evaluate((e) => e === document.activeElement), { what: 'reason focused' });
  await mod.keyboard.press('1');
  eq(await why.inputValue(), 'Quảng cáo, spam', 'preset 1');
  await mod.keyboard.press('Enter');
  await again.waitFor({ state: 'detached' });
  const hist = (await d.queue('rejected')).comments[0].history.map((h) => [h.action, h.reason]);
  eq(hist.slice(-1), [['rejected', 'Quảng cáo, spam']], 'history');
  await openArticle(ctx, 'doi-song');
  await region(page).getByText('Chưa có ý kiến nào').waitFor();
  eq(await region(page).getByRole('article').count(), 0, 'taken down');
});

run('telex_suggestion_while_typing', async (ctx) => {
  const { page } = ctx;
  await openArticle(ctx, 'telex');
  const body = region(page).getByRole('textbox', { name: 'Ý kiến của bạn' });
  await body.pressSequentially('Tooi ddi hocj owr truwowngf', { delay: 10 });
  const use = region(page).getByRole('button', { name: 'Dùng gợi ý' });
  await use.waitFor({ timeout: 5000 });
  await region(page).getByText('Vui lòng gõ tiếng Việt có dấu.').waitFor();
  await region(page).getByText('Tôi đi học ở trường').waitFor();
  await use.click();
  eq(await body.inputValue(), 'Tôi đi học ở trường', 'suggestion applied');
  await until(async () => !(await use.isVisible()), { what: 'suggestion cleared' });
  // Accented text gets no warning.
  await body.fill('');
  await body.pressSequentially('Bài viết hay quá', { delay: 10 });
  await sleep(1200);
  eq(await region(page).getByRole('button', { name: 'Dùng gợi ý' }).count(), 0, 'no suggestion for accented text');
});

run('files_refused_in_the_browser_and_by_the_server', async (ctx) => {
  const { d, page } = ctx;
  await openArticle(ctx, 'tep');
  const r = region(page);
  const files = r.getByLabel('Đính kèm tệp');
  await r.getByRole('textbox', { name: 'Họ tên' }).fill('Minh');
  await r.getByRole('textbox', { name: 'Ý kiến của bạn' }).fill('Tệp đính kèm của tôi đây.');
  const posts = () => ctx.requests.filter((u) => u.endsWith('/comments') && u.includes('/api/v1/articles/tep')).length;

  await files.setInputFiles({ name: 'to.png', mimeType: 'image/png', buffer: png(10, 10, 11 * MiB) });
  await r.getByText('“to.png” lớn hơn 10 MB.').waitFor();
  eq(await files.getAttribute('aria-invalid'), 'true', 'file field marked');
  await r.getByRole('button', { name: 'Gửi ý kiến' }).click();
  await sleep(300);
  eq(posts(), 0, 'nothing sent for an 11 MiB file');

  await files.setInputFiles({ name: 'anh.jpg', mimeType: 'image/jpeg', buffer: Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(5000)]) });
  await r.getByText('“anh.jpg” không phải ảnh JPEG, PNG, GIF, WebP hay tệp PDF.').waitFor();
  await r.getByRole('button', { name: 'Gửi ý kiến' }).click();
  await sleep(300);
  eq(posts(), 0, 'nothing sent for an .exe named .jpg');

  // Starts like a JPEG, so the browser lets it through; the server reads
  // its header, finds none, and refuses it: its message goes to the field.
  const fake = Buffer.concat([Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'), Buffer.from('not really a picture'.repeat(50))]);
  await files.setInputFiles({ name: 'gia.jpg', mimeType: 'image/jpeg', buffer: fake });
  await until(async () => (await files.getAttribute('aria-invalid')) === null, { what: 'client check passes' });
  await r.getByRole('button', { name: 'Gửi ý kiến' }).click();
  await r.getByText('Kiểu dữ liệu không được hỗ trợ.').waitFor();
  eq(await files.getAttribute('aria-invalid'), 'true', 'file field marked by the server');
  eq(posts(), 1, 'one post');
  eq((await d.queue()).total, 0, 'nothing stored');

  // A PDF and an image are fine, and the PDF is listed with name and size.
  await files.setInputFiles([{ name: 'báo cáo.pdf', mimeType: 'application/pdf', buffer: pdf(150000) },
    { name: 'a.png', mimeType: 'image/png', buffer: png(30, 20) }]);
  await r.getByRole('button', { name: 'Gửi ý kiến' }).click();
  await r.getByRole('status').filter({ hasText: 'chờ kiểm duyệt' }).waitFor();
  const q = await d.queue();
  await d.approve(q.comments[0].id);
  await openArticle(ctx, 'tep');
  await region(page).getByRole('link', { name: 'báo cáo.pdf' }).waitFor();
  await region(page).getByText('(146,5 KB)').waitFor();
});

run('markup_in_comments_is_text_in_both_pages', async (ctx) => {
  const { d, page } = ctx;
  const evil = ['<img src=x onerror=alert(1)>', '<script>alert(1)</script>'];
  for (const e of evil) await d.approved('xss', e, '<b onmouseover=alert(2)>Kẻ xấu</b>');
  await d.post('xss', '<svg onload=alert(3)>', '<i>x</i>');
  await openArticle(ctx, 'xss');
  for (const e of evil) await region(page).getByText(e, { exact: true }).waitFor();
  eq(await page.locator('.ykien img, .ykien script, .ykien svg, .ykien b[onmouseover]').count(), 0, 'no element made from text');
  await region(page).getByRole('article', { name: '<b onmouseover=alert(2)>Kẻ xấu</b>' }).first().waitFor();
  const mod = await signIn(ctx, await newPage(ctx));
  await mod.getByText('<svg onload=alert(3)>', { exact: true }).waitFor();
  await mod.getByRole('tab', { name: 'Đã duyệt' }).click();
  await mod.getByText(evil[0], { exact: true }).waitFor();
  await mod.getByText(evil[1], { exact: true }).waitFor();
  eq(await mod.locator('#items img, #items script, #items svg').count(), 0, 'no element made from text in the console');
  await sleep(300);
  eq(ctx.dialogs, [], 'no dialog');
});

run('pagination_order_and_replies', async (ctx) => {
  const { d, page } = ctx;
  const ids = [];
  for (let i = 1; i <= 25; i++) ids.push(await d.approved('trang', `Ý kiến số ${i} về bài báo này.`, `Người đọc ${i}`));
  const reply = await d.approved('trang', 'Tôi đồng ý với bạn.', 'Người trả lời', { parent_id: ids[0] });
  await openArticle(ctx, 'trang');
  const r = region(page);
  await r.getByText('(26)').waitFor();
  eq(await r.locator('.yk-list > .yk-item').count(), 20, 'first page');
  // The reply sits under its parent even though it came last.
  await r.getByRole('button', { name: 'Xem thêm ý kiến' }).click();
  await until(async () => (await r.getByRole('article').count()) === 26, { what: 'second page' });
  const parent = r.locator('.yk-list > .yk-item').first();
  await parent.locator('.yk-replies').getByRole('article', { name: 'Người trả lời' }).waitFor();
  eq(await r.getByRole('button', { name: 'Xem thêm ý kiến' }).isVisible(), false, 'no more pages');
  // Newest first.
  await r.getByLabel('Thứ tự').selectOption('newest');
  await until(async () => (await r.locator('.yk-list > .yk-item').first().getByRole('article').first().getAttribute('aria-labelledby')) &&
    (await r.locator('.yk-list > .yk-item article b').first().textContent()) === 'Người đọc 25', { what: 'newest first' });
  // Replying through the form.
  await r.getByLabel('Thứ tự').selectOption('oldest');
  await until(async () => (await r.locator('.yk-list > .yk-item article b').first().textContent()) === 'Người đọc 1', { what: 'oldest again' });
  await r.getByRole('article', { name: 'Người đọc 3' }).getByRole('button', { name: 'Trả lời' }).click();
  await r.getByText('Trả lời Người đọc 3').waitFor();
  await r.getByRole('textbox', { name: 'Họ tên' }).fill('Lan');
  await r.getByRole('textbox', { name: 'Ý kiến của bạn' }).fill('Cảm ơn bạn đã chia sẻ.');
  await r.getByRole('button', { name: 'Gửi ý kiến' }).click();
  await r.getByRole('status').filter({ hasText: 'chờ kiểm duyệt' }).waitFor();
  const q = await d.queue();
  eq(q.comments.map((c) => [c.author, c.parent_id]), [['Lan', ids[2]]], 'posted as a reply');
  assert(reply > 0);
});

run('count_badges', async (ctx) => {
  const { d, page } = ctx;
  for (let i = 0; i < 3; i++) await d.approved('dem-a', `Bình luận thứ ${i} rất hay.`);
  await d.approved('dem-b', 'Một bình luận hay.');
  await d.post('dem-b', 'Chưa duyệt nên không đếm.');
  await article(page, `${ctx.site.url}/article?a=dem-a&counts=dem-a,dem-b,dem-c`);
  await until(async () => (await page.locator('[data-ykien-count]').allTextContents()).join(',') === '3,1,0', { what: 'counts' });
  eq(ctx.requests.filter((u) => u.includes('/api/v1/counts')).length, 1, 'one counts call');
});

run('english', async (ctx) => {
  const { d, page } = ctx;
  await d.approved('en', 'Great article, thanks!', 'John');
  await openArticle(ctx, 'en', '&lang=en');
  const r = region(page, 'Reader comments');
  await r.getByRole('article', { name: 'John' }).getByRole('button', { name: 'Reply' }).waitFor();
  await r.getByRole('textbox', { name: 'Name' }).fill('Jane');
  await r.getByRole('textbox', { name: 'Your comment' }).fill('Xin chaof cacs banj, hoom nay trowif ddepj quas');
  await r.getByRole('button', { name: 'Use suggestion' }).waitFor({ timeout: 5000 });
  await r.getByText('Please type Vietnamese with diacritics.').first().waitFor();
  await r.getByRole('button', { name: 'Use suggestion' }).click();
  await r.getByRole('button', { name: 'Send comment' }).click();
  await r.getByRole('status').filter({ hasText: 'awaiting moderation' }).waitFor();
  eq((await d.queue()).comments[0].body, 'Xin chào các bạn, hôm nay trời đẹp quá', 'restored text sent');
  await r.getByLabel('Attach files').waitFor();
});

run('errors_next_to_fields_and_in_alerts', async (ctx) => {
  const { page } = ctx;
  await openArticle(ctx, 'loi');
  const r = region(page);
  await r.getByRole('button', { name: 'Gửi ý kiến' }).click();
  await r.getByText('Vui lòng nhập họ tên.').waitFor();
  eq(await r.getByRole('textbox', { name: 'Họ tên' }).getAttribute('aria-invalid'), 'true', 'name marked');
  eq(await r.getByRole('textbox', { name: 'Ý kiến của bạn' }).getAttribute('aria-invalid'), 'true', 'body marked');
  // The server's refusal (raw Telex name and body) next to its field.
  await r.getByRole('textbox', { name: 'Họ tên' }).fill('An');
  await r.getByRole('textbox', { name: 'Email' }).fill('không phải email');
  await r.getByRole('textbox', { name: 'Ý kiến của bạn' }).fill('Bài viết rất hay, cảm ơn.');
  await r.getByRole('button', { name: 'Gửi ý kiến' }).click();
  await until(async () => (await r.getByRole('textbox', { name: 'Email' }).getAttribute('aria-invalid')) === 'true', { what: 'email refused by the server' });
  const msg = await r.locator('.yk-email .yk-err').textContent();
  assert(msg.length > 0, 'server message shown');
  // A moderator closes the article while the reader writes: the daemon
  // answers 403 closed, shown as an alert; the reader's text stays.
  const put = await ctx.d.api('PUT', '/moderation/articles/loi', { closed: true }, { mod: true });
  eq(put.status, 200, 'article closed through the API');
  await r.getByRole('textbox', { name: 'Email' }).fill('');
  await r.getByRole('button', { name: 'Gửi ý kiến' }).click();
  await r.getByRole('alert').filter({ hasText: 'đã đóng bình luận' }).waitFor();
  assert(await r.getByRole('button', { name: 'Gửi ý kiến' }).isDisabled(), 'form closed');
  eq(await r.getByRole('textbox', { name: 'Ý kiến của bạn' }).inputValue(), 'Bài viết rất hay, cảm ơn.', 'text kept');
  eq((await ctx.d.queue()).total, 0, 'nothing stored');
});

run('closed_article_shows_no_form', async (ctx) => {
  const { d, page } = ctx;
  await d.approved('dong', 'Bình luận trước khi đóng.', 'Minh');
  const put = await d.api('PUT', '/moderation/articles/dong', { closed: true }, { mod: true });
  eq(put.status, 200, 'article closed through the API');
  eq((await (await d.api('GET', '/articles/dong/comments')).json()).closed, true, 'the list says closed');
  await openArticle(ctx, 'dong');
  const r = region(page);
  await r.getByText('Bài viết này đã đóng bình luận.').waitFor();
  await r.getByRole('article', { name: 'Minh' }).waitFor();
  eq(await r.getByRole('button', { name: 'Gửi ý kiến' }).count(), 0, 'no submit button');
  eq(await r.getByRole('textbox').count(), 0, 'no form fields');
  eq(await r.getByRole('button', { name: 'Trả lời' }).count(), 0, 'no reply buttons');
  // In English, and open again once a moderator reopens it.
  await openArticle(ctx, 'dong', '&lang=en');
  await region(page, 'Reader comments').getByText('Comments are closed for this article.').waitFor();
  eq((await d.api('PUT', '/moderation/articles/dong', { closed: false }, { mod: true })).status, 200, 'reopened');
  await openArticle(ctx, 'dong');
  await r.getByRole('button', { name: 'Gửi ý kiến' }).waitFor();
  await r.getByRole('button', { name: 'Trả lời' }).waitFor();
});

run('rate_limited_post_says_how_long_to_wait', async (ctx) => {
  const { page } = ctx;
  await openArticle(ctx, 'nhanh');
  const r = region(page);
  for (let i = 0; i < 2; i++) {
    await r.getByRole('textbox', { name: 'Họ tên' }).fill('Bình');
    await r.getByRole('textbox', { name: 'Ý kiến của bạn' }).fill(`Ý kiến thứ ${i + 1} của tôi.`);
    await r.getByRole('button', { name: 'Gửi ý kiến' }).click();
    if (i === 0) await r.getByRole('status').filter({ hasText: 'chờ kiểm duyệt' }).waitFor();
  }
  await r.getByRole('alert').filter({ hasText: /thử lại sau \d+ giây/ }).waitFor();
}, ['--rate-limit', '1']);

run('network_failure_retry_posts_once', async (ctx) => {
  const { d, page } = ctx;
  await openArticle(ctx, 'mang');
  const r = region(page);
  const keys = [];
  let first = true;
  // The first send reaches the daemon, which stores it, but its answer is
  // lost on the way back; the reader presses "Thử lại".
  await page.route('**/api/v1/articles/mang/comments', async (route) => {
    if (route.request().method() !== 'POST') return route.continue();
    keys.push(route.request().headers()['idempotency-key']);
    if (first) {
      first = false;
      await route.fetch();
      return route.abort('connectionreset');
    }
    return route.continue();
  });
  await r.getByRole('textbox', { name: 'Họ tên' }).fill('Hà');
  await r.getByRole('textbox', { name: 'Ý kiến của bạn' }).fill('Mạng chập chờn quá, mong là gửi được.');
  await r.getByLabel('Đính kèm tệp').setInputFiles({ name: 'x.png', mimeType: 'image/png', buffer: png(20, 20) });
  await r.getByRole('button', { name: 'Gửi ý kiến' }).click();
  await r.getByRole('alert').filter({ hasText: 'lỗi mạng' }).waitFor();
  eq((await d.queue()).total, 1, 'stored by the first send');
  await r.getByRole('button', { name: 'Thử lại' }).click();
  await r.getByRole('status').filter({ hasText: 'chờ kiểm duyệt' }).waitFor();
  eq(keys.length, 2, 'sent twice');
  assert(keys[0] && keys[0] === keys[1], 'same Idempotency-Key');
  const q = await d.queue();
  eq(q.total, 1, 'stored once');
  eq(q.comments[0].attachments.length, 1, 'with its file once');
});

run('keyboard_only_and_360px', async (ctx) => {
  const { d } = ctx;
  await d.approved('hep', 'Một bình luận rất dài không có khoảng trắng: ' + 'ồ'.repeat(120), 'Độc giả');
  const parent = await d.approved('hep', 'Hai dòng:\ndòng thứ hai.', 'Người gửi ảnh');
  await d.approved('hep', 'Trả lời ngắn gọn.', 'Người trả lời', { parent_id: parent });
  const page = await newPage(ctx, { width: 360, height: 740 });
  await openArticle(ctx, 'hep', '', page);
  const w = await page.evaluate(() => [document.scrollingElement.scrollWidth, window.innerWidth]);
  assert(w[0] <= w[1], `horizontal scroll at 360 px: ${w}`);
  // Keyboard alone: Tab to each field, type, Enter on the button.
  const focused = () => page.evaluate(() => document.activeElement && (document.activeElement.labels?.[0]?.textContent || document.activeElement.textContent));
  await page.locator('body').focus();
  let guard = 0;
  while ((await focused()) !== 'Họ tên' && guard++ < 40) await page.keyboard.press('Tab');
  await page.keyboard.type('Khách');
  await page.keyboard.press('Tab');
  eq(await focused(), 'Email', 'tab order: email');
  await page.keyboard.press('Tab');
  eq(await focused(), 'Ý kiến của bạn', 'tab order: comment');
  await page.keyboard.type('Gõ bằng bàn phím thôi.');
  await page.keyboard.press('Tab');
  eq(await focused(), 'Đính kèm tệp', 'tab order: files');
  await page.keyboard.press('Tab');
  eq(await focused(), 'Gửi ý kiến', 'tab order: submit');
  await page.keyboard.press('Enter');
  await region(page).getByRole('status').filter({ hasText: 'chờ kiểm duyệt' }).waitFor();
  const w2 = await page.evaluate(() => [document.scrollingElement.scrollWidth, window.innerWidth]);
  assert(w2[0] <= w2[1], `horizontal scroll at 360 px after posting: ${w2}`);
});

run('axe_widget_and_console', async (ctx) => {
  const { d, page } = ctx;
  const id = await d.approved('axe', 'Bài viết rất hay, cảm ơn tác giả!', 'Thu Thảo');
  await d.approved('axe', 'Tôi cũng nghĩ vậy.', 'Minh', { parent_id: id });
  await openArticle(ctx, 'axe');
  await region(page).getByRole('textbox', { name: 'Ý kiến của bạn' }).fill('Tooi ddi hocj');
  await region(page).getByRole('button', { name: 'Dùng gợi ý' }).waitFor();
  await region(page).getByRole('button', { name: 'Gửi ý kiến' }).click();
  await region(page).getByText('Vui lòng nhập họ tên.').waitFor();
  await axe(page);
  await d.post('axe', 'Chờ duyệt nhé.', 'An');
  const mod = await newPage(ctx);
  await mod.goto(d.url + '/moderation/');
  await axe(mod);
  await mod.getByLabel('Mã truy cập').fill('sai-ma');
  await mod.getByRole('button', { name: 'Đăng nhập' }).click();
  await mod.getByText('Mã truy cập không đúng hoặc đã bị thu hồi.').waitFor();
  await signIn(ctx, mod);
  await mod.getByRole('article', { name: 'An' }).waitFor();
  await mod.keyboard.press('e');
  await axe(mod);
  await mod.keyboard.press('Escape');
  await mod.keyboard.press('r');
  await axe(mod);
});

run('console_conflict_explained_and_security_headers', async (ctx) => {
  const { d } = ctx;
  const id = await d.post('xung-dot', 'Bình luận gây tranh cãi.', 'Hùng');
  const r = await fetch(d.url + '/moderation/');
  const csp = r.headers.get('content-security-policy');
  for (const part of ["default-src 'self'", "frame-ancestors 'none'", "img-src 'self' blob: data:", "script-src 'self'", "style-src 'self'"]) {
    assert(csp.includes(part), `CSP has ${part}: ${csp}`);
  }
  eq([r.headers.get('x-frame-options'), r.headers.get('referrer-policy')], ['DENY', 'no-referrer'], 'framing and referrer');
  const mod = await signIn(ctx, await newPage(ctx));
  assert(!mod.url().includes(d.token), 'token not in the URL');
  eq(await mod.evaluate(() => Object.keys(sessionStorage)), ['ykien.token'], 'token in sessionStorage');
  const item = mod.getByRole('article', { name: 'Hùng' });
  await item.waitFor();
  // Another moderator approves it first.
  await d.approve(id);
  await item.getByRole('button', { name: 'Duyệt' }).click();
  await mod.getByRole('alert').filter({ hasText: 'Một người kiểm duyệt khác đã xử lý ý kiến này trước bạn' }).waitFor();
  await item.waitFor({ state: 'detached' });
  // Its attachments' and API requests carried the token as a header only.
  assert(ctx.requests.every((u) => !u.includes(d.token)), 'token never in a URL');
});

run('measure_widget_50_comments_and_console_100_queue', async (ctx) => {
  const { d, page } = ctx;
  for (let i = 1; i <= 50; i++) await d.approved('nhieu', `Ý kiến số ${i}: bài viết rất hay, cảm ơn tác giả đã chia sẻ.`, `Bạn đọc ${i}`);
  for (let i = 1; i <= 100; i++) await d.post('hang-doi', `Ý kiến chờ duyệt số ${i}, xin cảm ơn.`, `Người gửi ${i}`);
  await openArticle(ctx, 'nhieu', '&limit=50');
  const t = await until(() => page.evaluate(() => {
    const done = window.__yk.rendered.find(([, n]) => n >= 50);
    const js = performance.getEntriesByType('resource').find((e) => e.name.endsWith('/widget.js'));
    return done && js ? [done[0] - js.responseEnd, done[0]] : null;
  }), { what: '50 comments' });
  eq(await region(page).getByRole('article').count(), 50, '50 rendered');
  T.measure('widget: script loaded -> 50 comments rendered', `${t[0].toFixed(0)} ms (${t[1].toFixed(0)} ms after navigation start)`);
  const mod = await newPage(ctx);
  await mod.goto(d.url + '/moderation/');
  await mod.getByLabel('Mã truy cập').fill(d.token);
  const t0 = await mod.evaluate(() => performance.now());
  await mod.getByRole('button', { name: 'Đăng nhập' }).click();
  const t1 = await until(() => mod.evaluate(() => (window.__yk.queue.find(([, n]) => n >= 100) || [])[0]), { what: '100 items' });
  eq(await mod.getByRole('article').count(), 100, '100 in the queue');
  T.measure('console: sign-in click -> 100-item queue shown', `${(t1 - t0).toFixed(0)} ms`);
  // Reload with the token kept in sessionStorage: navigation -> 100 items.
  await mod.reload();
  const t2 = await until(() => mod.evaluate(() => (window.__yk.queue.find(([, n]) => n >= 100) || [])[0]), { what: '100 items after reload' });
  T.measure('console: page load -> 100-item queue shown', `${t2.toFixed(0)} ms after navigation start`);
  // Polling: a new comment appears without a reload.
  const posted = Date.now();
  await d.post('hang-doi', 'Ý kiến mới nhất, vừa gửi.', 'Người đến sau');
  await mod.getByRole('article', { name: 'Người đến sau' }).waitFor({ timeout: 2000 });
  T.measure('console: new comment shown without reload', `${Date.now() - posted} ms (must be < 2000)`);
});

run('screenshot_widget', async (ctx) => {
  const { d } = ctx;
  const a = await d.approved('anh', 'Ảnh chụp sáng nay ở chợ Thủ Dầu Một, người dân đi lại tấp nập.\nCảm ơn tòa soạn đã đưa tin!', 'Thu Thảo');
  const form = new FormData();
  form.append('author', 'Nguyễn Văn An');
  form.append('body', 'Tôi ở gần đó, xin gửi thêm một tấm ảnh.');
  form.append('parent_id', String(a));
  form.append('attachment', new Blob([png(480, 270)], { type: 'image/png' }), 'cho-sang.png');
  const r = await fetch(`${d.url}/api/v1/articles/anh/comments`, { method: 'POST', body: form });
  eq(r.status, 201, 'multipart post');
  const c = await r.json();
  eq([c.attachments[0].width, c.attachments[0].height], [480, 270], 'image size in the API');
  await d.approve(c.id, 'Tôi ở gần đó, xin gửi thêm một tấm ảnh chụp lúc 7 giờ.');
  await d.approved('anh', 'Bài viết rất hữu ích, mong tòa soạn có thêm nhiều bài như thế này.', 'Lê Minh');
  const page = await newPage(ctx, { width: 420, height: 900 });
  await openArticle(ctx, 'anh', '', page);
  await until(() => page.locator('.ykien img').evaluate((i) => i.complete && i.naturalWidth > 0), { what: 'image loaded' });
  await page.getByRole('textbox', { name: 'Họ tên' }).fill('Khách');
  await page.getByRole('textbox', { name: 'Ý kiến của bạn' }).fill('Tooi rats thichs bai vieets nay');
  await page.getByRole('button', { name: 'Dùng gợi ý' }).waitFor();
  await shot(page, 'widget.png', page.locator('.ykien'));
});

// ---- main -------------------------------------------------------------------

// launch() starts chromium with a fresh temporary profile (user-data-dir),
// removed when it closes.
browser = await chromium.launch({ executablePath: process.env.YKIEN_CHROMIUM || '/usr/bin/chromium', args: ARGS, headless: true });
let result;
try {
  result = await T.run(only, async (name) => {
    const t = T.tests.find((x) => x.name === name);
    return setup(name, t.args || []);
  }, teardown);
} finally {
  await browser.close();
}
console.log(`${result.passed} passed, ${result.failed} failed`);
process.exit(result.failed || !result.passed ? 1 : 0);
