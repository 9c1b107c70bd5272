import Foundation

/// The response first given to a request, replayed for a retry with the same key.
public struct StoredResponse: Hashable, Sendable {
    public var status: Int
    public var body: Data
    public init(status: Int, body: Data) { self.status = status; self.body = body }
}

/// An `Idempotency-Key` claim: the key, a fingerprint of the request, and how to render the
/// response so it is stored in the same transaction as the write it answers.
public struct Idempotency<Value: Sendable>: Sendable {
    public var key: String
    public var fingerprint: String
    public var render: @Sendable (Value) throws -> StoredResponse
    public init(key: String, fingerprint: String, render: @escaping @Sendable (Value) throws -> StoredResponse) {
        self.key = key
        self.fingerprint = fingerprint
        self.render = render
    }
}

/// The result of an idempotent write: done now, or the stored answer of the first attempt.
public enum Idempotent<Value: Sendable>: Sendable {
    case fresh(Value, StoredResponse?)
    case replayed(StoredResponse)

    public var value: Value? { if case .fresh(let value, _) = self { return value } else { return nil } }
}
