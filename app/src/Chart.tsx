/** A line chart (uPlot): x as unix seconds, one or more series of numbers (display only; the values are formatted from bigints). */
import { useEffect, useRef } from "react";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";

export interface Line {
  label: string;
  values: (number | null)[];
  color: string;
}

export function Chart({ x, lines, title, testId }: { x: number[]; lines: Line[]; title: string; testId: string }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!ref.current || x.length === 0) return undefined;
    const plot = new uPlot(
      {
        title,
        width: Math.min(900, ref.current.clientWidth || 900),
        height: 260,
        series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 2, points: { show: true, size: 5 } }))],
        axes: [{}, { size: 70 }],
      },
      [x, ...lines.map((l) => l.values)],
      ref.current,
    );
    return () => plot.destroy();
  }, [x, lines, title]);
  return (
    <div ref={ref} data-testid={testId} className="chart">
      {x.length === 0 ? <p>No data yet.</p> : null}
    </div>
  );
}
