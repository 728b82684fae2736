/**
 * A scrollable grid of `count` tiles that only keeps the visible rows (plus
 * one above and below) in the DOM. The page fills each tile when it is shown;
 * scrolling recycles tile elements instead of creating 10,000 of them.
 */

export interface GridTile {
  /** Position in the grid (the element index of the pipeline). */
  index: number;
  readonly element: HTMLElement;
  readonly canvas: HTMLCanvasElement;
  readonly caption: HTMLElement;
}

export interface GridOptions {
  readonly cellWidth: number;
  readonly cellHeight: number;
  readonly tileSize: number;
  /** A tile comes into view (fresh or recycled): fill it. */
  readonly onShow: (tile: GridTile) => void;
  /** The visible range changed: [start, stop) in element indexes. */
  readonly onRange: (start: number, stop: number) => void;
}

const OVERSCAN_ROWS = 1;

export class VirtualGrid {
  private readonly space: HTMLElement;
  private readonly shown = new Map<number, GridTile>();
  private readonly pool: GridTile[] = [];
  private count = 0;
  private columns = 1;
  private frame = 0;
  private start = 0;
  private stop = 0;

  constructor(
    private readonly viewport: HTMLElement,
    private readonly options: GridOptions,
  ) {
    this.space = document.createElement('div');
    this.space.className = 'grid-space';
    viewport.append(this.space);
    viewport.addEventListener('scroll', () => this.schedule(), { passive: true });
    new ResizeObserver(() => this.schedule()).observe(viewport);
  }

  /** Shows `count` new elements from the top (after a filter or a shuffle). */
  reset(count: number): void {
    for (const tile of this.shown.values()) this.hide(tile);
    this.count = count;
    this.start = this.stop = -1; // so that onRange fires even if the range looks the same
    this.viewport.scrollTop = 0;
    this.update();
  }

  /** The tile showing element `index`, if it is in view. */
  tile(index: number): GridTile | undefined {
    return this.shown.get(index);
  }

  /** The elements in view (with overscan): [start, stop). */
  get range(): readonly [number, number] {
    return [this.start, this.stop];
  }

  private schedule(): void {
    if (this.frame === 0) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.update();
      });
    }
  }

  private update(): void {
    const { cellWidth, cellHeight } = this.options;
    const width = this.viewport.clientWidth;
    this.columns = Math.max(1, Math.floor(width / cellWidth));
    const rows = Math.ceil(this.count / this.columns);
    this.space.style.height = `${rows * cellHeight}px`;
    const top = this.viewport.scrollTop;
    const firstRow = Math.max(0, Math.floor(top / cellHeight) - OVERSCAN_ROWS);
    const lastRow = Math.floor((top + this.viewport.clientHeight - 1) / cellHeight) + OVERSCAN_ROWS;
    const start = Math.min(this.count, firstRow * this.columns);
    const stop = Math.min(this.count, (lastRow + 1) * this.columns);
    for (const tile of [...this.shown.values()]) if (tile.index < start || tile.index >= stop) this.hide(tile);
    const left = Math.floor((width - this.columns * cellWidth) / 2);
    for (let i = start; i < stop; i++) {
      let tile = this.shown.get(i);
      if (!tile) {
        tile = this.pool.pop() ?? this.makeTile();
        tile.index = i;
        this.shown.set(i, tile);
        this.space.append(tile.element);
        this.options.onShow(tile);
      }
      const column = i % this.columns;
      const row = Math.floor(i / this.columns);
      tile.element.style.transform = `translate(${left + column * cellWidth}px, ${row * cellHeight}px)`;
    }
    if (start !== this.start || stop !== this.stop) {
      this.start = start;
      this.stop = stop;
      this.options.onRange(start, stop);
    }
  }

  private hide(tile: GridTile): void {
    this.shown.delete(tile.index);
    tile.element.remove();
    tile.index = -1;
    this.pool.push(tile);
  }

  private makeTile(): GridTile {
    const element = document.createElement('figure');
    element.className = 'tile';
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = this.options.tileSize;
    const caption = document.createElement('figcaption');
    element.append(canvas, caption);
    return { index: -1, element, canvas, caption };
  }
}
