/// A line diff of two texts, for the program editor's "what will change" step: the lines both
/// keep, the lines removed from the old text and the lines added by the new one, in order.
enum LineDiff {
    struct Line: Hashable, Sendable {
        enum Kind: String, Sendable { case same, removed, added }
        let kind: Kind
        let text: String
        /// The line's number in the old text (same, removed) and in the new text (same, added).
        let oldNumber: Int?
        let newNumber: Int?
    }

    /// Above this many cells (changed old lines × changed new lines) the middle is shown as
    /// removed then added, instead of spending quadratic memory on the longest common subsequence.
    static let maxCells = 4_000_000

    /// The diff of `old` and `new`, line by line: common lines at both ends are kept as they are,
    /// the middle is aligned on a longest common subsequence.
    static func lines(from old: String, to new: String) -> [Line] {
        let a = split(old)
        let b = split(new)
        var prefix = 0
        while prefix < a.count, prefix < b.count, a[prefix] == b[prefix] { prefix += 1 }
        var suffix = 0
        while suffix < a.count - prefix, suffix < b.count - prefix, a[a.count - 1 - suffix] == b[b.count - 1 - suffix] { suffix += 1 }
        var result: [Line] = (0..<prefix).map { Line(kind: .same, text: a[$0], oldNumber: $0 + 1, newNumber: $0 + 1) }
        let oldMiddle = Array(a[prefix..<(a.count - suffix)])
        let newMiddle = Array(b[prefix..<(b.count - suffix)])
        result += middle(oldMiddle, newMiddle, offset: prefix, newOffset: prefix)
        for index in 0..<suffix {
            let oldIndex = a.count - suffix + index
            let newIndex = b.count - suffix + index
            result.append(Line(kind: .same, text: a[oldIndex], oldNumber: oldIndex + 1, newNumber: newIndex + 1))
        }
        return result
    }

    /// Whether the diff changes anything.
    static func changes(_ lines: [Line]) -> Bool { lines.contains { $0.kind != .same } }

    private static func split(_ text: String) -> [String] {
        guard !text.isEmpty else { return [] }
        // "\r\n" is one Character in Swift: both line ends are separators.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map(String.init)
        if text.last == "\n" || text.last == "\r\n" { lines.removeLast() }
        return lines
    }

    private static func middle(_ a: [String], _ b: [String], offset: Int, newOffset: Int) -> [Line] {
        let removedAll = a.enumerated().map { Line(kind: .removed, text: $0.element, oldNumber: offset + $0.offset + 1, newNumber: nil) }
        let addedAll = b.enumerated().map { Line(kind: .added, text: $0.element, oldNumber: nil, newNumber: newOffset + $0.offset + 1) }
        guard !a.isEmpty, !b.isEmpty, a.count * b.count <= maxCells else { return removedAll + addedAll }
        // lengths[i][j]: the longest common subsequence of a[i...] and b[j...].
        let width = b.count + 1
        var lengths = [Int32](repeating: 0, count: (a.count + 1) * width)
        for i in stride(from: a.count - 1, through: 0, by: -1) {
            for j in stride(from: b.count - 1, through: 0, by: -1) {
                lengths[i * width + j] = a[i] == b[j] ? lengths[(i + 1) * width + j + 1] + 1
                    : max(lengths[(i + 1) * width + j], lengths[i * width + j + 1])
            }
        }
        var result: [Line] = []
        var (i, j) = (0, 0)
        while i < a.count || j < b.count {
            if i < a.count, j < b.count, a[i] == b[j] {
                result.append(Line(kind: .same, text: a[i], oldNumber: offset + i + 1, newNumber: newOffset + j + 1))
                i += 1
                j += 1
            } else if j < b.count, i == a.count || lengths[i * width + j + 1] > lengths[(i + 1) * width + j] {
                result.append(addedAll[j])
                j += 1
            } else {
                result.append(removedAll[i])
                i += 1
            }
        }
        return result
    }
}
