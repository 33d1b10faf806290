// Telegram (sendMessage, parse_mode HTML)
import { esc, safeUrl, hrefCheck, sanitizeHtml, TIME, MONO, page } from './shared.mjs';

const TELEGRAM_TAGS = Object.fromEntries(['b', 'strong', 'i', 'em', 'u', 'ins', 's', 'strike', 'del', 'code', 'pre', 'blockquote']
  .map((t) => [t, {}]));
TELEGRAM_TAGS.a = { href: hrefCheck(['http:', 'https:', 'tg:', 'mailto:']) };
TELEGRAM_TAGS.code = { class: (v) => (/^language-[\w+-]+$/.test(v) ? v : null) };
TELEGRAM_TAGS.blockquote = { expandable: () => '' };

export function renderTelegram(sample) {
  const problems = [];
  const body = sample.json ?? {};
  const mode = String(body.parse_mode ?? '');
  if (body.chat_id === undefined || body.chat_id === '') problems.push('telegram: no chat_id');
  let bubble;
  if (mode.toLowerCase() === 'html') {
    const s = sanitizeHtml(String(body.text ?? ''), {
      service: 'telegram', allowed: TELEGRAM_TAGS, namedEntities: ['lt', 'gt', 'amp', 'quot'],
    });
    // Telegram refuses the whole message ("can't parse entities") rather than dropping things.
    problems.push(...s.problems.map((p) => `${p} — Telegram answers 400 "can't parse entities"`));
    if (s.plain.length > 4096) problems.push(`telegram: text ${s.plain.length} characters after parsing (limit 4096)`);
    if (!s.plain.trim()) problems.push('telegram: empty text');
    bubble = s.html;
  } else {
    if (mode) problems.push(`telegram: parse_mode ${mode} not rendered here (shown as plain text)`);
    bubble = esc(body.text ?? '');
  }
  const kb = body.reply_markup?.inline_keyboard ?? [];
  const rows = kb.map((row, i) => `<div class="kbrow">${row.map((b, j) => {
    const href = b.url ? safeUrl(b.url, ['http:', 'https:', 'tg:']) : null;
    if (!b.text) problems.push(`telegram: keyboard button ${i}.${j} has no text`);
    if (b.url && !href) problems.push(`telegram: keyboard button ${i}.${j} URL not http(s)/tg (BUTTON_URL_INVALID)`);
    if (!b.url && !b.callback_data && !b.web_app && !b.switch_inline_query && !b.login_url) problems.push(`telegram: keyboard button ${i}.${j} has no action`);
    if (b.callback_data && Buffer.byteLength(b.callback_data) > 64) problems.push(`telegram: keyboard button ${i}.${j} callback_data over 64 bytes`);
    return `<a class="kb"${href ? ` href="${esc(href)}"` : ''}>${esc(b.text)}${href ? '<span class="arrow">↗</span>' : ''}</a>`;
  }).join('')}</div>`).join('');
  const css = `
body{background:#8fb078;background:linear-gradient(160deg,#b7cf95,#8fb383 60%,#7ea878);color:#000;font-family:"Roboto","Liberation Sans","DejaVu Sans",sans-serif,"Noto Color Emoji";font-size:15px}
.chat{padding:20px 16px 24px 16px;display:flex;gap:8px;align-items:flex-end}
.avatar{flex:0 0 34px;height:34px;border-radius:50%;background:#e17076;color:#fff;font-weight:700;display:flex;align-items:center;justify-content:center}
.col{max-width:480px;min-width:0}
.bubble{background:#fff;border-radius:12px 12px 12px 4px;padding:6px 10px 6px 10px;box-shadow:0 1px 1px rgba(0,0,0,.15)}
.name{color:#d0575e;font-weight:600;font-size:14px;margin-bottom:2px}
.text{white-space:pre-wrap;line-height:1.35}
.time{float:right;font-size:12px;color:#999;margin:6px 0 -2px 10px}
code{font-family:${MONO};font-size:14px;color:#c24f3d}
pre{font-family:${MONO};font-size:14px;background:#f3f5f7;border-radius:6px;padding:6px 8px;margin:4px 0;white-space:pre-wrap}
blockquote{margin:4px 0;padding:2px 8px;border-left:3px solid #3390ec;background:#eef5fd;border-radius:4px}
a{color:#168acd;text-decoration:none}
.kbrow{display:flex;gap:4px;margin-top:4px}
.kb{flex:1;position:relative;text-align:center;padding:9px 18px;border-radius:8px;background:rgba(0,0,0,.22);color:#fff;font-weight:500;font-size:14px;text-decoration:none}
.arrow{position:absolute;top:2px;right:5px;font-size:10px}
.meta{color:#24361d}`;
  const html = `<main id="frame"><div class="chat"><div class="avatar">R</div><div class="col">
<div class="bubble"><div class="name">Reach</div><div class="text">${bubble}<span class="time">${TIME}</span></div></div>
${rows}
</div></div>
<div class="meta">chat ${esc(body.chat_id)} · link previews ${body.link_preview_options?.is_disabled || body.disable_web_page_preview ? 'off' : 'on'}</div></main>`;
  return { html: page('Telegram', css, html), problems };
}
