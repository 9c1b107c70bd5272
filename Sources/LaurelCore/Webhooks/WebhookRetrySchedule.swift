import Foundation

/// When a webhook delivery that failed is tried again, and when Laurel gives up on it or on its
/// endpoint. Pure: the worker passes the time and the random jitter in.
///
/// After the n-th failed attempt of a round the next one waits `delays[n - 1]` (the last delay
/// repeats), give or take 10 %: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, … A failure whose next
/// attempt would fall more than `window` (3 days) after the round's first attempt makes the
/// delivery `failed`; that is after the 12th attempt, about 67.5 hours in.
public struct WebhookRetrySchedule: Sendable {
    public static let standard = WebhookRetrySchedule()

    public var delays: [TimeInterval] = [5, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600]
    /// How long after its first attempt a delivery is still retried, and how long an endpoint may
    /// fail continuously before it is disabled.
    public var window: TimeInterval = 3 * 86_400
    /// The jitter, as a fraction of the delay either way.
    public var jitter = 0.1

    public init() {}

    /// What happens to a delivery after an attempt: a success is final, a failure is retried or gives up.
    public enum Decision: Hashable, Sendable {
        case succeeded
        case retry(at: Date)
        case failed
    }

    /// The delay after the `attempt`-th failed attempt of a round (1 = the first), before jitter.
    public func delay(afterAttempt attempt: Int) -> TimeInterval {
        delays[min(max(attempt, 1), delays.count) - 1]
    }

    /// The decision after an attempt at `now` that `succeeded` or not: `.succeeded`, or `afterFailure`.
    public func after(succeeded: Bool, attempt: Int, firstAttempt: Date, now: Date, random: Double) -> Decision {
        succeeded ? .succeeded : afterFailure(attempt: attempt, firstAttempt: firstAttempt, now: now, random: random)
    }

    /// The decision after a failed attempt at `now`, the `attempt`-th of a round that started at
    /// `firstAttempt`; `random` is a number in 0…1 (0.5 = no jitter).
    public func afterFailure(attempt: Int, firstAttempt: Date, now: Date, random: Double) -> Decision {
        let factor = 1 + jitter * (2 * min(max(random, 0), 1) - 1)
        let next = now.addingTimeInterval(delay(afterAttempt: attempt) * factor)
        return next.timeIntervalSince(firstAttempt) > window ? .failed : .retry(at: next)
    }

    /// Whether an endpoint that has failed every attempt since `failingSince` is disabled after a
    /// failure at `now`: when it has failed for the whole window, or when a delivery just ran out of
    /// retries (`deliveryFailed`) without one success since its first attempt (`firstAttempt`).
    public func disablesEndpoint(failingSince: Date, now: Date, deliveryFailed: Bool, firstAttempt: Date) -> Bool {
        now.timeIntervalSince(failingSince) >= window || (deliveryFailed && failingSince <= firstAttempt)
    }
}
