// Microsoft Teams (Adaptive Card rendered by Microsoft's adaptivecards package in the page)
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { esc, TIME, FONT, MONO, page } from './shared.mjs';

const require = createRequire(import.meta.url);

const TEAMS_HOST_CONFIG = {
  fontFamily: `"Segoe UI", ${FONT}`,
  supportsInteractivity: true,
  spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: '#E0E0E0' },
  fontTypes: {
    default: {
      fontFamily: `"Segoe UI", ${FONT}`,
      fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
      fontWeights: { lighter: 300, default: 400, bolder: 600 },
    },
    monospace: {
      fontFamily: MONO,
      fontSizes: { small: 12, default: 14, medium: 14, large: 18, extraLarge: 24 },
      fontWeights: { lighter: 300, default: 400, bolder: 600 },
    },
  },
  containerStyles: {
    default: {
      backgroundColor: '#FFFFFF',
      foregroundColors: {
        default: { default: '#242424', subtle: '#616161' }, dark: { default: '#252423', subtle: '#484644' },
        light: { default: '#FFFFFF', subtle: '#F3F2F1' }, accent: { default: '#5B5FC7', subtle: '#6264A7' },
        good: { default: '#237B4B', subtle: '#237B4B' }, warning: { default: '#835C00', subtle: '#835C00' },
        attention: { default: '#C4314B', subtle: '#C4314B' },
      },
    },
    emphasis: { backgroundColor: '#F5F5F5', foregroundColors: { default: { default: '#242424', subtle: '#616161' } } },
    accent: { backgroundColor: '#E8EBFA', foregroundColors: { default: { default: '#242424', subtle: '#616161' } } },
    good: { backgroundColor: '#E7F2DA', foregroundColors: { default: { default: '#242424', subtle: '#616161' } } },
    attention: { backgroundColor: '#FDE7E9', foregroundColors: { default: { default: '#242424', subtle: '#616161' } } },
    warning: { backgroundColor: '#FBF6D9', foregroundColors: { default: { default: '#242424', subtle: '#616161' } } },
  },
  actions: {
    maxActions: 6, spacing: 'default', buttonSpacing: 8, showCard: { actionMode: 'inline', inlineTopMargin: 16 },
    actionsOrientation: 'horizontal', actionAlignment: 'stretch',
  },
  factSet: {
    title: { color: 'default', size: 'default', isSubtle: false, weight: 'bolder', wrap: true, maxWidth: 150 },
    value: { color: 'default', size: 'default', isSubtle: false, weight: 'default', wrap: true },
    spacing: 12,
  },
  textBlock: { headingLevel: 2 },
};

// adaptivecards parser/validator events reported as warnings rather than errors (both fail the run).
const AC_SOFT_EVENTS = new Set(['Hint', 'Deprecated', 'Other']);

