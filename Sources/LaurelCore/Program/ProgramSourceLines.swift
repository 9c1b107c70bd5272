import Yams

/// Where a validation issue's path (`earning_rules[2].effect.factor`) is in the program's text, so
/// an editor can show the problem on its line. Follows the path only (it never walks the whole
/// document, so aliases are not expanded); a path that leaves the document (a missing key) ends
/// at the deepest part that exists.
public enum ProgramSourceLines {
    /// The 1-based line of `path` in `source`; nil for an empty path, or a source that is not YAML.
    public static func line(of path: String, in source: String) -> Int? {
        guard !path.isEmpty, source.utf8.count <= ProgramSourceParser.maxSourceBytes,
              let parser = try? Parser(yaml: source), let root = try? parser.singleRoot() else { return nil }
        return withExtendedLifetime(parser) {
            var node = root
            var line = root.mark?.line
            for step in steps(path) {
                switch (step, node) {
                case (.key(let name), .mapping(let mapping)):
                    guard let (key, value) = mapping.first(where: { $0.key.string == name }) else { return line }
                    line = key.mark?.line ?? line
                    node = value
                case (.index(let index), .sequence(let sequence)):
                    guard index >= 0, index < sequence.count else { return line }
                    node = sequence[sequence.index(sequence.startIndex, offsetBy: index)]
                    line = node.mark?.line ?? line
                default:
                    return line
                }
            }
            return line
        }
    }

    enum Step: Equatable { case key(String), index(Int) }

    /// `a.b[2][0].c` → key a, key b, index 2, index 0, key c.
    static func steps(_ path: String) -> [Step] {
        var steps: [Step] = []
        for part in path.split(separator: ".", omittingEmptySubsequences: true) {
            var rest = part[...]
            if let bracket = rest.firstIndex(of: "[") {
                if bracket > rest.startIndex { steps.append(.key(String(rest[..<bracket]))) }
                rest = rest[bracket...]
                while rest.first == "[", let close = rest.firstIndex(of: "]") {
                    steps.append(.index(Int(rest[rest.index(after: rest.startIndex)..<close]) ?? -1))
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                steps.append(.key(String(rest)))
            }
        }
        return steps
    }
}
