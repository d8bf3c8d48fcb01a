/**
 * Geometry of the server-rendered "events per day" bar chart (pure). The page
 * draws it as SVG with classes only (the CSP forbids style attributes), so no
 * chart script is needed.
 */

export interface ChartBar {
  label: string;
  value: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface BarChart {
  width: number;
  height: number;
  /** Top of the value axis, a "nice" number ≥ the largest value. */
  max: number;
  /** Plot area. */
  plot: { left: number; top: number; width: number; height: number };
  bars: ChartBar[];
  /** Horizontal grid lines with their values. */
  ticks: { value: number; y: number }[];
}

/** The smallest of 1, 2, 2.5, 5 × 10^n that is ≥ `value` (1 for 0). */
export function niceCeiling(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= value) return step * power;
  }
  return 10 * power;
}

/**
 * Lays out one bar per point in a `width` × `height` box, with room on the
 * left for value labels and below for day labels.
 *
 * @example
 * barChart([{ label: "2026-01-01", value: 3 }], 600, 200).bars[0]!.height > 0; // true
 */
export function barChart(
  points: readonly { label: string; value: number }[],
  width = 720,
  height = 220,
): BarChart {
  const plot = { left: 48, top: 12, width: width - 60, height: height - 44 };
  const max = niceCeiling(Math.max(0, ...points.map((p) => p.value)));
  const slot = points.length > 0 ? plot.width / points.length : plot.width;
  const barWidth = Math.max(1, slot * 0.7);
  const round = (n: number) => Math.round(n * 10) / 10;
  const bars = points.map((point, i) => {
    const h = (Math.max(0, point.value) / max) * plot.height;
    return {
      label: point.label,
      value: point.value,
      x: round(plot.left + i * slot + (slot - barWidth) / 2),
      y: round(plot.top + plot.height - h),
      width: round(barWidth),
      height: round(h),
    };
  });
  const ticks = [0, 0.5, 1].map((f) => ({
    value: round(max * f),
    y: round(plot.top + plot.height - f * plot.height),
  }));
  return { width, height, max, plot, bars, ticks };
}
