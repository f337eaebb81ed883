import type { WorkerClass } from './lanes.js';

/** The per-photo pipeline, in order. `scan` happens in the engine when a file is registered. */
export const STAGES = ['scan', 'preprocess', 'metadata', 'detect', 'tag', 'embed', 'quality', 'persist'] as const;
export type Stage = (typeof STAGES)[number];

export const STAGE_STATES = ['pending', 'running', 'done', 'failed', 'skipped'] as const;
export type StageState = (typeof STAGE_STATES)[number];

/** Photo-level state, derived from its stages by the worker that finishes or fails it. */
export const PHOTO_STATES = ['queued', 'processing', 'done', 'failed', 'cancelled'] as const;
export type PhotoState = (typeof PHOTO_STATES)[number];

/**
 * Stages are grouped into one job per worker class so that a photo is decoded once per class:
 * the CPU job decodes and writes derivatives, the ML job reads the preview the CPU job wrote.
 */
export const JOB_STAGES: Record<WorkerClass, readonly Stage[]> = {
  cpu: ['preprocess', 'metadata'],
  ml: ['detect', 'tag', 'embed', 'quality', 'persist'],
};
