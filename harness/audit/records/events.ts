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
  firstType: number;
  complete: boolean;
  /** Its index in `slots` (fixed while it is open: ties between equal times go to the lowest). */
  index: number;
}

function isSingleRecordType(t: number): boolean {
  return t === AUDIT_PROCTITLE || t < AUDIT_FIRST_EVENT || t >= AUDIT_FIRST_ANOM_MSG || t === AUDIT_KERNEL ||
    (t >= AUDIT_MAC_UNLBL_ALLOW && t <= AUDIT_MAC_CALIPSO_DEL);
}

function compareTime(a: AuditEvent, b: AuditEvent): number {
  if (a.sec !== b.sec) return a.sec > b.sec ? 1 : -1;
  if (a.msec !== b.msec) return a.msec > b.msec ? 1 : -1;
  if (a.serial !== b.serial) return a.serial > b.serial ? 1 : -1;
  return 0;
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
    const free = this.slots.indexOf(undefined);
    const fresh: Slot = { event, firstType: t, complete: false, index: free >= 0 ? free : this.slots.length };
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
      this.ready--;
      while (this.slots.length && this.slots[this.slots.length - 1] === undefined) this.slots.pop();
      ready(s.event);
    }
  }

  private static before(a: Slot, b: Slot): boolean {
    const c = compareTime(a.event, b.event);
    return c < 0 || (c === 0 && a.index < b.index);
  }

  private heapPush(s: Slot): void {
    const h = this.heap;
    let i = h.length;
    h.push(s);
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (!EventAssembler.before(s, h[up]!)) break;
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
      const c = r < n && EventAssembler.before(h[r]!, h[l]!) ? r : l;
      if (!EventAssembler.before(h[c]!, last)) break;
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

  /** Open (incomplete) events, e.g. to report an event cut at the end of a file. */
  pending(): AuditEvent[] {
    return this.slots.filter((s): s is Slot => !!s && !s.complete).map((s) => s.event);
  }
}
