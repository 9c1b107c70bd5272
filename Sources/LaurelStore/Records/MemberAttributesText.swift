import LaurelCore
import Synchronization

/// Member attributes from their stored JSON text. Foundation's decoder took a tenth of the SQLite
/// writer's time per event (the member is read for every one), and equal texts decode to equal
/// values, so decoded attributes are kept by their text.
enum MemberAttributesText {
    /// Texts kept at most; the cache starts over when full (a few MB).
    static let capacity = 10_000
    private static let decoded = Mutex<[String: [String: JSONValue]]>([:])

    static func decode(_ text: String) throws -> [String: JSONValue] {
        if text == "{}" { return [:] }
        if let known = decoded.withLock({ $0[text] }) { return known }
        let value = try JSONText.decode([String: JSONValue].self, text)
        decoded.withLock { cache in
            if cache.count >= capacity { cache.removeAll(keepingCapacity: true) }
            cache[text] = value
        }
        return value
    }
}
