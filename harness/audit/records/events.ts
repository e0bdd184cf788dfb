// Groups records into events the way ausearch does (src/ausearch-lol.c), so that event boundaries
// and output order match it: records join the open event with the same (sec, msec, serial, node);
// an event is complete when its first record is a one-record type, when a new event starts
// eoeTimeout seconds later, or at the end of input; complete events leave in time order, and
// only when no earlier event is still open. A stray EOE is dropped.
import {
  AUDIT_EOE, AUDIT_FIRST_ANOM_MSG, AUDIT_FIRST_EVENT, AUDIT_KERNEL, AUDIT_MAC_CALIPSO_DEL,
  AUDIT_MAC_UNLBL_ALLOW, AUDIT_PROCTITLE,
} from './record-types.js';
import type { AuditEvent, AuditRecord } from './types.js';

interface Slot {
  event: AuditEvent;
  /** The event's time, kept here for the heap's comparisons (no hop to the event). */
  sec: number;
  msec: number;
  serial: number;
  firstType: number;
  complete: boolean;
  /** Its index in `slots` (fixed while it is open: ties between equal times go to the lowest). */
  index: number;
}

function isSingleRecordType(t: number): boolean {
  return t === AUDIT_PROCTITLE || t < AUDIT_FIRST_EVENT || t >= AUDIT_FIRST_ANOM_MSG || t === AUDIT_KERNEL ||
    (t >= AUDIT_MAC_UNLBL_ALLOW && t <= AUDIT_MAC_CALIPSO_DEL);
}

/** Is slot `a` before `b`: the earlier time, else the lower index (what ausearch's scan finds first)? */
function before(a: Slot, b: Slot): boolean {
  if (a.sec !== b.sec) return a.sec < b.sec;
  if (a.msec !== b.msec) return a.msec < b.msec;
  if (a.serial !== b.serial) return a.serial < b.serial;
  return a.index < b.index;
}

export class EventAssembler {
  /** Like ausearch's array of lists: freed slots are reused, which decides ties between equal times. */
  private slots: (Slot | undefined)[] = [];
  /** Open events by serial (several events may share one: compared on time and node). */
  private open = new Map<number, Slot | Slot[]>();
  /** The slot the last record went to: most records join it, found with no Map lookup. */
  private last: Slot | undefined;
  /** Complete slots (ausearch's `ready`): none, and nothing can leave. */
  private ready = 0;
  /** No open event is older than this (a lower bound): the eoe-timeout scan is skipped until it can complete one. */
  private oldestOpen = Infinity;
  /**
   * The slots in use as a binary min-heap by (time, index): its top is the slot ausearch's scan of
   * the whole array finds first (the earliest time, the lowest index among equal ones), without the scan.
   */
  private readonly heap: Slot[] = [];
  /**
   * Freed indices below slots.length as a binary min-heap (ausearch takes the lowest free slot), so that a new
   * event does not scan the array for it (some 4000 slots on a busy host's log). Entries at or past
   * slots.length were cut off the end of the array: when the least is one, all are, and they are dropped.
   */
  private readonly free: number[] = [];

  constructor(private readonly eoeTimeout = 2) {}

  private static same(s: Slot, r: AuditRecord): boolean {
    const e = s.event;
    return e.sec === r.sec && e.msec === r.msec && e.node === r.node;
  }

  private find(r: AuditRecord): Slot | undefined {
    const v = this.open.get(r.serial);
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return EventAssembler.same(v, r) ? v : undefined;
    return v.find((s) => EventAssembler.same(s, r));
  }

  private remember(s: Slot): void {
    const v = this.open.get(s.event.serial);
    if (v === undefined) this.open.set(s.event.serial, s);
    else if (Array.isArray(v)) v.push(s);
    else this.open.set(s.event.serial, [v, s]);
  }

  private forget(s: Slot): void {
    const v = this.open.get(s.event.serial);
    if (v === s) this.open.delete(s.event.serial);
    else if (Array.isArray(v)) {
      const rest = v.filter((x) => x !== s);
      if (rest.length === 0) this.open.delete(s.event.serial);
      else this.open.set(s.event.serial, rest.length === 1 ? rest[0]! : rest);
    }
  }

