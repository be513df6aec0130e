import { stat } from 'node:fs/promises';

/** Whether a path exists (any kind of file); errors other than absence count as absent too. */
export async function fileExists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}
