// A hold's countdown: the seconds left until hold_expires_at, ticking once a second, and the
// moment it runs out (the database refuses the submit from then on: HOLD_EXPIRED).

export interface CountdownTick {
  /** Whole seconds left (0 once expired). */
  secondsLeft: number;
  /** "m:ss" for display. */
  label: string;
  expired: boolean;
}

/** The tick for a hold at an instant (ms since the epoch). */
export function countdownAt(holdExpiresAt: string, nowMs: number): CountdownTick {
  const secondsLeft = Math.max(0, Math.ceil((Date.parse(holdExpiresAt) - nowMs) / 1000));
  const label = `${Math.floor(secondsLeft / 60)}:${String(secondsLeft % 60).padStart(2, "0")}`;
  return { secondsLeft, label, expired: secondsLeft === 0 };
}

/**
 * Call onTick now and every second until the hold expires (the last tick says expired) or
 * stop() is called. `now` is the clock to count with (pass one corrected for server skew).
 */
export function holdCountdown(
  holdExpiresAt: string,
  onTick: (tick: CountdownTick) => void,
  now: () => number = Date.now,
): { stop: () => void } {
  const tick = () => {
    const state = countdownAt(holdExpiresAt, now());
    onTick(state);
    return state.expired;
  };
  const timer = setInterval(() => {
    if (tick()) clearInterval(timer);
  }, 1000);
  if (tick()) clearInterval(timer);
  return { stop: () => clearInterval(timer) };
}
