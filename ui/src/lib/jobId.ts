// Job ids are minted here, once per click, and used everywhere after: Rust records the job under
// this id before anything is sent and refuses a second start with it. UUIDv7, as the engine
// expects: the first 48 bits are the time in milliseconds, so ids sort by when they were minted.

export function newJobId(now: number = Date.now()): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  let t = now;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = t % 256;
    t = Math.floor(t / 256);
  }
  bytes[6] = (bytes[6] & 0x0f) | 0x70; // version 7
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The id of take `index` of job `jobId`. */
export function videoId(jobId: string, index: number): string {
  return `${jobId}-${index}`;
}
