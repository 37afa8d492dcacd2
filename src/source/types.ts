// What the source hands on: batches of complete lines, each line with its position.

/** One segment file as the reader knows it. */
export interface SegmentRef {
  /** stream key: directory + suffix (see streamKey); checkpoints are kept per stream */
  stream: string;
  dir: string;
  name: string;
  path: string;
  suffix: string;
  /** open time encoded in the name (ms); NaN for a file named on the command line that is not a segment name */
  openedAtMs: number;
}

/**
 * Consecutive complete lines of one segment, as they lie in one decode buffer.
 * Line i (0-based within the batch) is `buf[bounds[i], bounds[i+1])`, its trailing "\n" included;
 * its line index in the segment is `firstLine + i` and its decompressed byte offset
 * `bufOffset + bounds[i]`. `buf` is never written again after the batch is handed on.
 */
export interface LineBatch {
  segment: SegmentRef;
  buf: Buffer;
  bounds: Int32Array;
  count: number;
  firstLine: number;
  bufOffset: number;
}

/**
 * A stream is one directory's segments with one suffix; name order is read order within it. Its
 * key, `<dir>/*<suffix>` (a single file named on the command line: its path), is the checkpoint
 * table's primary key: its grammar lives here only.
 */
export function streamKey(dir: string, suffix: string): string {
  return `${dir}/*${suffix}`;
}

/** Whether stream key `stream` is one of directory `dir`'s streams. */
export function isStreamOf(stream: string, dir: string): boolean {
  return stream.startsWith(`${dir}/*`);
}

/** The directory of stream key `stream`, null for a single file's. */
export function streamDir(stream: string): string | null {
  const star = stream.lastIndexOf('/*');
  return star < 0 ? null : stream.slice(0, star);
}
