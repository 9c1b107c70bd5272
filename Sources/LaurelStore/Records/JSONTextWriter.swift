/// Writes JSON text byte for byte as `JSONEncoder` does with `.sortedKeys` and
/// `.withoutEscapingSlashes`, for what every event writes: its stored outcome and the API's answer.
///
/// Why: Foundation's encoder boxes every value through `Encodable` and cost about a tenth of a
/// purchase's CPU, part of it on the one SQLite writer. Callers write keys in sorted order
/// themselves; tests compare the output with `JSONEncoder`'s for the same values. Keys are string
/// literals of letters, digits and `_`, copied as they are (no escaping to look for).
public struct JSONTextWriter {
    public private(set) var bytes: [UInt8] = []
    /// Whether the container being written is still empty (no comma before its next member).
    private var empty = true

    public init(capacity: Int = 1024) {
        bytes.reserveCapacity(capacity)
    }

    public var text: String { String(decoding: bytes, as: UTF8.self) }

    public mutating func beginObject() {
        bytes.append(UInt8(ascii: "{"))
        empty = true
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        empty = false
    }

    public mutating func beginArray() {
        bytes.append(UInt8(ascii: "["))
        empty = true
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        empty = false
    }

    /// Starts a member of the enclosing object; its value follows.
    public mutating func key(_ name: StaticString) {
        assert(Self.needsNoEscape(name), "a key is copied unescaped: letters, digits and _ only")
        separate()
        bytes.append(UInt8(ascii: "\""))
        name.withUTF8Buffer { bytes.append(contentsOf: $0) }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    private static func needsNoEscape(_ key: StaticString) -> Bool {
        key.withUTF8Buffer { bytes in
            bytes.allSatisfy { byte in
                byte == UInt8(ascii: "_") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
                    || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            }
        }
    }

    /// Starts an element of the enclosing array; its value follows.
    public mutating func element() {
        separate()
    }

    /// Runs of bytes that need no escape are copied whole.
    public mutating func string(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var start = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<index]))
                escape(byte)
                start = index + 1
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            let hex = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
        }
    }

    /// Digits written from the end of a small buffer: no `String` made per number.
    public mutating func int(_ value: Int) {
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = digits.count
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") &+ UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start...]))
        }
    }

    public mutating func bool(_ value: Bool) {
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    /// JSON text written elsewhere (by this writer or by `JSONEncoder` with the same options).
    public mutating func raw(_ json: String) {
        bytes.append(contentsOf: json.utf8)
    }

    public mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    /// Absent values are left out, as the encoder's `encodeIfPresent` does.
    public mutating func field(_ name: StaticString, _ value: String?) {
        if let value { field(name, value) }
    }

    /// Absent values are written as `null`, as the encoder's `encode` of an optional does.
    public mutating func fieldOrNull(_ name: StaticString, _ value: String?) {
        if let value { field(name, value) } else { key(name); raw("null") }
    }

    public mutating func field(_ name: StaticString, _ value: Int) {
        key(name)
        int(value)
    }

    public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// An object as a value (an array's element, or after `key`), its members written by `members`.
    public mutating func object(_ members: (inout JSONTextWriter) -> Void) {
        beginObject()
        members(&self)
        endObject()
    }

    /// A member holding an object, its members written by `members`.
    public mutating func object(_ name: StaticString, _ members: (inout JSONTextWriter) -> Void) {
        key(name)
        object(members)
    }

    /// A member holding an array, each item written by `write`; absent (nil) items leave the member out.
    public mutating func array<Items: Sequence>(_ name: StaticString, _ items: Items?, _ write: (inout JSONTextWriter, Items.Element) -> Void) {
        guard let items else { return }
        key(name)
        beginArray()
        for item in items {
            element()
            write(&self, item)
        }
        endArray()
    }

    /// A member holding an array of strings; nil leaves it out.
    public mutating func field(_ name: StaticString, _ strings: [String]?) {
        array(name, strings) { $0.string($1) }
    }

    private mutating func separate() {
        if !empty { bytes.append(UInt8(ascii: ",")) }
        empty = false
    }
}
