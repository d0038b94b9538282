export interface Series {
  label: string;
  points: { x: number; y: number }[];
}

const COLORS = ['#2b6cb0', '#718096', '#c53030', '#2f855a', '#b7791f'];
const W = 720;
const H = 420;
const PAD = { left: 80, right: 220, top: 40, bottom: 50 };

/** A small dependency-free line chart: one line per series, linear axes from zero. */
export function lineChart(title: string, xLabel: string, yLabel: string, series: Series[]): string {
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y));
  const xMax = Math.max(...xs);
  const yMax = niceCeiling(Math.max(...ys));
  const px = (x: number) => PAD.left + (x / xMax) * (W - PAD.left - PAD.right);
  const py = (y: number) => H - PAD.bottom - (y / yMax) * (H - PAD.top - PAD.bottom);
  const grid = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = py(f * yMax);
    return `<line x1="${PAD.left}" y1="${y}" x2="${W - PAD.right}" y2="${y}" stroke="#e2e8f0"/><text x="${PAD.left - 8}" y="${y + 4}" text-anchor="end">${format(f * yMax)}</text>`;
  });
  const ticks = [...new Set(xs)]
    .sort((a, b) => a - b)
    .map((x) => `<text x="${px(x)}" y="${H - PAD.bottom + 18}" text-anchor="middle">${x}</text>`);
  const lines = series.map((s, i) => {
    const color = COLORS[i % COLORS.length];
    const path = s.points.map((p) => `${px(p.x)},${py(p.y)}`).join(' ');
    const dots = s.points.map((p) => `<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3.5" fill="${color}"/>`).join('');
    const legendY = PAD.top + 10 + i * 22;
    return `<polyline fill="none" stroke="${color}" stroke-width="2.5" points="${path}"/>${dots}<rect x="${W - PAD.right + 16}" y="${legendY - 9}" width="14" height="4" fill="${color}"/><text x="${W - PAD.right + 36}" y="${legendY - 3}">${escapeXml(s.label)}</text>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="12" fill="#1a202c">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${PAD.left}" y="22" font-size="15" font-weight="600">${escapeXml(title)}</text>
${grid.join('\n')}
${ticks.join('\n')}
<text x="${(PAD.left + W - PAD.right) / 2}" y="${H - 12}" text-anchor="middle">${escapeXml(xLabel)}</text>
<text transform="translate(18 ${(PAD.top + H - PAD.bottom) / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>
${lines.join('\n')}
</svg>
`;
}

function niceCeiling(value: number): number {
  const step = 10 ** Math.floor(Math.log10(value || 1));
  return Math.ceil(value / step) * step;
}

function format(value: number): string {
  return value >= 1000 ? `${Math.round(value / 1000)}k` : String(Math.round(value));
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
