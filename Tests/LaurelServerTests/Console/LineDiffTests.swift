@testable import LaurelServer
import Testing

/// The program editor's line diff: kept, removed and added lines with their numbers on each side.
struct LineDiffTests {
    static func render(_ lines: [LineDiff.Line]) -> [String] {
        lines.map { line in
            let mark = switch line.kind { case .same: " "; case .removed: "-"; case .added: "+" }
            return "\(mark)\(line.oldNumber.map(String.init) ?? "_"):\(line.newNumber.map(String.init) ?? "_") \(line.text)"
        }
    }

    @Test func equalTextsHaveNoChanges() {
        let diff = LineDiff.lines(from: "a\nb\n", to: "a\nb\n")
        #expect(Self.render(diff) == [" 1:1 a", " 2:2 b"])
        #expect(!LineDiff.changes(diff))
        #expect(LineDiff.lines(from: "", to: "").isEmpty)
    }

    @Test func aChangedLineIsRemovedThenAddedWithItsNumbers() {
        let diff = LineDiff.lines(from: "name: A\npoints: 1\nper: 1\n", to: "name: A\npoints: 2\nper: 1\n")
        #expect(Self.render(diff) == [" 1:1 name: A", "-2:_ points: 1", "+_:2 points: 2", " 3:3 per: 1"])
        #expect(LineDiff.changes(diff))
    }

    @Test func insertionsAndDeletionsAlignOnCommonLines() {
        let diff = LineDiff.lines(from: "a\nb\nc\nd", to: "a\nx\nb\nd\ne")
        #expect(Self.render(diff) == [" 1:1 a", "+_:2 x", " 2:3 b", "-3:_ c", " 4:4 d", "+_:5 e"])
        #expect(Self.render(LineDiff.lines(from: "", to: "a\n")) == ["+_:1 a"])
        #expect(Self.render(LineDiff.lines(from: "a\r\nb", to: "a\nb")) == [" 1:1 a", " 2:2 b"])
    }

    @Test func hugeMiddlesAreShownAsRemovedThenAdded() {
        let old = (0..<2_100).map { "old \($0)" }.joined(separator: "\n")
        let new = (0..<2_100).map { "new \($0)" }.joined(separator: "\n")
        let diff = LineDiff.lines(from: "head\n" + old, to: "head\n" + new)
        #expect(diff.count == 1 + 4_200)
        #expect(diff[1].kind == .removed && diff[2_101].kind == .added && diff[2_101].newNumber == 2)
    }
}
