// ntfy (an Android notification)
import { esc, safeUrl, EMOJI, TIME, page } from './shared.mjs';

const NTFY_PRIORITY = { 1: 'min', 2: 'low', 3: 'default', 4: 'high', 5: 'urgent', min: 'min', low: 'low', default: 'default', high: 'high', max: 'urgent', urgent: 'urgent' };

function parseNtfyActions(header, problems) {
  if (!header) return [];
  const actions = header.split(';').map((a) => a.trim()).filter(Boolean).map((a) => {
    const parts = a.split(',').map((p) => p.trim());
    const [type, label, url, ...rest] = parts;
    const opts = {};
    for (const r of rest) { const i = r.indexOf('='); if (i > 0) opts[r.slice(0, i)] = r.slice(i + 1); }
    if (!['view', 'http', 'broadcast'].includes(type)) problems.push(`ntfy: action type "${type}" unknown (view, http, broadcast)`);
    if (!label) problems.push(`ntfy: action "${a.slice(0, 40)}" has no label`);
    if (type !== 'broadcast' && !safeUrl(url)) problems.push(`ntfy: action "${label}" has no valid URL (a comma in the label would shift it)`);
    return { type, label, url, opts };
  });
  if (actions.length > 3) problems.push(`ntfy: ${actions.length} actions (ntfy allows 3)`);
  return actions;
}

export function renderNtfy(sample) {
  const problems = [];
  const h = Object.fromEntries(Object.entries(sample.headers ?? {}).map(([k, v]) => [k.toLowerCase().replace(/^x-/, ''), v]));
  const title = h.title ?? h.t ?? '';
  const message = sample.text ?? '';
  if (!title) problems.push('ntfy: no title header (the topic name is shown instead)');
  if (Buffer.byteLength(message, 'utf8') > 4096) problems.push('ntfy: message over 4096 bytes is turned into an attachment');
  if (h.markdown || h.md) problems.push('ntfy: markdown requested; only the web app renders it, Android shows it raw');
  const prio = NTFY_PRIORITY[String(h.priority ?? h.p ?? 3).toLowerCase()];
  if (!prio) problems.push(`ntfy: priority "${h.priority}" is not 1-5`);
  const tags = String(h.tags ?? h.ta ?? '').split(',').map((t) => t.trim()).filter(Boolean);
  const emoji = tags.filter((t) => EMOJI[t]).map((t) => EMOJI[t]);
  const other = tags.filter((t) => !EMOJI[t]);
  const actions = parseNtfyActions(h.actions, problems);
  const click = h.click ? safeUrl(h.click) : null;
  if (h.click && !click) problems.push(`ntfy: click URL "${h.click}" is not usable`);
  const prioBadge = prio === 'urgent'
    ? '<span class="prio p5" title="priority 5">⏫ urgente · 📳 vibra y suena sin parar</span>'
    : prio === 'high' ? '<span class="prio p4" title="priority 4">🔼 alta · 📳 vibración larga</span>'
      : prio === 'low' || prio === 'min' ? `<span class="prio pl">🔽 ${prio === 'min' ? 'mínima (sin aviso)' : 'baja (sin sonido)'}</span>` : '';
  const css = `
body{background:#1b1b1f;color:#e4e1e6;font-family:"Roboto","Liberation Sans","DejaVu Sans",sans-serif,"Noto Color Emoji";font-size:14px}
.shade{padding:24px 16px}
.statusbar{display:flex;justify-content:space-between;font-size:13px;color:#c8c5ca;padding:0 8px 14px}
.card{background:#2b2a30;border-radius:24px;padding:16px 18px 14px;box-shadow:0 1px 3px rgba(0,0,0,.4)}
.card.urgent{box-shadow:0 0 0 2px #d32f2f inset}
.top{display:flex;align-items:center;gap:8px;font-size:12px;color:#c8c5ca}
.icon{width:24px;height:24px;border-radius:50%;background:#338574;color:#fff;font-weight:700;font-size:13px;display:flex;align-items:center;justify-content:center}
.title{font-size:15px;font-weight:600;color:#f3eff4;margin:10px 0 2px}
.body{white-space:pre-wrap;color:#c8c5ca;line-height:1.4}
.tags{margin-top:8px;display:flex;flex-wrap:wrap;gap:6px}
.chip{font-size:12px;border:1px solid #5b5960;border-radius:8px;padding:2px 8px;color:#c8c5ca}
.prio{font-size:12px;font-weight:700;border-radius:8px;padding:2px 8px;margin-left:auto}
.p5{background:#d32f2f;color:#fff}.p4{background:#f57c00;color:#fff}.pl{background:#444;color:#ccc}
.actions{display:flex;flex-wrap:wrap;gap:8px;margin-top:14px}
.actions a{color:#84d6c0;text-decoration:none;font-weight:600;font-size:14px;padding:8px 14px;background:#33413d;border-radius:18px}
.meta{color:#8d8a91}`;
  const html = `<main id="frame"><div class="shade">
<div class="statusbar"><span>${TIME}</span><span>📶 🔋</span></div>
<div class="card${prio === 'urgent' ? ' urgent' : ''}">
<div class="top"><span class="icon">n</span><span>ntfy · ${esc(h.topic ?? 'reach')} · ahora</span>${prioBadge}</div>
<div class="title">${esc([...emoji, title].filter(Boolean).join(' '))}</div>
<div class="body">${esc(message)}</div>
${other.length ? `<div class="tags">${other.map((t) => `<span class="chip">${esc(t)}</span>`).join('')}</div>` : ''}
${actions.length ? `<div class="actions">${actions.map((a) => `<a${safeUrl(a.url) ? ` href="${esc(safeUrl(a.url))}"` : ''}>${esc(a.label)}</a>`).join('')}</div>` : ''}
</div></div>
<div class="meta">priority ${esc(h.priority ?? '(default 3)')} · tags ${esc(h.tags ?? '(none)')} · tap opens ${click ? esc(click) : '(the ntfy app)'}</div></main>`;
  return { html: page('ntfy', css, html), problems };
}
