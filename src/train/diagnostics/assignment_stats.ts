// Per-epoch statistics of the loss's anchor assignment, to see why a rule
// fails (the series' compute_loss2 never learned): how often a label's
// assigned (scale, anchor) changes from one epoch to the next, how well the
// assigned predictions fit their labels, and the objectness the network
// predicts at assigned cells against every other cell. Plain numbers in,
// plain numbers out; the hook (hooks/diagnostics.ts) feeds it.

/** One assigned (label, anchor) row, as the hook reads it from the heads. */
export interface AssignedRow {
  /** The label's identity across epochs: image id and its row within that image. */
  label: string;
  s: number;
  a: number;
  /** IoU of the assigned prediction's box with the label's, grid units. */
  iou: number;
  /** Predicted objectness (sigmoid) at the assigned cell. */
  obj: number;
  /** The cell's key (s, b, a, j, i), to count a cell assigned twice once. */
  cell: string;
}

/** What one step contributes. */
export interface StepStats {
  rows: AssignedRow[];
  /** Sum of sigmoid(objectness) over every prediction of the batch, and their count. */
  objSum: number;
  objCount: number;
}

export interface EpochStats {
  /** Fraction of labels, seen in this epoch and the previous one, whose set of (s, a) changed; undefined in the first epoch. */
  assignChanged?: number;
  /** Mean IoU of the assigned predictions. */
  assignedIou?: number;
  /** Mean objectness at assigned cells (each cell once) and at every other cell. */
  objAssigned?: number;
  objElsewhere?: number;
}

/** Accumulates steps into epochs; keeps each label's last assignment for the next epoch's comparison. */
export class AssignmentStats {
  #previous = new Map<string, string>();
  #current = new Map<string, string>();
  #iouSum = 0;
  #rows = 0;
  #objAssignedSum = 0;
  #cells = 0;
  #objSum = 0;
  #objCount = 0;

  addStep(step: StepStats): void {
    const perLabel = new Map<string, string[]>();
    const cells = new Map<string, number>();
    for (const r of step.rows) {
      if (!perLabel.has(r.label)) perLabel.set(r.label, []);
      perLabel.get(r.label)!.push(`${r.s}:${r.a}`);
      this.#iouSum += r.iou;
      this.#rows++;
      cells.set(r.cell, r.obj);
    }
    for (const [label, pairs] of perLabel) this.#current.set(label, pairs.sort().join(','));
    for (const obj of cells.values()) this.#objAssignedSum += obj;
    this.#cells += cells.size;
    this.#objSum += step.objSum;
    this.#objCount += step.objCount;
  }

  /** The epoch's statistics; starts the next epoch. */
  endEpoch(): EpochStats {
    let seen = 0, changed = 0;
    for (const [label, now] of this.#current) {
      const before = this.#previous.get(label);
      if (before === undefined) continue;
      seen++;
      if (before !== now) changed++;
    }
    const elsewhere = this.#objCount - this.#cells;
    const out: EpochStats = {
      assignChanged: seen > 0 ? changed / seen : undefined,
      assignedIou: this.#rows > 0 ? this.#iouSum / this.#rows : undefined,
      objAssigned: this.#cells > 0 ? this.#objAssignedSum / this.#cells : undefined,
      objElsewhere: elsewhere > 0 ? (this.#objSum - this.#objAssignedSum) / elsewhere : undefined,
    };
    for (const [label, now] of this.#current) this.#previous.set(label, now);
    this.#current = new Map();
    this.#iouSum = this.#rows = this.#objAssignedSum = this.#cells = this.#objSum = this.#objCount = 0;
    return out;
  }

  /** For the checkpoint, also mid-epoch: the labels' assignments and the epoch's sums so far. */
  stateDict(): AssignmentStatsState {
    return {
      previous: Object.fromEntries(this.#previous),
      current: Object.fromEntries(this.#current),
      sums: [this.#iouSum, this.#rows, this.#objAssignedSum, this.#cells, this.#objSum, this.#objCount],
    };
  }

  loadStateDict(state: AssignmentStatsState | undefined): void {
    this.#previous = new Map(Object.entries(state?.previous ?? {}));
    this.#current = new Map(Object.entries(state?.current ?? {}));
    [this.#iouSum, this.#rows, this.#objAssignedSum, this.#cells, this.#objSum, this.#objCount] = state?.sums ?? [0, 0, 0, 0, 0, 0];
  }
}

export interface AssignmentStatsState {
  previous: Record<string, string>;
  current: Record<string, string>;
  sums: [number, number, number, number, number, number];
}
