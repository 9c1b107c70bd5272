import Foundation
import Hummingbird
import NIOCore

/// The fields of a posted HTML form (`application/x-www-form-urlencoded`), decoded as browsers
/// encode them (`FormQuery.decode`). A field sent twice keeps its first value.
struct WebForm: Sendable {
    /// Forms are small; a larger body is refused before it is read in full.
    static let maxBodySize = 256 * 1024

    /// `maxBodySize` as people read it ("256 KB").
    static var maxBodySizeText: String { "\(maxBodySize / 1024) KB" }

    let fields: [String: String]

    init(fields: [String: String]) { self.fields = fields }

    /// Parses `text` (the body or a query string).
    init(encoded text: String) {
        var fields: [String: String] = [:]
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = FormQuery.decode(parts[0])
            if fields[name] == nil { fields[name] = parts.count == 2 ? FormQuery.decode(parts[1]) : "" }
        }
        self.fields = fields
    }

    /// A posted form larger than `maxBodySize`: nothing of it was read (answered 413).
    struct TooLarge: Error, CustomStringConvertible {
        var description: String { "form body larger than \(WebForm.maxBodySize) bytes" }
    }

    /// Reads the form posted in `request`'s body; `TooLarge` when it is over `maxBodySize`.
    static func read(_ request: Request) async throws -> WebForm {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: maxBodySize)
        } catch is NIOTooManyBytesError {
            throw TooLarge()
        }
        return WebForm(encoded: String(buffer: body))
    }

    subscript(_ name: String) -> String? { fields[name] }

    /// The field trimmed of surrounding spaces; nil when missing or blank.
    func text(_ name: String) -> String? {
        guard let value = fields[name]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }
}
