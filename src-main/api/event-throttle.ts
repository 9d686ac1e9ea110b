// Trainers report progress after every batch: hundreds of messages a second on a fast backend, far more
// than a person can read and enough to keep the renderer busy redrawing. Progress is a level, not a
// delta (each message carries the full state), so dropping some loses nothing; every other event
// (epoch ends, restarts, errors, done) is passed on as it comes.

export interface ThrottledEvent {
  type: string;
  model?: string;
}

/** A filter that lets through at most one 'progress' event per model every `intervalMs`. */
export function progressThrottle(intervalMs: number, now: () => number = () => performance.now()): (e: ThrottledEvent) => boolean {
  const last = new Map<string, number>();
  return (e) => {
    if (e.type !== 'progress') return true;
    const key = e.model ?? '';
    const t = now();
    const prev = last.get(key);
    if (prev !== undefined && t - prev < intervalMs) return false;
    last.set(key, t);
    return true;
  };
}
