// Numbers as people read them in the UI.

export function percent(v: number | undefined, digits = 1): string {
  return v === undefined || !Number.isFinite(v) ? '–' : `${(v * 100).toFixed(digits)}%`;
}

export function fixed(v: number | undefined, digits = 3): string {
  return v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits);
}

/** 42s, 3m05s, 1h02m. */
export function duration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return '–';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

export function grid(g: number[] | undefined): string {
  return g ? g.join('×') : '–';
}

/** A run's creation time in the user's locale; the ISO string itself if it does not parse. */
export function when(iso: string | undefined): string {
  if (!iso) return '–';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function count(n: number): string {
  return n.toLocaleString('en-US');
}
