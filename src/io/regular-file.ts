/**
 * Reading files that must be regular files. Opening a FIFO for reading blocks until a writer
 * appears (forever, for a stray named pipe), and a device can be endless: files are opened
 * non-blocking and checked with fstat before anything is read.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

/** The path exists but is a FIFO, socket, device or folder. */
export class NotRegularFileError extends Error {
  readonly code = 'ENOTREGULAR';
}

/** Open for reading without blocking; throws NotRegularFileError unless it is a regular file. */
export async function openRegular(file: string): Promise<FileHandle> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new NotRegularFileError(`${file} is not a regular file (${st.isFIFO() ? 'a named pipe' : st.isDirectory() ? 'a folder' : st.isSocket() ? 'a socket' : 'a device'})`);
    return fh;
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** The whole content of a regular file. */
export async function readRegularFile(file: string): Promise<Buffer> {
  const fh = await openRegular(file);
  try {
    return await fh.readFile();
  } finally {
    await fh.close();
  }
}
