import Crypto
import Foundation
import LaurelCore
import Hummingbird
import LaurelStore
import Synchronization

/// Checks `Authorization: Bearer <key>` against the stored key hashes. Lookups are cached
/// for a few seconds so hot paths skip the database; a revoked key stops working within that time.
public final class APIKeyAuthenticator: Sendable {
    let store: any LaurelStore
    let clock: any WallClock
    private let cache = Mutex<[String: (key: APIKeyRecord, loadedAt: Date)]>([:])
    static let cacheSeconds: TimeInterval = 5

    public init(store: any LaurelStore, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    /// SHA-256 of a key's secret, hex: what the store keeps.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).hexString
    }

    /// Creates a key for a program; returns the record and the secret, which is shown once and never stored.
    /// `rateLimit` is the key's own requests per second (nil: the server's default).
    public static func create(store: any LaurelStore, programId: String, scope: APIScope, name: String?, rateLimit: Int? = nil,
                              now: Date) async throws -> (APIKeyRecord, String) {
        let secret = Identifiers.secret("lk_\(scope.rawValue)")
        let record = APIKeyRecord(id: Identifiers.make("key", now: now), programId: programId, scope: scope, name: name,
                                  prefix: String(secret.prefix(16)), hash: hash(secret), createdAt: now, rateLimit: rateLimit)
        try await store.insertAPIKey(record)
        return (record, secret)
    }

    /// The credentials of an `Authorization: Bearer <token>` header. The scheme is case-insensitive and
    /// may be followed by several spaces (RFC 9110, section 11.1); nil for another scheme or no token.
    static func bearerToken(_ header: String) -> String? {
        guard let space = header.firstIndex(of: " "), header[..<space].lowercased() == "bearer" else { return nil }
        let token = header[space...].drop { $0 == " " }
        return token.isEmpty ? nil : String(token)
    }

    /// The key whose secret this is, or a 401 problem for an unknown or revoked one.
    func key(secret: String) async throws -> APIKeyRecord {
        let hash = Self.hash(secret)
        let now = clock.now()
        var key = cache.withLock { entries -> APIKeyRecord? in
            guard let entry = entries[hash], now.timeIntervalSince(entry.loadedAt) < Self.cacheSeconds else { return nil }
            return entry.key
        }
        if key == nil {
            key = try await store.apiKey(hash: hash)
            if let found = key { cache.withLock { $0[hash] = (found, now) } }
        }
        guard let key, key.revokedAt == nil else { throw Problem(.unauthorized, "unauthorized", "the API key is unknown or revoked") }
        return key
    }
}

/// The server's sense of now, injectable so tests and jobs can move time.
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that only moves when told to, for tests.
public final class ManualClock: WallClock {
    private let current: Mutex<Date>
    public init(_ start: Date) { current = Mutex(start) }
    public func now() -> Date { current.withLock { $0 } }
    public func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
    public func set(_ date: Date) { current.withLock { $0 = date } }
}
