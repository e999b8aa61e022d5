import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';

export interface Point {
  readonly x: number;
  readonly y: number;
}

export async function box(locator: Locator) {
  const found = await locator.boundingBox();
  if (!found) throw new Error(`not visible: ${locator}`);
  return found;
}

export async function center(locator: Locator): Promise<Point> {
  const b = await box(locator);
  return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
}

/** The centre once it stops moving (a node's handles shift while it re-renders, e.g. a switch's cases). */
export async function settledCenter(locator: Locator): Promise<Point> {
  let last = await center(locator);
  await expect
    .poll(async () => {
      const now = await center(locator);
      const same = now.x === last.x && now.y === last.y;
      last = now;
      return same;
    })
    .toBe(true);
  return last;
}

/**
 * The editor canvas of the page `page()` returns (a getter: files open their page in `beforeAll`),
 * used as a person would: nodes by id, their output handles, edges drawn by dragging, nodes
 * dropped from the palette.
 */
export function onCanvas(page: () => Page) {
  const node = (id: string) => page().locator(`[data-node-id="${id}"]`);
  const output = (id: string, handle: string) =>
    page().locator(`[data-node-id="${id}"] .react-flow__handle.source[data-handleid="${handle}"]`);
  const edges = () => page().locator('.react-flow__edge').count();

  /**
   * Drags from `from`'s output to `to`'s input. On a starved machine a handle can still move under a
   * drag that began (the panel re-renders the node): a gesture that made no edge is made again, a
   * few times at most; the edge itself is what the tests assert.
   */
  async function connect(from: string, to: string, handle = 'out') {
    const before = await edges();
    for (let attempt = 1; ; attempt++) {
      const start = await settledCenter(output(from, handle));
      // A node may have more than one input; the first is its main one.
      const end = await settledCenter(node(to).locator('.react-flow__handle.target').first());
      const mouse = page().mouse;
      await mouse.move(start.x, start.y);
      await mouse.down();
      await mouse.move(start.x + 20, start.y + 5, { steps: 3 });
      await mouse.move(end.x, end.y, { steps: 12 });
      await mouse.up();
      const made = await expect
        .poll(edges, { timeout: 3_000 })
        .toBeGreaterThan(before)
        .then(
          () => true,
          () => false,
        );
      if (made || attempt === 3) return;
    }
  }

  /** Drops a node of `type` from the palette at (`x`, `y`) on the canvas. */
  async function dragFromPalette(type: string, x: number, y: number) {
    await page().dragAndDrop(`[data-node-type="${type}"]`, '[data-testid="canvas"]', {
      targetPosition: { x, y },
    });
  }

  /**
   * Clicks "Fit" and waits for the view's animation to end: its transform unchanged for 400 ms
   * and over several frames. Comparing two boxes read 50 ms apart is not enough on a starved
   * machine, where the browser may draw no frame between them and the view then moves on under a
   * gesture that has begun.
   */
  async function fitView() {
    await page().getByRole('button', { name: 'Fit', exact: true }).click();
    await page().evaluate(
      () =>
        new Promise<void>((resolve) => {
          const viewport = document.querySelector<HTMLElement>('.react-flow__viewport');
          if (!viewport) throw new Error('no React Flow viewport on the page');
          let last = viewport.style.transform;
          let since = performance.now();
          let frames = 0;
          const tick = () => {
            const now = viewport.style.transform;
            if (now !== last) {
              last = now;
              since = performance.now();
              frames = 0;
            }
            frames += 1;
            if (frames >= 5 && performance.now() - since >= 400) resolve();
            else requestAnimationFrame(tick);
          };
          requestAnimationFrame(tick);
        }),
    );
  }

  return { node, output, connect, dragFromPalette, fitView };
}
