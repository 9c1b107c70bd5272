import Foundation
import LaurelCore

/// An event the program's fraud controls held instead of crediting: its body is kept here until
/// staff approve it (the event is then recorded and credited, once) or reject it (nothing is).
public struct ReviewRecord: Hashable, Sendable {
    public enum Status: String, Sendable, CaseIterable { case pending, approved, rejected }
    public var id: String
    public var programId: String
    public var memberId: String
    /// The id the event gets when approved (the one the `held` answer gave).
    public var eventId: String
    public var eventType: String
    /// The event's body as `POST /v1/events` stored it (sorted keys, `member_id` resolved).
    public var payload: String
    /// The API key that sent the event; nil when sent without one.
    public var apiKeyId: String?
    /// What tripped, as the JSON array the `fraud.flagged` message carries.
    public var tripsJSON: String
    public var status: Status
    public var createdAt: Date
    public var decidedAt: Date?
    /// Who decided: the deciding API key's id.
    public var decidedBy: String?
    /// Points the event credited when approved.
    public var points: Int?

    public init(id: String, programId: String, memberId: String, eventId: String, eventType: String, payload: String, apiKeyId: String?,
                tripsJSON: String, status: Status, createdAt: Date, decidedAt: Date? = nil, decidedBy: String? = nil, points: Int? = nil) {
        self.id = id
        self.programId = programId
        self.memberId = memberId
        self.eventId = eventId
        self.eventType = eventType
        self.payload = payload
        self.apiKeyId = apiKeyId
        self.tripsJSON = tripsJSON
        self.status = status
        self.createdAt = createdAt
        self.decidedAt = decidedAt
        self.decidedBy = decidedBy
        self.points = points
    }
}

/// A redemption refused by a velocity cap (`422 velocity_cap_exceeded`); a `fraud.flagged`
/// message was written for it.
public struct FraudRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    public let trips: [FraudTrip]
    public init(trips: [FraudTrip]) { self.trips = trips }
    public var description: String {
        let names = trips.compactMap(\.capId).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        return "the redemption would exceed the velocity cap\(names.count == 1 ? "" : "s") \(names.map { "\"\($0)\"" }.joined(separator: ", "))"
    }
}

/// Thrown inside an event's transaction, before anything is written, when the event must be held.
struct FraudHold: Error {
    let trips: [FraudTrip]
    /// The member's balances before the event, for the `held` answer.
    let available: Int
    let pending: Int
    /// The program version that judged it.
    let version: Int
}

/// A live write the program's fraud controls judge: who sent it. Imports and approvals are not screened.
struct FraudScreening: Sendable {
    let apiKeyId: String?
}

extension FraudHold {
    /// The answer to a held event (`status: held`, no points, the member's balances unchanged), which
    /// both stores give and store for replays.
    func heldRecord(_ event: LoyaltyEvent, programId: String, memberId: String, payload: String, version: Int, reviewId: String,
                    now: Date) -> EventRecord {
        let outcome = RecordedOutcome(heldFor: reviewId, balance: RecordedOutcome.Balance(available: available, pending: pending))
        return EventRecord(id: event.id, programId: programId, memberId: memberId, type: event.type, occurredAt: event.occurredAt, recordedAt: now,
                           programVersion: version, status: .held, points: 0, payload: payload, outcome: outcome, outcomeJSON: outcome.jsonText)
    }

    /// The review row's values and the message, the same for both stores.
    func review(_ event: LoyaltyEvent, programId: String, memberId: String, payload: String, apiKeyId: String?, now: Date) -> (ReviewRecord, PendingMessage) {
        let review = ReviewRecord(id: Identifiers.make("rev", now: now), programId: programId, memberId: memberId, eventId: event.id,
                                  eventType: event.type, payload: payload, apiKeyId: apiKeyId, tripsJSON: OutboxMessages.tripsJSON(trips),
                                  status: .pending, createdAt: now)
        let message = OutboxMessages.fraudFlagged(action: "held", memberId: memberId, eventId: event.id, redemptionId: nil, reviewId: review.id,
                                                  apiKeyId: apiKeyId, trips: trips, now: now)
        return (review, message)
    }
}

extension RecordedOutcome {
    /// A held event's outcome: nothing credited, the balances as they were, the review it waits in.
    init(heldFor reviewId: String, balance: Balance) {
        status = .held
        reason = "fraud_review"
        pointsEarned = 0
        pending = false
        rules = []
        balanceAfter = balance
        self.reviewId = reviewId
    }
}
