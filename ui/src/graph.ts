// The DAG of an execution or of a validated definition. Up to DETAILED_LIMIT steps it is laid out by
// dagre (layered, left to right) and drawn in SVG, one node per step. Beyond that a full drawing is
// neither readable nor fast (Argo's UI stalls at a few thousand nodes), so the graph is collapsed by
// level: one row per dependency level with a bar of its steps' states, expanded on demand into step
// chips, rendered in slices. Node colours follow `data-state`, updated in place from the event stream.
import dagre from '@dagrejs/dagre';

export const DETAILED_LIMIT = 600;
const LEVEL_SLICE = 200;
const CHIP_SLICE = 500;
const SVG = 'http://www.w3.org/2000/svg';

export interface GraphStep {
  id: string;
  type: string;
  dependsOn: string[];
  state: string;
}

/** Dependency levels: 0 for steps without dependencies, else one more than the deepest dependency. */
export function levels(steps: GraphStep[]): string[][] {
  const byId = new Map(steps.map((s) => [s.id, s]));
  const level = new Map<string, number>();
  const children = new Map<string, string[]>();
  const pending = new Map<string, number>();
  for (const s of steps) {
    const deps = s.dependsOn.filter((d) => byId.has(d));
    pending.set(s.id, deps.length);
    for (const d of deps) {
      if (!children.has(d)) children.set(d, []);
      children.get(d)!.push(s.id);
    }
  }
  const queue = steps.filter((s) => pending.get(s.id) === 0).map((s) => s.id);
  for (const id of queue) level.set(id, 0);
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i];
    for (const child of children.get(id) ?? []) {
      level.set(child, Math.max(level.get(child) ?? 0, level.get(id)! + 1));
      const left = pending.get(child)! - 1;
      pending.set(child, left);
      if (left === 0) queue.push(child);
    }
  }
  const rows: string[][] = [];
  for (const s of steps) {
    const l = level.get(s.id) ?? 0;
    (rows[l] ??= []).push(s.id);
  }
  return rows.filter((r) => r !== undefined);
}

export class DagView {
  readonly detailed: boolean;
  private readonly states = new Map<string, string>();
  private readonly nodes = new Map<string, Element>();
  private readonly levelOf = new Map<string, number>();
  private rows: string[][] = [];
  private dirtyLevels = new Set<number>();
  private frame = 0;
  private highlighted = new Set<string>();

  constructor(private readonly container: HTMLElement, steps: GraphStep[], private readonly onSelect: (id: string) => void) {
    this.detailed = steps.length <= DETAILED_LIMIT;
    for (const s of steps) this.states.set(s.id, s.state);
    container.replaceChildren();
    container.classList.add('dag');
    if (this.detailed) this.drawDetailed(steps);
    else this.drawCollapsed(steps);
  }

  get stepCount(): number {
    return this.states.size;
  }

  /** Sets a step's state: the node's colour at once, or its level's bar at the next frame. */
  setState(id: string, state: string): void {
    if (!this.states.has(id) || this.states.get(id) === state) return;
    this.states.set(id, state);
    this.nodes.get(id)?.setAttribute('data-state', state);
    const level = this.levelOf.get(id);
    if (level !== undefined) {
      this.dirtyLevels.add(level);
      this.frame ||= requestAnimationFrame(() => this.flush());
    }
  }

  /** Marks `ids` (the critical path) or clears the marking. */
  highlight(ids: string[]): void {
    for (const id of this.highlighted) this.nodes.get(id)?.classList.remove('critical');
    this.highlighted = new Set(ids);
    for (const id of ids) this.nodes.get(id)?.classList.add('critical');
    this.container.classList.toggle('highlighting', ids.length > 0);
  }

