import { describe, expect, it } from "vitest";
import { GRPC_BACKOFF, ReconnectBackoff } from "./reconnect-backoff.js";

function waits(backoff: ReconnectBackoff, n: number): number[] {
  return Array.from({ length: n }, () => backoff.next());
}

describe("ReconnectBackoff", () => {
  it("follows 1 s x1.6 up to 120 s without jitter", () => {
    const backoff = new ReconnectBackoff(GRPC_BACKOFF, () => 0.5);
    expect(waits(backoff, 6)).toEqual([1000, 1600, 2560, 4096, 6554, 10486]);
    expect(waits(backoff, 20).slice(-3)).toEqual([120_000, 120_000, 120_000]);
  });

  it("keeps every wait within 20 % of the base, never beyond 144 s", () => {
    let i = 0;
    const extremes = [0, 0.999999];
    const low = new ReconnectBackoff(GRPC_BACKOFF, () => 0);
    const high = new ReconnectBackoff(GRPC_BACKOFF, () => 0.999999);
    const any = new ReconnectBackoff(GRPC_BACKOFF, () => extremes[i++ % 2] ?? 0);
    const lows = waits(low, 30);
    const highs = waits(high, 30);
    expect(lows[0]).toBe(800);
    expect(highs[0]).toBe(1200);
    expect(Math.min(...lows)).toBe(800);
    expect(Math.max(...highs)).toBe(144_000);
    expect(lows.at(-1)).toBe(96_000);
    for (const w of waits(any, 30)) {
      expect(w).toBeGreaterThanOrEqual(800);
      expect(w).toBeLessThanOrEqual(144_000);
    }
  });

  it("starts over after a reset", () => {
    const backoff = new ReconnectBackoff(GRPC_BACKOFF, () => 0.5);
    waits(backoff, 5);
    backoff.reset();
    expect(backoff.next()).toBe(1000);
  });

  it("refuses parameters that would spin or never retry", () => {
    expect(() => new ReconnectBackoff({ ...GRPC_BACKOFF, initialMs: 0 })).toThrow(RangeError);
    expect(() => new ReconnectBackoff({ ...GRPC_BACKOFF, jitter: 1 })).toThrow(RangeError);
  });
});