  /**
   * Adds one record; returns the events that became ready to leave (in order).
   * `ready` receives them; returns false when the record was dropped (a stray EOE).
   */
  add(record: AuditRecord, ready: (e: AuditEvent) => void): boolean {
    // Only one open event has a record's time, serial and node: when the last one does, it is that one.
    const last = this.last;
    if (last !== undefined && !last.complete && last.event.serial === record.serial && EventAssembler.same(last, record)) {
      last.event.records.push(record);
      return true;
    }
    const slot = this.find(record);
    if (slot) {
      // Joining an open event completes nothing, so nothing new can leave.
      slot.event.records.push(record);
      this.last = slot;
      return true;
    }
    const t = record.typeNum ?? -1;
    if (t === AUDIT_EOE) return false;
    const event: AuditEvent = { sec: record.sec, msec: record.msec, serial: record.serial, records: [record] };
    if (record.node !== undefined) event.node = record.node;
    const fresh: Slot = { event, sec: record.sec, msec: record.msec, serial: record.serial, firstType: t, complete: false, index: this.freeIndex() };
    this.slots[fresh.index] = fresh;
    this.heapPush(fresh);
    this.remember(fresh);
    this.last = fresh;
    if (record.sec < this.oldestOpen) this.oldestOpen = record.sec;
    // check_events: every other open event was checked for its first record's type when it was made.
    // differences, not sec + eoeTimeout: that sum loses the 2 s on a (corrupt) stamp past 2^53
    if (record.sec - this.oldestOpen >= this.eoeTimeout) {
      let oldest = Infinity;
      for (const s of this.slots) {
        if (!s || s.complete) continue;
        if (record.sec - s.event.sec >= this.eoeTimeout) this.complete(s);
        else if (s.event.sec < oldest) oldest = s.event.sec;
      }
      this.oldestOpen = oldest;
    }
    if (!fresh.complete && isSingleRecordType(t)) this.complete(fresh);
    if (this.ready > 0) this.drain(ready);
    return true;
  }

  private complete(s: Slot): void {
    s.complete = true;
    this.ready++;
    this.forget(s);
  }

  private drain(ready: (e: AuditEvent) => void): void {
    for (;;) {
      const s = this.heap[0];
      if (s === undefined || !s.complete) return;
      this.heapPop();
      this.slots[s.index] = undefined;
      intPush(this.free, s.index);
      this.ready--;
      while (this.slots.length && this.slots[this.slots.length - 1] === undefined) this.slots.pop();
      ready(s.event);
    }
  }

  /** The lowest free index of `slots` (its length when none is free). */
  private freeIndex(): number {
    const f = this.free;
    if (f.length > 0) {
      if (f[0]! < this.slots.length) return intPop(f);
      f.length = 0;
    }
    return this.slots.length;
  }

  private heapPush(s: Slot): void {
    const h = this.heap;
    let i = h.length;
    h.push(s);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!before(s, h[up]!)) break;
      h[i] = h[up]!;
      i = up;
    }
    h[i] = s;
  }

  private heapPop(): void {
    const h = this.heap;
    const last = h.pop()!;
    const n = h.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[c]!, last)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = last;
  }

  /** End of input: every open event is complete. */
  finish(ready: (e: AuditEvent) => void): void {
    for (const s of this.slots) if (s && !s.complete) this.complete(s);
    this.drain(ready);
  }

  /** Calls `fn` on every record of the events not yet gone (open, or complete and waiting to leave). */
  forEachHeldRecord(fn: (r: AuditRecord) => void): void {
    for (const s of this.slots) if (s) for (const r of s.event.records) fn(r);
  }

  /** Open (incomplete) events, e.g. to report an event cut at the end of a file. */
  pending(): AuditEvent[] {
    return this.slots.filter((s): s is Slot => !!s && !s.complete).map((s) => s.event);
  }
}

/** Pushes `v` onto the binary min-heap `h` of numbers. */
function intPush(h: number[], v: number): void {
  let i = h.length;
  h.push(v);
  while (i > 0) {
    const up = (i - 1) >> 1;
    if (h[up]! <= v) break;
    h[i] = h[up]!;
    i = up;
  }
  h[i] = v;
}

/** Takes the least number off the non-empty binary min-heap `h`. */
function intPop(h: number[]): number {
  const top = h[0]!;
  const last = h.pop()!;
  const n = h.length;
  if (n === 0) return top;
  let i = 0;
  for (;;) {
    const l = 2 * i + 1;
    if (l >= n) break;
    const r = l + 1;
    const c = r < n && h[r]! < h[l]! ? r : l;
    if (h[c]! >= last) break;
    h[i] = h[c]!;
    i = c;
  }
  h[i] = last;
  return top;
}
