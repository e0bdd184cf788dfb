// A yardstick for the search bench: the least a Node program that prints its input can do. It reads
// the log in 1 MB chunks, cuts each line into a string as the search does, and writes every line back
// (ropes of 64 KiB through one reused buffer): no parsing, no grouping, no interpretation.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string; latin1Write(s: string, at: number): number };

const fd = openSync(process.argv[2]!, 'r');
const chunk = Buffer.allocUnsafe(1 << 20) as Latin1Buffer;
const out = Buffer.allocUnsafe(1 << 18) as Latin1Buffer;
let carry = '';
let rope = '';
const flush = () => {
  const n = out.latin1Write(rope, 0);
  writeSync(1, out, 0, n);
  rope = '';
};
for (;;) {
  const n = readSync(fd, chunk, 0, chunk.length, null);
  if (n === 0) break;
  let start = 0;
  for (;;) {
    const nl = chunk.indexOf(10, start);
    if (nl < 0 || nl >= n) break;
    let line = chunk.latin1Slice(start, nl);
    if (carry) {
      line = carry + line;
      carry = '';
    }
    rope += line;
    rope += '\n';
    if (rope.length > 65536) flush();
    start = nl + 1;
  }
  if (start < n) carry += chunk.latin1Slice(start, n);
}
if (carry) rope += carry;
flush();
closeSync(fd);
