import type { BurndownPoint } from '../../db/campaigns/progress.js';
import { formatTime } from './components.js';

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 56, right: 16, top: 12, bottom: 36 };

/**
 * Tasks still open over time as a server-rendered SVG: the measured line as steps, and the
 * ideal line from all tasks at launch to none at the due date. Presentation attributes, not
 * style attributes, so the page's content security policy allows it. A table with the same
 * points follows for screen readers.
 */
export function BurndownChart(props: {
  points: BurndownPoint[];
  total: number;
  launchedAt: Date | null;
  dueAt: Date;
}) {
  if (!props.launchedAt || props.points.length === 0) {
    return <p class="muted">The burndown starts once the campaign is launched.</p>;
  }
  const start = props.launchedAt.getTime();
  const lastPoint = Date.parse(props.points.at(-1)!.at);
  const end = Math.max(props.dueAt.getTime(), lastPoint, start + 60_000);
  const top = Math.max(props.total, 1);
  const x = (time: number) =>
    PAD.left + ((time - start) / (end - start)) * (WIDTH - PAD.left - PAD.right);
  const y = (remaining: number) =>
    PAD.top + (1 - remaining / top) * (HEIGHT - PAD.top - PAD.bottom);

  let path = '';
  let previous: number | undefined;
  for (const point of props.points) {
    const px = x(Date.parse(point.at)).toFixed(1);
    const py = y(point.remaining).toFixed(1);
    path += previous === undefined ? `M${px},${py}` : ` H${px} V${py}`;
    previous = point.remaining;
  }
  const bottom = HEIGHT - PAD.bottom;
  const dueX = x(props.dueAt.getTime()).toFixed(1);

  return (
    <figure class="burndown">
      <svg
        viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
        width="100%"
        role="img"
        aria-labelledby="burndown-title"
      >
        <title id="burndown-title">{`Open tasks over time: ${props.points.at(-1)!.remaining} of ${props.total} still open`}</title>
        <line x1={PAD.left} y1={bottom} x2={WIDTH - PAD.right} y2={bottom} stroke="#8c959f" />
        <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={bottom} stroke="#8c959f" />
        <text x={PAD.left - 6} y={PAD.top + 4} text-anchor="end" font-size="11" fill="#57606a">
          {String(props.total)}
        </text>
        <text x={PAD.left - 6} y={bottom} text-anchor="end" font-size="11" fill="#57606a">
          0
        </text>
        <line
          x1={PAD.left}
          y1={y(props.total)}
          x2={dueX}
          y2={bottom}
          stroke="#8c959f"
          stroke-dasharray="4 4"
        />
        <line
          x1={dueX}
          y1={PAD.top}
          x2={dueX}
          y2={bottom}
          stroke="#cf222e"
          stroke-dasharray="2 3"
        />
        <text x={dueX} y={HEIGHT - 20} text-anchor="end" font-size="11" fill="#cf222e">
          due
        </text>
        <path d={path} fill="none" stroke="#0969da" stroke-width="2" />
        <text x={PAD.left} y={HEIGHT - 6} font-size="11" fill="#57606a">
          {formatTime(props.launchedAt)}
        </text>
        <text x={WIDTH - PAD.right} y={HEIGHT - 6} text-anchor="end" font-size="11" fill="#57606a">
          {formatTime(new Date(end))}
        </text>
      </svg>
      <figcaption class="muted">
        Blue: tasks still open. Dashed: an even pace from launch to the due date.
      </figcaption>
      <details>
        <summary>Burndown as a table</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Open tasks</th>
            </tr>
          </thead>
          <tbody>
            {props.points.map((point) => (
              <tr>
                <td>{formatTime(point.at)}</td>
                <td>{String(point.remaining)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
