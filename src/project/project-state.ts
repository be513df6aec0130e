/**
 * Pure mapping of a project's images to their annotation state, shared by the server's project
 * routes and the tests: no I/O here.
 */
import type { ProjectClass } from './classes.js';

export type ImageState = 'not-started' | 'in-progress' | 'done';

export interface ProjectImage {
  /** Content hash (the app's image id). */
  id: string;
  /** Path inside the project folder, posix separators. */
  rel: string;
  name: string;
  width: number;
  height: number;
  objects: number;
  state: ImageState;
}

/** Done is the user's word; otherwise an image with objects is in progress, one without is not started. */
export function imageState(objects: number, done: boolean): ImageState {
  if (done) return 'done';
  return objects > 0 ? 'in-progress' : 'not-started';
}

/** The project file (`<project>/.samkit/project.json`): what the folder itself cannot say. */
export interface ProjectFile {
  version: 1;
  /** Image ids the user marked done. */
  done: string[];
  /** The project's classes (set by `--classes`). */
  classes: ProjectClass[];
}

export function parseProjectFile(text: string | null): ProjectFile {
  if (text === null) return { version: 1, done: [], classes: [] };
  let raw: unknown;
  try { raw = JSON.parse(text); } catch { return { version: 1, done: [], classes: [] }; }
  const done = (raw as { done?: unknown })?.done;
  const classes = (raw as { classes?: unknown })?.classes;
  return {
    version: 1,
    done: Array.isArray(done) ? done.filter((d): d is string => typeof d === 'string') : [],
    classes: Array.isArray(classes) ? classes.filter((c): c is ProjectClass => typeof (c as ProjectClass)?.name === 'string' && typeof (c as ProjectClass)?.color === 'string') : [],
  };
}