export function renderTeams(sample) {
  const problems = [];
  const att = sample.json?.attachments?.[0];
  const content = att?.content;
  if (sample.json?.type !== 'message') problems.push('teams: payload "type" is not "message"');
  if (att?.contentType !== 'application/vnd.microsoft.card.adaptive') problems.push(`teams: attachment contentType is ${att?.contentType}`);
  if (!content || typeof content !== 'object') problems.push('teams: no attachments[0].content');
  if (content && !content.fallbackText) problems.push('teams: note: no fallbackText (clients that cannot render the card show nothing useful)');
  const version = parseFloat(content?.version);
  if (!(version <= 1.4)) problems.push(`teams: card version ${content?.version} (Teams renders up to 1.4 everywhere; 1.5+ not on all clients)`);
  const size = Buffer.byteLength(sample.text ?? '', 'utf8');
  if (size > 28 * 1024) problems.push(`teams: payload ${size} bytes (Teams webhooks limit ~28 KB)`);
  const cardJson = JSON.stringify(content ?? {}).replace(/</g, '\\u003c');
  const acCss = require('node:fs').readFileSync(require.resolve('adaptivecards/dist/adaptivecards.css'), 'utf8');
  const css = `${acCss}
body{background:#f5f5f5;color:#242424;font-size:14px}
.msg{display:flex;gap:10px;padding:16px}
.avatar{flex:0 0 32px;height:32px;border-radius:50%;background:#5b5fc7;color:#fff;font-weight:700;display:flex;align-items:center;justify-content:center}
.content{flex:1;min-width:0}
.who{font-size:12px;color:#616161;margin-bottom:4px}.who b{color:#242424;font-weight:600;margin-right:6px}
.bubble{background:#fff;border-radius:6px;box-shadow:0 1px 2px rgba(0,0,0,.14),0 0 2px rgba(0,0,0,.12);overflow:hidden}
#card-host .ac-pushButton{font-family:"Segoe UI",${FONT};font-size:14px;font-weight:600;border-radius:4px;border:1px solid #d1d1d1;background:#fff;color:#242424;padding:5px 12px;min-height:32px;white-space:normal;overflow:visible;text-overflow:clip}
#card-host .ac-pushButton.style-positive{background:#5b5fc7;border-color:#5b5fc7;color:#fff}
#card-host .ac-pushButton.style-destructive{background:#c4314b;border-color:#c4314b;color:#fff}
#card-host .ac-pushButton > div{white-space:normal !important;overflow:visible !important}
.fallback{font-size:12px;color:#616161}`;
  const html = `<main id="frame"><div class="msg"><div class="avatar">R</div><div class="content">
<div class="who"><b>Reach</b>${TIME}</div>
<div class="bubble"><div id="card-host"></div></div>
</div></div>
<div class="meta">Notification / fallbackText: ${esc(content?.fallbackText ?? '(none)')}</div></main>
<script type="application/json" id="card-json">${cardJson}</script>`;
  return {
    html: page('Microsoft Teams', css, html),
    problems,
    async afterLoad(pg) {
      const bundle = await readFile(require.resolve('adaptivecards/dist/adaptivecards.min.js'), 'utf8');
      await pg.addScriptTag({ content: bundle });
      const result = await pg.evaluate((hostConfig) => {
        const AC = window.AdaptiveCards;
        const name = (e) => ({
          phase: AC.ValidationPhase[e.phase], event: AC.ValidationEvent[e.event], message: e.message,
          source: e.source?.getJsonTypeName?.() ?? null,
        });
        // Teams applies markdown to TextBlocks; a minimal subset, with the text escaped first.
        AC.AdaptiveCard.onProcessMarkdown = (text, r) => {
          const e = (s) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
          let h = e(text)
            .replace(/\*\*([^*\n]+?)\*\*/g, '<strong>$1</strong>')
            .replace(/(^|[^\w])_([^_\n]+?)_(?!\w)/g, '$1<em>$2</em>')
            .replace(/\[([^\]\n]+)\]\((https?:\/\/[^\s)]+)\)/g, '<a href="$2">$1</a>')
            .replace(/\n/g, '<br>');
          r.outputHtml = `<p>${h}</p>`;
          r.didProcess = true;
        };
        const content = JSON.parse(document.getElementById('card-json').textContent);
        const card = new AC.AdaptiveCard();
        card.hostConfig = new AC.HostConfig(hostConfig);
        const ctx = new AC.SerializationContext(AC.Versions.v1_4);
        card.parse(content, ctx);
        const parse = [];
        for (let i = 0; i < ctx.eventCount; i++) parse.push(name(ctx.getEventAt(i)));
        const validation = card.validateProperties().validationEvents.map(name);
        const el = card.render();
        if (el) document.getElementById('card-host').appendChild(el);
        const buttons = [...document.querySelectorAll('#card-host .ac-pushButton')].map((b) => b.textContent.trim());
        // The rendered card no longer needs script to display: drop the bundle and the JSON.
        document.querySelectorAll('script').forEach((s) => s.remove());
        return { parse, validation, rendered: !!el, buttons };
      }, TEAMS_HOST_CONFIG);
      const out = [];
      const event = (phase, e) => {
        const kind = `${phase} ${AC_SOFT_EVENTS.has(e.event) ? 'warning' : 'error'}`;
        out.push(`teams: ${kind}: ${e.event}: ${e.message}${e.source ? ` (${e.source})` : ''}`);
      };
      result.parse.forEach((e) => event('parse', e));
      result.validation.forEach((e) => event('validation', e));
      if (!result.rendered) out.push('teams: adaptivecards rendered nothing');
      const declared = (content?.actions ?? []).length;
      if (result.buttons.length !== declared) out.push(`teams: ${declared} actions declared, ${result.buttons.length} buttons rendered`);
      return out;
    },
  };
}
