// The light curve per band with uPlot: detections (filled, with error bars), forced photometry
// (hollow squares, with error bars) and upper limits (downward triangles at the limiting magnitude).
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { bandColours } from './format.js';
import { html } from './html.js';
import { lightCurveData } from './lightcurve-data.js';

const KIND_LABEL = { detection: 'detections', forced: 'forced phot.', upperlimit: 'upper limits' };

/** Error bars and upper-limit triangles, drawn after uPlot's own points. */
function drawExtras(meta) {
  return (u) => {
    const { ctx } = u;
    ctx.save();
    meta.forEach((m, s) => {
      const series = u.series[s + 1];
      if (!series.show) return;
      const xs = u.data[0];
      const ys = u.data[s + 1];
      ctx.strokeStyle = m.colour;
      ctx.fillStyle = m.colour;
      ctx.lineWidth = 1 * devicePixelRatio;
      for (let i = 0; i < xs.length; i += 1) {
        if (ys[i] === null || ys[i] === undefined) continue;
        const x = u.valToPos(xs[i], 'x', true);
        const y = u.valToPos(ys[i], 'y', true);
        if (m.kind === 'upperlimit') {
          const r = 5 * devicePixelRatio;
          ctx.beginPath();
          ctx.moveTo(x - r, y - r * 0.6);
          ctx.lineTo(x + r, y - r * 0.6);
          ctx.lineTo(x, y + r);
          ctx.closePath();
          ctx.globalAlpha = 0.45;
          ctx.fill();
          ctx.globalAlpha = 1;
        } else if (typeof m.errs[i] === 'number') {
          const y0 = u.valToPos(ys[i] - m.errs[i], 'y', true);
          const y1 = u.valToPos(ys[i] + m.errs[i], 'y', true);
          ctx.beginPath();
          ctx.moveTo(x, y0);
          ctx.lineTo(x, y1);
          ctx.stroke();
        }
      }
    });
    ctx.restore();
  };
}

export function LightCurve({ points, height = 320 }) {
  const box = useRef(null);
  const [mode, setMode] = useState('mag');
  const data = lightCurveData(points ?? [], mode);

  useEffect(() => {
    if (!box.current || data.xs.length === 0) return undefined;
    const meta = data.series.map((s) => ({ ...s, colour: bandColours[s.band] ?? '#333' }));
    const plot = new uPlot(
      {
        width: Math.max(320, box.current.clientWidth || 640),
        height,
        scales: { x: { time: false }, y: { dir: mode === 'mag' ? -1 : 1 } },
        axes: [{ label: 'MJD' }, { label: mode === 'mag' ? 'magnitude' : 'difference flux (nJy)', size: mode === 'mag' ? 50 : 80 }],
        series: [
          { label: 'MJD' },
          ...meta.map((m) => ({
            label: `${m.band} ${KIND_LABEL[m.kind]}`,
            stroke: m.colour,
            paths: () => null,
            points: m.kind === 'upperlimit' ? { show: false } : { show: true, size: m.kind === 'forced' ? 6 : 7, width: 1.5, stroke: m.colour, fill: m.kind === 'forced' ? '#fff' : m.colour },
          })),
        ],
        hooks: { draw: [drawExtras(meta)] },
        legend: { live: false },
      },
      [data.xs, ...meta.map((m) => m.ys)],
      box.current,
    );
    return () => plot.destroy();
  }, [points, mode, height]);

  if (data.xs.length === 0 && mode === 'mag') return html`<p class="muted" data-testid="lightcurve-empty">No light-curve points with a magnitude.</p>`;
  return html`
    <div class="lightcurve" data-testid="lightcurve">
      <div class="toolbar">
        <label class="inline"><input type="radio" name="lcmode" checked=${mode === 'mag'} onChange=${() => setMode('mag')} /> magnitude</label>
        <label class="inline"><input type="radio" name="lcmode" checked=${mode === 'flux'} onChange=${() => setMode('flux')} /> flux</label>
        <span class="muted" data-testid="lightcurve-counts">${data.counts.detection} detections, ${data.counts.forced} forced photometry, ${data.counts.upperlimit} upper limits${mode === 'flux' ? ' (not in flux)' : ''}</span>
      </div>
      <div ref=${box}></div>
      <p class="muted legend-note">● detection ± error · ○ forced photometry · ▼ upper limit (5σ limiting magnitude)</p>
    </div>
  `;
}
