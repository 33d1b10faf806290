// Renders captured chat-service request samples the way their users would see them, one HTML page
// and one PNG screenshot per sample, and lists what looks wrong for that service.
// Usage: node e2e/chat-render/main.mjs SAMPLES_DIR OUT_DIR
// Each sample is SAMPLES_DIR/<kind>-<service>.json = {"headers": {...}, "text": raw body, "json": parsed body|null}
// with <service> one of slack, teams, discord, ntfy, telegram, matrix (one module each here).
// Prints one JSON line per sample: {"sample", "png", "problems"}. Exits 1 when any sample has a
// problem (advice marked "<service>: note: ..." included) or when any of the six services has
// no sample; 2 on bad usage or a crash. Missing emoji fonts only
// make the screenshots show boxes: nothing here checks glyph coverage, so that never fails.
// Pages load nothing from the network: CSS is inline, the Adaptive Cards bundle is injected from
// node_modules, and any request the page still makes is aborted and reported.
import { readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { renderSlack } from './slack.mjs';
import { renderTeams } from './teams.mjs';
import { renderDiscord } from './discord.mjs';
import { renderNtfy } from './ntfy.mjs';
import { renderTelegram } from './telegram.mjs';
import { renderMatrix } from './matrix.mjs';

const RENDERERS = { slack: renderSlack, teams: renderTeams, discord: renderDiscord, ntfy: renderNtfy, telegram: renderTelegram, matrix: renderMatrix };

function serviceOf(name, sample) {
  const s = name.split('-').pop();
  if (RENDERERS[s]) return s;
  const j = sample.json;
  if (j?.blocks) return 'slack';
  if (j?.attachments?.[0]?.contentType?.includes('adaptive')) return 'teams';
  if (j?.embeds || j?.allowed_mentions) return 'discord';
  if (j?.parse_mode || j?.chat_id !== undefined) return 'telegram';
  if (j?.msgtype) return 'matrix';
  if (!j) return 'ntfy';
  return null;
}

// What every page is checked for once rendered: text that did not survive, and overflow.
async function renderedChecks(pg) {
  return pg.evaluate(() => {
    const out = [];
    const frame = document.getElementById('frame') ?? document.body;
    const text = frame.innerText;
    const ent = text.match(/&(#\d+|#x[0-9a-f]+|amp|lt|gt|quot|apos|nbsp);/gi);
    if (ent) out.push(`raw HTML entities visible: ${[...new Set(ent)].join(' ')}`);
    const moji = text.match(/Ã[\u0080-\u00bf¡-ÿ]|Â[\u00a0-\u00bf]|â€|\ufffd/g);
    if (moji) out.push(`mangled characters (mojibake) visible: ${[...new Set(moji)].join(' ')}`);
    const tags = text.match(/<\/?(b|i|p|strong|em|code|a|br|li|ul)\b[^>]*>/gi);
    if (tags) out.push(`raw HTML tags visible: ${[...new Set(tags)].slice(0, 5).join(' ')}`);
    const md = text.match(/\*\*[^*\n]+\*\*|(^|\s)\*[^*\s][^*\n]*\*(\s|$)|\[[^\]\n]+\]\(https?:/g);
    if (md) out.push(`raw markdown visible: ${[...new Set(md.map((m) => m.trim()))].slice(0, 3).join(' | ')}`);
    if (document.documentElement.scrollWidth > window.innerWidth + 1) {
      out.push(`page wider than the viewport (${document.documentElement.scrollWidth}px > ${window.innerWidth}px)`);
    }
    const right = frame.getBoundingClientRect().right;
    const seen = new Set();
    for (const el of frame.querySelectorAll('*')) {
      const r = el.getBoundingClientRect();
      const clipped = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== 'visible';
      if ((r.width && r.right > right + 1) || clipped) {
        const what = `${el.tagName.toLowerCase()}${el.className ? `.${String(el.className).split(' ')[0]}` : ''}`;
        if (!seen.has(what)) { seen.add(what); out.push(`overflowing text in ${what}: "${el.textContent.trim().slice(0, 50)}"`); }
      }
    }
    return out;
  });
}

async function main() {
  const [samplesDir, outDir] = process.argv.slice(2);
  if (!samplesDir || !outDir) {
    console.error('usage: node e2e/chat-render/main.mjs SAMPLES_DIR OUT_DIR');
    process.exit(2);
  }
  await mkdir(outDir, { recursive: true });
  const files = (await readdir(samplesDir)).filter((f) => f.endsWith('.json')).sort();
  const seen = new Set();
  const failed = [];

  if (files.length) {
    const browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    });
    try {
      const context = await browser.newContext({ viewport: { width: 700, height: 400 }, deviceScaleFactor: 1, locale: 'es-ES' });
      for (const file of files) {
        const name = file.replace(/\.json$/, '');
        const problems = await renderSample(context, samplesDir, outDir, name, file, seen);
        if (problems.length) failed.push({ name, failing: problems });
      }
    } finally {
      await browser.close();
    }
  }

  const missing = Object.keys(RENDERERS).filter((s) => !seen.has(s));
  if (missing.length) console.error(`no samples for: ${missing.join(', ')} (in ${samplesDir})`);
  for (const { name, failing } of failed) console.error(`${name}: ${failing.join(' | ')}`);
  if (failed.length) console.error(`${failed.length} sample(s) with problems`);
  if (missing.length || failed.length) process.exit(1);
}

// Renders one sample to OUT_DIR/<name>.html and .png, prints its JSON line, returns its problems.
async function renderSample(context, samplesDir, outDir, name, file, seen) {
  const problems = [];
  const sample = JSON.parse(await readFile(path.join(samplesDir, file), 'utf8'));
  const service = serviceOf(name, sample);
  const png = path.join(outDir, `${name}.png`);
  if (!service) {
    problems.push('unknown service');
    console.log(JSON.stringify({ sample: name, png: null, problems }));
    return problems;
  }
  seen.add(service);
  if (sample.json == null && service !== 'ntfy') problems.push(`${service}: body is not JSON`);
  const r = RENDERERS[service](sample);
  problems.push(...r.problems);

  const pg = await context.newPage();
  const consoleErrors = [];
  pg.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); });
  pg.on('pageerror', (e) => consoleErrors.push(String(e)));
  await pg.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('data:') || url === 'about:blank') return route.continue();
    problems.push(`page tried to load ${url} (blocked)`);
    return route.abort();
  });
  await pg.setContent(r.html, { waitUntil: 'load' });
  if (r.afterLoad) problems.push(...await r.afterLoad(pg));
  await pg.evaluate(() => document.fonts.ready);
  problems.push(...await renderedChecks(pg));
  problems.push(...consoleErrors.map((e) => `page error: ${e}`));
  // The HTML written is the rendered page (for Teams, the card's DOM without the script).
  await writeFile(path.join(outDir, `${name}.html`), r.afterLoad ? `<!doctype html>\n${await pg.content()}\n` : r.html);
  await pg.screenshot({ path: png, fullPage: true });
  await pg.close();
  console.log(JSON.stringify({ sample: name, png, problems }));
  return problems;
}

main().catch((e) => { console.error(e); process.exit(2); });