  private drawDetailed(steps: GraphStep[]): void {
    const g = new dagre.graphlib.Graph();
    g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 48, marginx: 12, marginy: 12 });
    g.setDefaultEdgeLabel(() => ({}));
    for (const s of steps) g.setNode(s.id, { width: Math.max(110, 8 * Math.max(s.id.length, s.type.length) + 24), height: 44 });
    const ids = new Set(steps.map((s) => s.id));
    for (const s of steps) for (const d of s.dependsOn) if (ids.has(d)) g.setEdge(d, s.id);
    dagre.layout(g);
    const { width = 0, height = 0 } = g.graph();
    const svg = document.createElementNS(SVG, 'svg');
    svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
    svg.setAttribute('width', String(width));
    svg.setAttribute('height', String(height));
    svg.classList.add('dag-svg');
    for (const e of g.edges()) {
      const points = g.edge(e).points as { x: number; y: number }[];
      const path = document.createElementNS(SVG, 'path');
      path.setAttribute('d', 'M' + points.map((p) => `${p.x},${p.y}`).join(' L'));
      path.setAttribute('class', 'edge');
      path.setAttribute('data-from', e.v);
      path.setAttribute('data-to', e.w);
      svg.appendChild(path);
    }
    for (const s of steps) {
      const n = g.node(s.id);
      const group = document.createElementNS(SVG, 'g');
      group.setAttribute('class', 'node');
      group.setAttribute('data-step', s.id);
      group.setAttribute('data-state', s.state);
      group.setAttribute('transform', `translate(${n.x - n.width / 2},${n.y - n.height / 2})`);
      group.setAttribute('tabindex', '0');
      const rect = document.createElementNS(SVG, 'rect');
      rect.setAttribute('width', String(n.width));
      rect.setAttribute('height', String(n.height));
      rect.setAttribute('rx', '6');
      const name = document.createElementNS(SVG, 'text');
      name.setAttribute('x', '10');
      name.setAttribute('y', '18');
      name.setAttribute('class', 'name');
      name.textContent = s.id;
      const type = document.createElementNS(SVG, 'text');
      type.setAttribute('x', '10');
      type.setAttribute('y', '34');
      type.setAttribute('class', 'type');
      type.textContent = s.type;
      group.append(rect, name, type);
      group.addEventListener('click', () => this.onSelect(s.id));
      group.addEventListener('keydown', (ev) => { if ((ev as KeyboardEvent).key === 'Enter') this.onSelect(s.id); });
      svg.appendChild(group);
      this.nodes.set(s.id, group);
    }
    this.container.appendChild(svg);
  }

  private drawCollapsed(steps: GraphStep[]): void {
    this.rows = levels(steps);
    this.rows.forEach((row, l) => row.forEach((id) => this.levelOf.set(id, l)));
    const note = document.createElement('p');
    note.className = 'note';
    note.textContent = `${steps.length.toLocaleString()} steps in ${this.rows.length.toLocaleString()} levels: collapsed by level (graphs above ${DETAILED_LIMIT} steps). Open a level to see its steps.`;
    const list = document.createElement('div');
    list.className = 'levels';
    this.container.append(note, list);
    this.appendLevels(list, 0);
  }

  private appendLevels(list: HTMLElement, from: number): void {
    const to = Math.min(this.rows.length, from + LEVEL_SLICE);
    for (let l = from; l < to; l++) list.appendChild(this.levelRow(l));
    if (to < this.rows.length) {
      const more = document.createElement('button');
      more.textContent = `Show levels ${to + 1}–${Math.min(this.rows.length, to + LEVEL_SLICE)} of ${this.rows.length}`;
      more.addEventListener('click', () => { more.remove(); this.appendLevels(list, to); });
      list.appendChild(more);
    }
  }

  private levelRow(l: number): HTMLElement {
    const row = document.createElement('details');
    row.className = 'level';
    row.dataset.level = String(l);
    const summary = document.createElement('summary');
    const label = document.createElement('span');
    label.className = 'level-label';
    label.textContent = `Level ${l + 1} · ${this.rows[l].length.toLocaleString()} step${this.rows[l].length === 1 ? '' : 's'}`;
    const bar = document.createElement('span');
    bar.className = 'level-bar';
    summary.append(label, bar);
    row.appendChild(summary);
    this.paintBar(l, bar);
    row.addEventListener('toggle', () => {
      if (row.open && !row.querySelector('.chips')) {
        const chips = document.createElement('div');
        chips.className = 'chips';
        row.appendChild(chips);
        this.appendChips(l, chips, 0);
      }
    });
    return row;
  }

  private appendChips(l: number, chips: HTMLElement, from: number): void {
    const ids = this.rows[l];
    const to = Math.min(ids.length, from + CHIP_SLICE);
    const fragment = document.createDocumentFragment();
    for (let i = from; i < to; i++) {
      const id = ids[i];
      const chip = document.createElement('button');
      chip.className = 'chip node';
      chip.dataset.step = id;
      chip.dataset.state = this.states.get(id)!;
      chip.textContent = id;
      chip.addEventListener('click', () => this.onSelect(id));
      this.nodes.set(id, chip);
      fragment.appendChild(chip);
    }
    chips.appendChild(fragment);
    if (to < ids.length) {
      const more = document.createElement('button');
      more.className = 'more';
      more.textContent = `${(ids.length - to).toLocaleString()} more`;
      more.addEventListener('click', () => { more.remove(); this.appendChips(l, chips, to); });
      chips.appendChild(more);
    }
  }

  private paintBar(l: number, bar: Element): void {
    const counts = new Map<string, number>();
    for (const id of this.rows[l]) counts.set(this.states.get(id)!, (counts.get(this.states.get(id)!) ?? 0) + 1);
    bar.replaceChildren();
    for (const [state, count] of [...counts].sort()) {
      const part = document.createElement('span');
      part.dataset.state = state;
      part.style.flexGrow = String(count);
      part.title = `${count} ${state}`;
      part.textContent = `${count} ${state}`;
      bar.appendChild(part);
    }
  }

  private flush(): void {
    this.frame = 0;
    for (const l of this.dirtyLevels) {
      const bar = this.container.querySelector(`.level[data-level="${l}"] .level-bar`);
      if (bar) this.paintBar(l, bar);
    }
    this.dirtyLevels.clear();
  }
}
