/**
 * Milliseconds on a monotonic clock, for in-memory waits (quorum wait, gathering, post stagger, settlement retries):
 * a host clock stepped back (NTP, a resumed VM) would otherwise stretch them by the step.
 */
export const elapsedMs = (): number => performance.now();
