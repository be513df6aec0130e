/**
 * What travels through the queue: a batch task without its image bytes, plus where the image is
 * (an absolute path on storage the workers share) and its SHA-256, and the model id and samkit
 * version the result must come from. The job id is a hash of all of it, so the same image with the
 * same options and model is one job however often it is enqueued.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { sha256Hex, stableJson } from '../journal.js';
import type { Task } from '../tasks.js';

/** One BullMQ queue for every samkit job; jobs say which model and version they need. */
export const QUEUE_NAME = 'samkit';
/** Bumped when the job layout changes, so old workers refuse new jobs instead of misreading them. */
export const PROTOCOL = 1;

export type QueuedTask = Omit<Task, 'bytes'>;

export interface JobData {
  protocol: number;
  samkit: string;
  model: string;
  /** Absolute path of the image, read by the worker. */
  path: string;
  sha256: string;
  /** The task as the in-process runner gets it, without `bytes` (every option it carries is kept). */
  task: QueuedTask;
}

export interface ImageSource { path: string; sha256: string }

export function jobData(task: Task, source: ImageSource, model: string, samkit: string): JobData {
  const { bytes: _bytes, ...rest } = task;
  const queued = { ...rest } as QueuedTask & { store?: unknown; detector?: unknown };
  // A store folder is written or read by the worker: make it absolute like the image path.
  if (typeof queued.store === 'string') queued.store = path.resolve(queued.store);
  // So is a detector folder (a hub id, which is no local path, stays as it is).
  if (typeof queued.detector === 'string' && existsSync(queued.detector)) queued.detector = path.resolve(queued.detector);
  return { protocol: PROTOCOL, samkit, model, path: path.resolve(source.path), sha256: source.sha256, task: queued };
}

/** Content hash of image + options + model (+ version): the name of the image's display excluded. */
export function jobId(data: JobData): string {
  const { name: _name, ...task } = data.task;
  return sha256Hex(stableJson({ protocol: data.protocol, samkit: data.samkit, model: data.model, sha256: data.sha256, task }));
}

/** The task a worker runs for a job, with the bytes it read and checked. */
export function taskOf(data: JobData, bytes: Uint8Array): Task {
  return { ...data.task, bytes } as Task;
}
