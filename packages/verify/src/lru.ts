/** A small LRU map with per-entry expiry (milliseconds since epoch). */
export class ExpiringLru<V> {
  private readonly map = new Map<string, { value: V; expires: number }>();

  constructor(private readonly max: number) {}

  get(key: string, now = Date.now()): V | undefined {
    if (this.max <= 0) return undefined; // disabled: not even the hash of a long token
    const entry = this.map.get(key);
    if (!entry) return undefined;
    this.map.delete(key);
    if (entry.expires <= now) return undefined;
    this.map.set(key, entry);
    return entry.value;
  }

  set(key: string, value: V, expires: number): void {
    if (this.max <= 0) return;
    this.map.delete(key);
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value!);
    this.map.set(key, { value, expires });
  }

  get size(): number {
    return this.map.size;
  }
}
