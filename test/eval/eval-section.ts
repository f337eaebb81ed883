/** One part of `npm run eval`: what it measured, as table rows and raw figures for the JSON. */
export interface EvalRow {
  /** What was measured, e.g. "duplicate pairs: precision". */
  measurement: string;
  value: string;
  /** e.g. "≥ 0.95"; empty when informational. */
  target?: string;
  /** "met", "MISSED …", or "info". */
  verdict?: string;
}

export interface EvalSectionResult {
  name: string;
  /** How the sets were built, in a sentence or two (printed above the table). */
  about: string;
  rows: EvalRow[];
  /** Everything a later session needs to compare against (curves, per-item results…). */
  raw: unknown;
}

export interface EvalSection {
  name: string;
  run(options: { quick: boolean; sharedDir: string; workDir: string }): Promise<EvalSectionResult>;
}
