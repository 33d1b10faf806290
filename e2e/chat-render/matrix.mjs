// Matrix (m.room.message, org.matrix.custom.html) as Element shows it
import { esc, hrefCheck, sanitizeHtml, NAMED_ENTITIES, TIME, MONO, page } from './shared.mjs';

const MATRIX_TAGS = Object.fromEntries(['p', 'strong', 'em', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'ul', 'li', 'code', 'pre', 'br', 'blockquote', 'b', 'i']
  .map((t) => [t, {}]));
MATRIX_TAGS.a = { href: hrefCheck(['http:', 'https:', 'mailto:', 'matrix:']) };
MATRIX_TAGS.ol = { start: (v) => (/^\d+$/.test(v) ? v : null) };
MATRIX_TAGS.code = { class: (v) => (/^language-[\w+-]+$/.test(v) ? v : null) };

export function renderMatrix(sample) {
  const problems = [];
  const body = sample.json ?? {};
  if (!body.msgtype) problems.push('matrix: no msgtype');
  if (typeof body.body !== 'string' || !body.body.trim()) problems.push('matrix: no plain "body" (required; used for notifications and clients without HTML)');
  let inner;
  if (body.formatted_body) {
    if (body.format !== 'org.matrix.custom.html') problems.push(`matrix: formatted_body with format ${body.format}`);
    const s = sanitizeHtml(String(body.formatted_body), {
      service: 'matrix', allowed: MATRIX_TAGS, namedEntities: Object.keys(NAMED_ENTITIES),
    });
    problems.push(...s.problems);
    inner = s.html;
  } else {
    inner = `<p class="plain">${esc(body.body ?? '')}</p>`;
  }
  if (Buffer.byteLength(sample.text ?? '', 'utf8') > 65536) problems.push('matrix: event over 64 KiB');
  const css = `
body{background:#fff;color:#17191c;font-family:"Inter","Liberation Sans","DejaVu Sans",sans-serif,"Noto Color Emoji";font-size:15px;line-height:1.45}
.room{border-bottom:1px solid #e3e8f0;padding:10px 20px;font-weight:600;display:flex;gap:10px;align-items:center}
.room .ra{width:28px;height:28px;border-radius:50%;background:#0dbd8b;color:#fff;display:flex;align-items:center;justify-content:center;font-size:13px}
.event{display:grid;grid-template-columns:44px 1fr;gap:0 10px;padding:12px 20px}
.avatar{width:32px;height:32px;border-radius:50%;background:#ac3ba8;color:#fff;font-weight:600;display:flex;align-items:center;justify-content:center;margin-left:12px}
.sender{color:#ac3ba8;font-weight:600;margin-bottom:2px}
.sender .ts{font-size:12px;color:#737d8c;font-weight:400;margin-left:8px}
.body{min-width:0}
.body p{margin:0 0 8px}.body p:last-child{margin-bottom:0}
.body h1,.body h2,.body h3,.body h4,.body h5,.body h6{margin:8px 0 4px;font-weight:600}
.body h4{font-size:1.1em}
.body ul,.body ol{margin:4px 0 8px;padding-left:24px}
.body a{color:#0086e6;text-decoration:none}
.body code{font-family:${MONO};font-size:13px;background:#f4f6fa;border-radius:4px;padding:1px 4px;color:#17191c}
.body pre{font-family:${MONO};font-size:13px;background:#f4f6fa;border-radius:6px;padding:8px;white-space:pre-wrap}
.body blockquote{margin:4px 0;padding-left:10px;border-left:4px solid #e3e8f0;color:#5c6470}
.plain{white-space:pre-wrap}`;
  const html = `<main id="frame"><div class="room"><span class="ra">#</span>Alertas</div>
<div class="event"><div class="avatar">R</div><div class="body">
<div class="sender">Reach bot<span class="ts">${TIME}</span></div>
<div class="content">${inner}</div></div></div>
<div class="meta">notification / plain body: ${esc((body.body ?? '').split('\n')[0])}${(body.body ?? '').includes('\n') ? ' …' : ''}</div></main>`;
  return { html: page('Matrix', css, html), problems };
}
